"""OpenAI-compatible `/v1/completions` with a raw FIM prompt (vLLM, llama-cpp-python's server,
LM Studio, and the llama.cpp server's OpenAI routes).

The prompt goes as token ids to vLLM (recognised by its /tokenize endpoint), and as text to the
others (llama-cpp-python's server accepts no token ids), built from our token-id prompt: the
markers spelled from the model's vocabulary, the user's text as we tokenized it. These servers
tokenize with special tokens on, so the user's text is defused before tokenizing
(text_prompt.defuse): a marker typed in a file reaches the model as plain text.
Token counts come from the server's tokenize endpoint (/extras/tokenize, /tokenize), or from a
local GGUF of the same model. The stream is server-sent events of `choices[0].text`, ending with
`data: [DONE]`.
"""

from __future__ import annotations

from typing import Any

from hushcode.engine.contracts import GenerateRequest
from hushcode.engine.remote.base import RemoteEngine
from hushcode.engine.remote.http import BadAnswer, Refused
from hushcode.engine.remote.streaming import json_object, server_stops, sse_data
from hushcode.engine.remote.tokenizers import (
    ExtrasTokenizer,
    VllmTokenizer,
    discover,
    probe_openai_tokenizer,
)


class OpenAIEngine(RemoteEngine):
    kind = "openai"
    text_prompts = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.served: list[str] = []  # the model names the server lists

    async def _health(self) -> None:
        listing = await self.http.get_json("/v1/models", self.options.connect_timeout_s + 3)
        data = listing.get("data") if isinstance(listing, dict) else None
        self.served = [str(m.get("id")) for m in data if isinstance(m, dict)] if isinstance(data, list) else []
        wanted = self.options.model
        if wanted and self.served and wanted not in self.served:
            raise Refused(f"it serves no model named {wanted!r} (it serves: {', '.join(self.served)}); "
                          f"check engine.model")

    @property
    def model_name(self) -> str | None:
        return self.options.model or (self.served[0] if self.served else None)

    async def _setup(self) -> None:
        name = self.model_name or "remote model"
        tokenizer = None if self.options.tokenizer == "local" else await probe_openai_tokenizer(self.http, self.model_name)
        if tokenizer is not None:
            self.model, self.control = await discover(tokenizer, name, self.options.n_ctx)
            self.tokenizer = tokenizer
            return
        if self.options.tokenizer == "server" or not self.options.local_model_path:
            raise Refused("it offers no tokenize endpoint (/extras/tokenize or /tokenize); set model.path to a "
                          "GGUF of the same model so hushcode can count tokens locally")
        await self._use_local_vocabulary(self.options.local_model_path)

    async def _body(self, request: GenerateRequest) -> tuple[str, dict[str, Any]]:
        assert self.model is not None
        # vLLM takes token ids (exactly our prompt); llama-cpp-python's server and LM Studio take text
        prompt: Any = list(request.tokens) if isinstance(self.tokenizer, VllmTokenizer) \
            else await self.prompt_text(list(request.tokens))
        body: dict[str, Any] = {
            "prompt": prompt, "max_tokens": request.max_tokens,
            "temperature": 0, "stream": True,
            "stop": server_stops(request, self.model.markers.marker_texts, limit=4),  # OpenAI's limit
        }
        if self.model_name:
            body["model"] = self.model_name
        if isinstance(self.tokenizer, ExtrasTokenizer):
            body["repeat_penalty"] = 1.0  # llama-cpp-python's default is 1.1; the local engine uses none
        return "/v1/completions", body

    def _read(self, line: str, state: dict[str, Any]) -> tuple[str, dict[str, Any] | None] | None:
        data = sse_data(line)
        if data is None:
            return None
        if data == "[DONE]":
            return "", {"reason": state.get("finish", "stop"), "evaluated": state.get("prompt_tokens"),
                        "generated": state.get("completion_tokens")}
        chunk = json_object(data)
        if chunk is None:
            return None
        if "error" in chunk:
            raise BadAnswer(f"the server reported: {chunk['error']}")
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            state.update({k: usage.get(k) for k in ("prompt_tokens", "completion_tokens")})
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return None
        finish = choices[0].get("finish_reason")
        if finish:
            state["finish"] = "length" if finish == "length" else "stop"
        return str(choices[0].get("text") or ""), None
