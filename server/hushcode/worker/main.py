"""The engine process: `python -m hushcode.worker.main`.

It owns one llama.cpp model and context, reads requests on stdin and answers on a
private copy of stdout. A crash in here (an assert, a segfault, the OOM killer) ends
only this process; the server notices and restarts it.

Threads: a reader thread parses requests and sets the stop flag of the running
generation at once on `cancel`; the main thread runs requests one at a time, so two
generations can never share the context.
"""

from __future__ import annotations

import collections
import os
import queue
import re
import signal
import sys
import threading
import time
from typing import Any, BinaryIO

from hushcode.engine.wire import Message, decode, encode
from hushcode.worker import faults


class Channel:
    """The private protocol stream (a dup of the original stdout)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        with self._lock:
            self._stream.write(encode(message))
            self._stream.flush()


class Engine:
    """A loaded model plus the generation loop."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.llm: Any = None
        self.markers: Any = None
        self.can_shift = False
        self.stop_ids: set[int] = set()
        self.current_id: Any = None
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()  # guards current_id and cancelled_ids between the two threads
        self.model_lock = threading.Lock()  # held while a model loads; tokenizing on the reader needs it
        self.cancelled_ids: collections.deque[Any] = collections.deque(maxlen=256)
        self.active = 0
        self.timeline: collections.deque[tuple[Any, float, float]] = collections.deque(maxlen=1000)
        self.stats = {"generations": 0, "max_concurrent": 0, "cancelled": 0, "tokens_generated": 0,
                      "prompt_tokens_evaluated": 0, "prompt_tokens_reused": 0}

    # -- loading -------------------------------------------------------------------
    def load(self, msg: Message) -> None:
        with self.model_lock:  # a tokenize request on the reader thread waits in the queue meanwhile
            self.llm = self.markers = None
            try:
                self._load(msg)
            except Exception as exc:  # noqa: BLE001 -- whatever stops a load is reported: the server must never wait
                self.channel.send({"ev": "load_failed", "kind": "unloadable",
                                   "message": f"{type(exc).__name__}: {exc}"})

    def _load(self, msg: Message) -> None:
        faults.before_load()
        import llama_cpp  # imported late: it is heavy, and stdout must be safe first

        from hushcode.engine.resources import gpu_layers_for
        from hushcode.prompt.templates import detect_markers
        from hushcode.worker import memory

        too_big = memory.check_fits(msg["path"], on_gpu=bool(llama_cpp.llama_supports_gpu_offload()))
        if too_big is not None:
            self.channel.send({"ev": "load_failed", "kind": "no_memory", "message": too_big})
            return
        memory.apply_limit()
        started = time.perf_counter()
        # 0 means every core: llama-cpp-python's own default is half of them
        threads = int(msg.get("threads") or 0) or (os.cpu_count() or 1)
        threads_batch = int(msg.get("threads_batch") or 0) or threads
        gpu_layers = gpu_layers_for(int(msg.get("gpu_layers", -1)))
        vocab_only = bool(msg.get("vocab_only", False))  # a remote engine's tokenizer: no weights
        try:
            self.llm = llama_cpp.Llama(
                model_path=msg["path"],
                vocab_only=vocab_only,
                n_ctx=64 if vocab_only else int(msg.get("n_ctx", 4096)),
                n_threads=threads,
                n_threads_batch=threads_batch,
                n_gpu_layers=gpu_layers,
                n_batch=int(msg.get("n_batch", 512)),
                verbose=bool(msg.get("verbose", False)),
            )
        except Exception as exc:  # noqa: BLE001 -- llama-cpp-python raises ValueError on a file it cannot load
            if "llama_context" in str(exc):  # the weights loaded; the context's buffers could not be allocated
                n_ctx = int(msg.get("n_ctx", 4096))
                self.channel.send({"ev": "load_failed", "kind": "no_memory", "message": (
                    f"The model {msg['path']} does not fit in memory with a context of {n_ctx} tokens: "
                    f"llama.cpp could not create its context. Lower model.contextTokens or choose a smaller model.")})
            else:
                self.channel.send({"ev": "load_failed", "kind": "unloadable", "message": str(exc)})
            return
        markers = detect_markers(self._special_token)
        name = str(self.llm.metadata.get("general.name", os.path.basename(msg["path"])))
        if markers is None:
            self.channel.send({"ev": "load_failed", "kind": "no_fim", "model": name,
                               "message": f"{name} has no fill-in-the-middle tokens"})
            return
        self.markers = markers
        from hushcode.worker.kv_reuse import can_shift

        self.can_shift = False if vocab_only else can_shift(self.llm)
        model = self.llm._model
        self.stop_ids = set(markers.stop_ids) | {t for t in (model.token_eos(), model.token_eot()) if t >= 0}
        bos = model.token_bos() if model.add_bos_token() else None
        self.channel.send({
            "ev": "loaded", "model": name, "template": markers.template,
            "variant": self._variant(name),
            "chat": {"start": self._special_token("<|im_start|>"), "end": self._special_token("<|im_end|>")},
            "markers": {"prefix": markers.prefix, "suffix": markers.suffix, "middle": markers.middle,
                        "order": markers.order, "texts": list(markers.marker_texts),
                        "end_of_text": markers.end_of_text},
            "bos": bos if bos is not None and bos >= 0 else None,
            "repo": self._repo_markers(markers.template),
            "n_ctx": self.llm.n_ctx(), "pid": os.getpid(), "network_audit": _network_audit(),
            "threads": threads, "threads_batch": threads_batch, "gpu_layers": gpu_layers,
            "load_ms": round((time.perf_counter() - started) * 1000, 1),
        })

    def _variant(self, name: str) -> str:
        """"instruct" for chat/instruct fine-tunes (from the GGUF's own metadata), else "base"."""
        meta = self.llm.metadata
        words = " ".join(str(meta.get(k, "")) for k in ("general.name", "general.finetune", "general.basename"))
        return "instruct" if re.search(r"instruct|chat|\bit\b", words + " " + name, re.IGNORECASE) else "base"

    def _repo_markers(self, template_name: str) -> dict[str, int | None]:
        from hushcode.prompt.templates import TEMPLATES_BY_NAME

        template = TEMPLATES_BY_NAME[template_name]
        return {"repo_name": self._special_token(template.repo_name) if template.repo_name else None,
                "file_sep": self._special_token(template.file_sep) if template.file_sep else None}

    def _special_token(self, text: str) -> int | None:
        tokens = self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        if len(tokens) != 1:
            return None
        piece = self.llm._model.token_get_text(tokens[0])
        return tokens[0] if piece == text else None

    # -- requests ------------------------------------------------------------------
    def tokenize_now(self, msg: Message) -> bool:
        """Answer a tokenize request on the reader thread, at once, even while a generation
        runs: the vocabulary is read-only (llama.cpp releases the GIL in both), and a keystroke's
        prompt must not wait behind a generation that its own cancel is still stopping. False
        while no model is ready (a load in progress): the request then waits in the queue."""
        if not self.model_lock.acquire(blocking=False):
            return False
        try:
            if self.llm is None or self.markers is None:
                return False
            try:
                self.tokenize(msg)
            except Exception as exc:  # noqa: BLE001 - a bad request must not kill the reader
                self.channel.send({"ev": "error", "id": msg.get("id"), "message": f"{type(exc).__name__}: {exc}"})
            return True
        finally:
            self.model_lock.release()

    def tokenize(self, msg: Message) -> None:
        # special=False: markers typed by the user stay text and cannot steer the model.
        out = [self.llm.tokenize(t.encode("utf-8"), add_bos=False, special=False) for t in msg["texts"]]
        self.channel.send({"ev": "tokens", "id": msg["id"], "tokens": out})

    def detokenize(self, msg: Message) -> None:
        # special=True: a control token comes back as its text (a remote engine's text prompt)
        texts = [b"".join(self._piece(int(t)) for t in ids).decode("utf-8", "replace") for ids in msg["tokens"]]
        self.channel.send({"ev": "texts", "id": msg["id"], "texts": texts})

    def _piece(self, token: int) -> bytes:
        """One token's bytes, control tokens spelled out (llama-cpp-python's own helper has a
        32-byte buffer, too small for long whitespace tokens)."""
        import ctypes

        import llama_cpp

        size = 256
        while True:
            buffer = ctypes.create_string_buffer(size)
            n = llama_cpp.llama_token_to_piece(self.llm._model.vocab, token, buffer, size, 0, True)
            if n >= 0:
                return buffer.raw[:n]
            size = -n

    def generate(self, msg: Message) -> None:
        self.active += 1
        self.stats["max_concurrent"] = max(self.stats["max_concurrent"], self.active)
        self.stats["generations"] += 1
        started = time.monotonic()
        try:
            self._generate(msg)
        finally:
            self.active -= 1
            self.timeline.append((msg["id"], started, time.monotonic()))

    def _generate(self, msg: Message) -> None:
        faults.before_generate()
        from hushcode.worker.decoder import Decoder, Limits
        from hushcode.engine.contracts import rank_spec_from_wire
        from hushcode.worker.ranking import RANK_FIRSTS, rank

        request_id = msg["id"]
        tokens: list[int] = list(msg["tokens"])
        deadline = time.monotonic() + float(msg.get("timeout_ms", 10000)) / 1000
        budget_s = float(msg.get("budget_ms") or 0) / 1000
        limits = Limits(
            max_tokens=int(msg.get("max_tokens", 64)), deadline=deadline,
            stop_at_newline=bool(msg.get("stop_at_newline", False)), stop_texts=tuple(msg.get("stop_texts", [])),
            stop_indent=msg.get("stop_indent"), stop_unmatched_close=bool(msg.get("stop_unmatched_close", False)),
            token_delay_s=faults.TOKEN_DELAY_S, line_budget_s=budget_s if budget_s > 0 else None,
        )
        decoder = Decoder(self.llm, self.stop_ids, self._is_eog, self.stop_flag.is_set)
        started = time.perf_counter()
        min_chunk = int(msg.get("reuse_min_chunk", 0)) if self.can_shift else 0
        evaluation = decoder.evaluate_prompt(
            tokens, deadline, min_chunk,
            on_chunk=lambda n: self.channel.send({"ev": "progress", "id": request_id, "evaluated": n}))
        reused, evaluated, interrupted = evaluation.reused, evaluation.evaluated, evaluation.interrupted
        prompt_ms = (time.perf_counter() - started) * 1000
        self.stats["prompt_tokens_evaluated"] += evaluated
        self.stats["prompt_tokens_reused"] += reused

        def stream(piece: str) -> None:
            self.channel.send({"ev": "token", "id": request_id, "text": piece})

        gen_started = time.perf_counter()
        texts: list[str] = []
        generated = 0
        ranked = 0
        reason = interrupted or "stop"
        if interrupted is None:
            n = max(1, int(msg.get("alternatives", 1)))
            asked = msg.get("rank")
            spec = rank_spec_from_wire(asked) if asked and n == 1 else None
            # a blank line's other candidates start from the prompt's next most likely first tokens,
            # read now, while the logits at the end of the prompt are still there (more than the two
            # readings compared, or no line of code among them: engine/ranking.py)
            ranking_firsts = decoder.first_choices(max(spec.candidates + 1, RANK_FIRSTS)) if spec else []
            firsts: list[int | None] = list(decoder.first_tokens(n)) if n > 1 else [None]
            for k, first in enumerate(firsts or [None]):
                if k:
                    self.llm.n_tokens = len(tokens)  # rewind to the end of the prompt for the next one
                out = decoder.generate(limits, stream if k == 0 else (lambda piece: None), first)
                texts.append(out.text)
                generated += out.generated
                reason = out.reason if k == 0 else reason
                if out.reason in ("cancelled", "deadline"):
                    break
            if spec is not None and reason not in ("cancelled", "deadline"):
                ranking = rank(decoder, tokens, spec, limits, out, ranking_firsts,
                               lambda text: self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
                texts, ranked = ranking.texts, ranking.compared
                generated += ranking.generated
        if reason == "cancelled":
            self.stats["cancelled"] += 1
        self.stats["tokens_generated"] += generated
        self.channel.send({
            "ev": "done", "id": request_id, "text": texts[0] if texts else "", "texts": texts, "reason": reason,
            "prompt_tokens": len(tokens), "reused": reused, "shifted": evaluation.shifted, "evaluated": evaluated,
            "generated": generated, "ranked": ranked,
            "prompt_ms": round(prompt_ms, 2), "gen_ms": round((time.perf_counter() - gen_started) * 1000, 2),
            "control_tokens": sum(1 for t in tokens if t in self._marker_ids()),
        })

    def _is_eog(self, token: int) -> bool:
        import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self.llm._model.vocab, token))

    def _marker_ids(self) -> set[int]:
        m = self.markers
        return {m.prefix, m.suffix} | ({m.middle} if m.middle is not None else set()) | self.stop_ids


