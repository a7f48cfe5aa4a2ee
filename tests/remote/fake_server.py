"""A small fake inference server speaking the llama.cpp server, OpenAI-compatible (llama-cpp-python
flavour) and Ollama protocols, for the remote-engine tests.

Its wire shapes (paths, request fields, the streamed chunks) follow the recorded exchanges in
recordings/, which were written by hand from each project's public API documentation (not
captured from a real server). Behind them is a toy model:
- the vocabulary: Qwen2.5-Coder's special tokens with their real ids, and one id per character
  (200000 + code point) for everything else, so any text tokenizes and detokenizes exactly;
- generation: a scripted reply streamed in small pieces, `--delay` seconds apart (after
  `--first-delay` seconds of "prompt processing").
Every request is logged as one JSON line (path, body, and for streams how they ended:
"complete", or "closed_early" when the client closed the connection first).

Run as a script (`python fake_server.py --port P --log FILE ...`) or in-process (`serve`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPECIAL = {
    "<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645, "<|fim_prefix|>": 151659,
    "<|fim_middle|>": 151660, "<|fim_suffix|>": 151661, "<|fim_pad|>": 151662, "<|repo_name|>": 151663,
    "<|file_sep|>": 151664,
}
_BY_ID = {v: k for k, v in SPECIAL.items()}
_SPLIT = re.compile("(" + "|".join(re.escape(s) for s in SPECIAL) + ")")
CHAR_BASE = 200000


def tokenize(text: str, parse_special: bool) -> list[int]:
    out: list[int] = []
    for part in _SPLIT.split(text) if parse_special else [text]:
        if parse_special and part in SPECIAL:
            out.append(SPECIAL[part])
        else:
            out.extend(CHAR_BASE + ord(c) for c in part)
    return out


def detokenize(ids: list[int], special: bool = True) -> str:
    return "".join(_BY_ID.get(t, "") if t in _BY_ID and special else chr(t - CHAR_BASE) if t >= CHAR_BASE else ""
                   for t in ids)


@dataclass
class Config:
    reply: str = "return a + b\n"
    delay: float = 0.02  # between streamed pieces
    first_delay: float = 0.0  # before the first piece
    piece_chars: int = 2
    api_key: str | None = None
    model: str = "qwen2.5-coder-test"
    log: Path | None = None
    replay: dict[str, list[str]] | None = None  # path -> recorded answer lines, sent as they are
    slots: int = 0  # >0: at most this many streams generate at once, the rest wait (a busy GPU box)
    flavour: str = ""  # "vllm": vLLM's /tokenize and /detokenize shapes, no llama.cpp or llama-cpp-python routes
    drop_after: int = 0  # >0: break the connection after this many pieces (a server dying mid-answer)


Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


class FakeServer:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.requests: list[dict[str, Any]] = []
        self.open_streams = 0
        self.max_open_streams = 0
        self.slots = asyncio.Semaphore(config.slots) if config.slots > 0 else None

    def record(self, entry: dict[str, Any]) -> None:
        self.requests.append(entry)
        if self.config.log is not None:
            with self.config.log.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry) + "\n")

    def streams(self, outcome: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.requests if "outcome" in r and (outcome is None or r["outcome"] == outcome)]

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        body: Any = json.loads(raw) if raw else {}
        path = scope["path"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if self.config.api_key and path not in ("/health",) and \
                headers.get("authorization") != f"Bearer {self.config.api_key}":
            self.record({"path": path, "status": 401})
            await _json(send, {"error": {"code": 401, "message": "Invalid API Key"}}, 401)
            return
        self.client = tuple(scope.get("client") or ())
        handler = getattr(self, "r_" + path.strip("/").replace("/", "_").replace("-", "_"), None)
        if self.config.flavour == "vllm" and path.startswith(("/extras", "/health", "/props", "/completion")):
            handler = None
        if handler is None:
            self.record({"path": path, "status": 404})
            await _json(send, {"detail": "Not Found"}, 404)
            return
        await handler(body, receive, send)

    # -- llama.cpp server ----------------------------------------------------------------
    async def r_health(self, body: Any, receive: Receive, send: Send) -> None:
        await _json(send, {"status": "ok"})

    async def r_props(self, body: Any, receive: Receive, send: Send) -> None:
        await _json(send, {"default_generation_settings": {"n_ctx": 4096}, "total_slots": 4,
                           "model_path": f"/models/{self.config.model}.gguf"})

    async def r_tokenize(self, body: Any, receive: Receive, send: Send) -> None:
        self.record({"path": "/tokenize", "body": body})
        if self.config.flavour == "vllm":  # {"model", "prompt", "add_special_tokens"}
            if "prompt" not in body or "model" not in body:
                await _json(send, {"object": "error", "message": "Field required: prompt, model"}, 400)
                return
            ids = tokenize(body["prompt"], True)
            await _json(send, {"tokens": ids, "count": len(ids), "max_model_len": 4096})
            return
        ids = tokenize(body["content"], bool(body.get("parse_special", True)))
        if body.get("with_pieces"):
            await _json(send, {"tokens": [{"id": t, "piece": detokenize([t])} for t in ids]})
        else:
            await _json(send, {"tokens": ids})

    async def r_detokenize(self, body: Any, receive: Receive, send: Send) -> None:
        if self.config.flavour == "vllm":
            await _json(send, {"prompt": detokenize(body["tokens"])})
            return
        await _json(send, {"content": detokenize(body["tokens"])})

    async def r_completion(self, body: Any, receive: Receive, send: Send) -> None:
        await self._stream("/completion", body, body.get("n_predict", 16), receive, send, _llama_chunk, None)

    async def r_infill(self, body: Any, receive: Receive, send: Send) -> None:
        await self._stream("/infill", body, body.get("n_predict", 16), receive, send, _llama_chunk, None)

    # -- llama-cpp-python's OpenAI-compatible server ---------------------------------------
    async def r_v1_models(self, body: Any, receive: Receive, send: Send) -> None:
        await _json(send, {"object": "list", "data": [{"id": self.config.model, "object": "model",
                                                       "owned_by": "me", "permissions": []}]})

    async def r_extras_tokenize(self, body: Any, receive: Receive, send: Send) -> None:
        self.record({"path": "/extras/tokenize", "body": body})
        await _json(send, {"tokens": tokenize(body["input"], True)})

    async def r_extras_detokenize(self, body: Any, receive: Receive, send: Send) -> None:
        self.record({"path": "/extras/detokenize", "body": body})
        await _json(send, {"text": detokenize(body["tokens"], special=False)})

    async def r_v1_completions(self, body: Any, receive: Receive, send: Send) -> None:
        await self._stream("/v1/completions", body, body.get("max_tokens", 16), receive, send, _openai_chunk,
                           b"data: [DONE]\r\n\r\n")

    # -- Ollama ----------------------------------------------------------------------------
    async def r_api_tags(self, body: Any, receive: Receive, send: Send) -> None:
        await _json(send, {"models": [{"name": f"{self.config.model}:latest", "model": f"{self.config.model}:latest",
                                       "size": 1, "digest": "0" * 64}]})

    async def r_api_generate(self, body: Any, receive: Receive, send: Send) -> None:
        limit = (body.get("options") or {}).get("num_predict", 16)
        await self._stream("/api/generate", body, limit, receive, send, _ollama_chunk, None)

    # -- streaming -------------------------------------------------------------------------
    async def _stream(self, path: str, body: Any, limit: int, receive: Receive, send: Send,
                      chunk: Callable[[str, bool, str, int], bytes], tail: bytes | None) -> None:
        entry: dict[str, Any] = {"path": path, "body": body, "started": time.time(), "pieces": 0,
                                 "client": list(self.client)}
        media = "application/x-ndjson" if path == "/api/generate" else "text/event-stream"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", media.encode()), (b"cache-control", b"no-cache")]})
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        self.open_streams += 1
        self.max_open_streams = max(self.max_open_streams, self.open_streams)
        reply = self.config.reply
        stops = [s for s in (body.get("stop") or (body.get("options") or {}).get("stop") or []) if s]
        cut = min([reply.find(s) for s in stops if s in reply] or [len(reply)])
        text, reason = reply[:cut], "word" if cut < len(reply) else "eos"
        pieces = [text[i:i + self.config.piece_chars] for i in range(0, len(text), self.config.piece_chars)]
        if len(pieces) > limit:
            pieces, reason = pieces[:limit], "limit"
        outcome = "complete"
        if self.config.replay and path in self.config.replay:
            pieces, chunk, tail = self.config.replay[path], _line, b""
        holding = False
        try:
            if self.slots is not None:  # wait for a free slot, unless the client goes first
                acquire = asyncio.ensure_future(self.slots.acquire())
                left = asyncio.ensure_future(gone.wait())
                await asyncio.wait({acquire, left}, return_when=asyncio.FIRST_COMPLETED)
                left.cancel()
                if not acquire.done() or acquire.cancelled():
                    acquire.cancel()
                    outcome = "closed_early"
                    return
                holding = True
                entry["waited"] = round(time.time() - entry["started"], 3)
            if self.config.first_delay and await _wait(gone, self.config.first_delay):
                outcome = "closed_early"
                return
            for piece in pieces:
                if await _wait(gone, self.config.delay):
                    outcome = "closed_early"
                    return
                await send({"type": "http.response.body", "body": chunk(piece, False, reason, len(pieces)),
                            "more_body": True})
                entry["pieces"] += 1
                if self.config.drop_after and entry["pieces"] >= self.config.drop_after:
                    outcome = "dropped"
                    raise RuntimeError("fake server: connection dropped mid-answer")
            if chunk is not _line:
                await send({"type": "http.response.body", "body": chunk("", True, reason, len(pieces)),
                            "more_body": True})
            await send({"type": "http.response.body", "body": tail or b"", "more_body": False})
        except OSError:
            outcome = "closed_early"
        finally:
            if holding and self.slots is not None:
                self.slots.release()
            self.open_streams -= 1
            watcher.cancel()
            entry.update(outcome=outcome, ended=time.time())
            self.record(entry)


async def _wait(gone: asyncio.Event, seconds: float) -> bool:
    """Sleep, or return True at once when the client has gone."""
    try:
        await asyncio.wait_for(gone.wait(), seconds)
        return True
    except TimeoutError:
        return gone.is_set()


def _line(piece: str, stop: bool, reason: str, n: int) -> bytes:
    return piece.encode() + b"\n"


def _llama_chunk(piece: str, stop: bool, reason: str, n: int) -> bytes:
    data: dict[str, Any] = {"content": piece, "stop": stop}
    if stop:
        data.update(stop_type=reason, tokens_cached=0,
                    timings={"cache_n": 0, "prompt_n": 12, "predicted_n": n, "prompt_ms": 5.0, "predicted_ms": 9.0})
    return b"data: " + json.dumps(data).encode() + b"\n\n"


def _openai_chunk(piece: str, stop: bool, reason: str, n: int) -> bytes:
    finish = None if not stop else ("length" if reason == "limit" else "stop")
    data = {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": "m",
            "choices": [{"text": piece, "index": 0, "logprobs": None, "finish_reason": finish}]}
    return b"data: " + json.dumps(data).encode() + b"\r\n\r\n"


def _ollama_chunk(piece: str, stop: bool, reason: str, n: int) -> bytes:
    data: dict[str, Any] = {"model": "m", "created_at": "2026-01-01T00:00:00Z", "response": piece, "done": stop}
    if stop:
        data.update(done_reason="length" if reason == "limit" else "stop", prompt_eval_count=12, eval_count=n)
    return json.dumps(data).encode() + b"\n"


async def _json(send: Send, value: Any, status: int = 200) -> None:
    payload = json.dumps(value).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


async def serve(fake: FakeServer, port: int = 0) -> tuple[Any, int]:
    """Start uvicorn for `fake` on 127.0.0.1 in this loop; returns (server, port)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(fake, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    return server, server.servers[0].sockets[0].getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path)
    parser.add_argument("--reply", default=Config.reply)
    parser.add_argument("--delay", type=float, default=Config.delay)
    parser.add_argument("--first-delay", type=float, default=0.0)
    parser.add_argument("--api-key")
    parser.add_argument("--slots", type=int, default=0)
    args = parser.parse_args()
    fake = FakeServer(Config(reply=args.reply, delay=args.delay, first_delay=args.first_delay,
                             api_key=args.api_key, log=args.log, slots=args.slots))

    async def run() -> None:
        await serve(fake, args.port)
        await asyncio.Event().wait()

    asyncio.run(run())


if __name__ == "__main__":
    main()
