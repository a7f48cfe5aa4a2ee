"""Ollama's `/api/generate` with `raw: true` (no chat template: our FIM prompt as it is).

Ollama takes only text and has no tokenize endpoint, so token counts and the markers come from
a local GGUF of the same model (`model.path`), loaded vocabulary-only in its own process. The
user's text is defused before tokenizing (Ollama parses special tokens in a raw prompt). The
stream is newline-delimited JSON: `{"response": ..., "done": false}`, then `"done": true` with
`done_reason` and the counts.
"""

from __future__ import annotations

from typing import Any

from hushcode.engine.contracts import GenerateRequest
from hushcode.engine.remote.base import RemoteEngine
from hushcode.engine.remote.http import BadAnswer, Refused
from hushcode.engine.remote.streaming import json_object, server_stops


class OllamaEngine(RemoteEngine):
    kind = "ollama"
    text_prompts = True

    async def _health(self) -> None:
        wanted = self.options.model
        if not wanted:
            raise Refused("engine.model is not set (the name of a model the Ollama server has pulled)")
        tags = await self.http.get_json("/api/tags", self.options.connect_timeout_s + 3)
        models = tags.get("models") if isinstance(tags, dict) else None
        names = {str(m.get(k)) for m in models or [] if isinstance(m, dict) for k in ("name", "model")}
        if wanted not in names and f"{wanted}:latest" not in names:
            raise Refused(f"it has no model {wanted!r} (run `ollama pull {wanted}` on the server)")

    async def _setup(self) -> None:
        if not self.options.local_model_path:
            raise Refused("Ollama has no tokenize endpoint: set model.path to a GGUF of the same model, "
                          "for token counts and the FIM markers")
        await self._use_local_vocabulary(self.options.local_model_path)

    async def _body(self, request: GenerateRequest) -> tuple[str, dict[str, Any]]:
        assert self.model is not None
        return "/api/generate", {
            "model": self.options.model, "prompt": await self.prompt_text(list(request.tokens)),
            "raw": True, "stream": True,
            "options": {"temperature": 0, "top_k": 1, "repeat_penalty": 1.0, "num_predict": request.max_tokens,
                        "stop": server_stops(request, self.model.markers.marker_texts)},
        }

    def _read(self, line: str, state: dict[str, Any]) -> tuple[str, dict[str, Any] | None] | None:
        chunk = json_object(line) if line.strip() else None
        if chunk is None:
            return None
        if "error" in chunk:
            raise BadAnswer(f"the server reported: {chunk['error']}")
        piece = str(chunk.get("response") or "")
        if not chunk.get("done"):
            return piece, None
        return piece, {"reason": "length" if chunk.get("done_reason") == "length" else "stop",
                       "evaluated": chunk.get("prompt_eval_count"), "generated": chunk.get("eval_count")}