def _network_audit() -> bool:
    from hushcode import netguard

    return netguard.installed()


def _reader(stdin: BinaryIO, inbox: queue.Queue[Message | None], engine: Engine) -> None:
    """Parse requests; a cancel takes effect at once, and so does a tokenize once the model is
    loaded; everything else is queued.

    Tokenizing here, not behind a running generation, matters while the user types: the newer
    request must reach `generate` (where the server cancels the obsolete generation of its
    document) without waiting for that generation to end. llama.cpp's tokenizer only reads the
    vocabulary, so it can run beside a decode (llama-server tokenizes in its HTTP threads too).
    """
    for line in stdin:
        try:
            msg = decode(line)
        except ValueError:
            continue
        if msg.get("op") == "tokenize" and engine.tokenize_now(msg):
            continue
        if msg.get("op") == "cancel":
            with engine.lock:
                engine.cancelled_ids.append(msg.get("id"))
                if msg.get("id") == engine.current_id:
                    engine.stop_flag.set()
            continue
        inbox.put(msg)
    inbox.put(None)  # the server closed the pipe: exit


def _die_with_the_server() -> None:
    """Linux: end this process when the server dies, even by SIGKILL, instead of finishing a
    generation nobody will read."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main() -> int:
    """Run the engine until the server closes the pipe."""
    from hushcode import netguard

    netguard.install_if_requested("the engine")  # inherited from the server's environment
    _die_with_the_server()
    # 1. Keep the protocol on a private copy of stdout, and point fd 1 at stderr, so a
    #    native library that prints (or redirects fd 1 while loading) cannot corrupt it.
    channel = Channel(os.fdopen(os.dup(1), "wb", buffering=0))
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    engine = Engine(channel)
    inbox: queue.Queue[Message | None] = queue.Queue()
    threading.Thread(target=_reader, args=(sys.stdin.buffer, inbox, engine), daemon=True).start()
    while True:
        msg = inbox.get()
        if msg is None or msg.get("op") == "shutdown":
            return 0
        op = msg.get("op")
        try:
            if op == "load":
                engine.load(msg)
            elif engine.llm is None:
                channel.send({"ev": "error", "id": msg.get("id"), "message": "no model loaded"})
            elif op == "tokenize":
                engine.tokenize(msg)
            elif op == "detokenize":
                engine.detokenize(msg)
            elif op == "generate":
                with engine.lock:
                    skip = msg["id"] in engine.cancelled_ids
                    if not skip:
                        engine.current_id = msg["id"]
                        engine.stop_flag.clear()
                if skip:
                    channel.send({"ev": "done", "id": msg["id"], "text": "", "reason": "cancelled",
                                  "prompt_tokens": len(msg["tokens"]), "reused": 0, "shifted": 0, "evaluated": 0,
                                  "generated": 0, "prompt_ms": 0, "gen_ms": 0, "control_tokens": 0})
                    continue
                try:
                    engine.generate(msg)
                finally:
                    with engine.lock:
                        engine.current_id = None
            elif op == "stats":
                channel.send({"ev": "stats", "id": msg.get("id"), "stats": dict(engine.stats),
                              "timeline": list(engine.timeline),
                              "active": engine.active})
        except Exception as exc:  # noqa: BLE001 -- a bad request must not kill the engine
            channel.send({"ev": "error", "id": msg.get("id"), "message": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # Exit without interpreter finalization: the reader thread is blocked in a read of stdin,
    # and finalizing while it holds the buffer's lock aborts the process ("could not acquire lock").
    os._exit(code)
