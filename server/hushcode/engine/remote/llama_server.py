"""The llama.cpp server (`llama-server`): our token ids to /completion, or /infill.

- /completion takes the prompt as token ids: the model sees exactly the local engine's prompt
  (markers as ids, the user's text tokenized by the server's /tokenize with special tokens off).
  `cache_prompt` lets the server's slot reuse the common prefix, as the local engine does.
- /infill (`engine.endpoint = "infill"`): the server lays out the FIM prompt itself from
  `input_prefix`, `input_suffix` and `input_extra` (the cross-file context, one entry per file),
  tokenizing them with special tokens off (the typed part, `prompt`, with them on: it is
  defused). The pieces are cut from our token prompt at the
  markers and detokenized; a prompt of another shape (the chat format) goes to /completion.
Streams are server-sent events: `data: {"content": ..., "stop": false}`, then a last one with
`"stop": true`, its `stop_type` and `timings`.
"""

from __future__ import annotations

import os
from typing import Any

from hushcode.engine.contracts import GenerateRequest
from hushcode.engine.remote.base import RemoteEngine
from hushcode.engine.remote.http import BadAnswer
from hushcode.engine.remote.streaming import json_object, server_stops, sse_data
from hushcode.engine.remote.text_prompt import defuse, infill_parts
from hushcode.engine.remote.tokenizers import (
    LlamaServerTokenizer,
    discover,
)

_STOP_TYPES = {"eos": "stop", "limit": "length", "word": "stop_text"}


class LlamaServerEngine(RemoteEngine):
    kind = "llama-server"

    async def _health(self) -> None:
        response = await self.http.get("/health", self.options.connect_timeout_s + 3)
        if response.status_code != 200:
            raise BadAnswer(f"/health answered HTTP {response.status_code} ({response.text[:200].strip()})")

    async def _setup(self) -> None:
        props = await self.http.get_json("/props")
        settings = props.get("default_generation_settings", {}) if isinstance(props, dict) else {}
        path = str(props.get("model_path") or "") if isinstance(props, dict) else ""
        name = self.options.model or os.path.basename(path) or "llama-server model"
        n_ctx = int(settings.get("n_ctx") or self.options.n_ctx) if isinstance(settings, dict) else self.options.n_ctx
        if self.options.tokenizer == "local" and self.options.local_model_path:
            await self._use_local_vocabulary(self.options.local_model_path)
            return
        tokenizer = LlamaServerTokenizer(self.http, self.options.model)
        self.model, self.control = await discover(tokenizer, name, n_ctx)
        self.tokenizer = tokenizer

    async def _body(self, request: GenerateRequest) -> tuple[str, dict[str, Any]]:
        assert self.model is not None and self.tokenizer is not None
        body: dict[str, Any] = {
            "n_predict": request.max_tokens, "temperature": 0, "top_k": 1, "repeat_penalty": 1.0,
            "stream": True, "cache_prompt": True, "stop": server_stops(request, self.model.markers.marker_texts),
        }
        if request.reuse_min_chunk > 0:
            body["n_cache_reuse"] = request.reuse_min_chunk
        parts = infill_parts(request.tokens, self.model.markers, self.model.repo, self.model.bos) \
            if self.options.endpoint == "infill" else None
        if parts is None:
            return "/completion", {**body, "prompt": list(request.tokens)}
        texts = await self.tokenizer.detokenize([*parts.files, parts.prefix, parts.suffix, parts.typed])
        files = [text.partition("\n") for text in texts[: len(parts.files)]]
        prefix, suffix, typed = texts[len(parts.files):]
        # the server parses special tokens in `prompt` (the typed part after the middle marker) only
        return "/infill", {**body, "input_prefix": prefix, "input_suffix": suffix, "prompt": defuse(typed),
                           "input_extra": [{"filename": name, "text": text} for name, _, text in files]}

    def _read(self, line: str, state: dict[str, Any]) -> tuple[str, dict[str, Any] | None] | None:
        data = sse_data(line)
        chunk = json_object(data) if data else None
        if chunk is None:
            return None
        if "error" in chunk:
            raise BadAnswer(f"the server reported: {chunk['error']}")
        piece = chunk.get("content") or ""
        if not chunk.get("stop"):
            return str(piece), None
        timings: dict[str, Any] = chunk["timings"] if isinstance(chunk.get("timings"), dict) else {}
        return str(piece), {"reason": _STOP_TYPES.get(str(chunk.get("stop_type")), "stop"),
                            "cached": timings.get("cache_n", chunk.get("tokens_cached")),
                            "evaluated": timings.get("prompt_n"), "generated": timings.get("predicted_n")}
