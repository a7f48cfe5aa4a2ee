"""Token counting and the FIM markers of a remote engine's model, from the model's own tokenizer.

Where the server offers tokenize endpoints they are used (no model file needed on the laptop):
- `LlamaServerTokenizer`: the llama.cpp server's /tokenize with `parse_special: false`: exact,
  the user's text can never produce a control token;
- `ExtrasTokenizer`: llama-cpp-python's server, /extras/tokenize (it parses special tokens,
  so the caller defuses the user's text first: text_prompt.defuse);
- `VllmTokenizer`: vLLM's /tokenize (special tokens parsed too: defused likewise).
Otherwise (Ollama has no tokenize endpoint) `LocalVocabTokenizer` loads the vocabulary only of
a GGUF of the same model (`model.path`) in its own engine process (no weights: 91 MB instead of
646 MB for the default model, ready in about a second), where a crash in llama.cpp cannot take
the language server down.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Protocol

from hushcode.engine.contracts import EngineConfig, EngineState, LoadedModel, Notify
from hushcode.engine.local import LocalEngine
from hushcode.engine.remote.http import BadAnswer, Http, Refused
from hushcode.prompt.layout import ChatMarkers, RepoMarkers
from hushcode.prompt.templates import TEMPLATES_BY_NAME, all_marker_spellings, detect_markers

CHAT = ("<|im_start|>", "<|im_end|>")


class Tokenizer(Protocol):
    parses_special: bool  # True: special-token text in the input becomes control tokens
    name: str  # for the log and the status
    model_path: str | None  # the local GGUF whose vocabulary it reads, if any

    async def tokenize(self, texts: list[str]) -> list[list[int]]: ...
    async def detokenize(self, token_lists: list[list[int]]) -> list[str]: ...
    async def special_id(self, spelling: str) -> int | None: ...
    async def bos(self) -> int | None: ...
    async def close(self) -> None: ...


def _ids(value: Any, where: str) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(t, int) for t in value):
        raise BadAnswer(f"{where} did not answer a list of token ids")
    return value


class _HttpTokenizer:
    parses_special = True
    name = "server"
    model_path: str | None = None

    def __init__(self, http: Http, model: str | None) -> None:
        self.http = http
        self.model = model
        self._bos_known = False
        self._bos: int | None = None

    async def _one(self, text: str) -> list[int]:
        raise NotImplementedError

    async def _detok(self, ids: list[int]) -> str:
        raise NotImplementedError

    async def tokenize(self, texts: list[str]) -> list[list[int]]:
        return list(await asyncio.gather(*(self._one(t) if t else _empty() for t in texts)))

    async def detokenize(self, token_lists: list[list[int]]) -> list[str]:
        return list(await asyncio.gather(*(self._detok(ids) if ids else _text() for ids in token_lists)))

    async def special_id(self, spelling: str) -> int | None:
        ids = await self._one(spelling)
        return ids[0] if len(ids) == 1 else None

    async def bos(self) -> int | None:
        return None

    async def close(self) -> None:
        pass


async def _empty() -> list[int]:
    return []


async def _text() -> str:
    return ""


class LlamaServerTokenizer(_HttpTokenizer):
    parses_special = False
    name = "server /tokenize"

    async def _one(self, text: str) -> list[int]:
        answer = await self.http.post_json("/tokenize", {"content": text, "add_special": False, "parse_special": False})
        return _ids(answer.get("tokens") if isinstance(answer, dict) else None, "/tokenize")

    async def _detok(self, ids: list[int]) -> str:
        answer = await self.http.post_json("/detokenize", {"tokens": ids})
        return str(answer.get("content", "")) if isinstance(answer, dict) else ""

    async def special_id(self, spelling: str) -> int | None:
        answer = await self.http.post_json("/tokenize", {"content": spelling, "add_special": False,
                                                         "parse_special": True, "with_pieces": True})
        tokens = answer.get("tokens") if isinstance(answer, dict) else None
        if isinstance(tokens, list) and len(tokens) == 1 and isinstance(tokens[0], dict) \
                and tokens[0].get("piece") == spelling and isinstance(tokens[0].get("id"), int):
            return int(tokens[0]["id"])
        return None

    async def bos(self) -> int | None:
        answer = await self.http.post_json("/tokenize", {"content": "", "add_special": True})
        tokens = answer.get("tokens") if isinstance(answer, dict) else None
        return tokens[0] if isinstance(tokens, list) and tokens and isinstance(tokens[0], int) else None


class ExtrasTokenizer(_HttpTokenizer):
    """llama-cpp-python's server. Its /extras/tokenize parses special tokens and adds BOS when
    the model asks for one; the BOS is taken off again here."""

    name = "server /extras/tokenize"

    async def _raw(self, text: str) -> list[int]:
        body: dict[str, Any] = {"input": text}
        if self.model:
            body["model"] = self.model
        answer = await self.http.post_json("/extras/tokenize", body)
        return _ids(answer.get("tokens") if isinstance(answer, dict) else None, "/extras/tokenize")

    async def _one(self, text: str) -> list[int]:
        ids = await self._raw(text)
        bos = await self.bos()
        return ids[1:] if bos is not None and ids[:1] == [bos] else ids

    async def _detok(self, ids: list[int]) -> str:
        body: dict[str, Any] = {"tokens": ids}
        if self.model:
            body["model"] = self.model
        answer = await self.http.post_json("/extras/detokenize", body)
        return str(answer.get("text", "")) if isinstance(answer, dict) else ""

    async def bos(self) -> int | None:
        if not self._bos_known:
            ids = await self._raw("")
            self._bos, self._bos_known = (ids[0] if len(ids) == 1 else None), True
        return self._bos


class VllmTokenizer(_HttpTokenizer):
    name = "server /tokenize (vLLM)"

    async def _one(self, text: str) -> list[int]:
        answer = await self.http.post_json("/tokenize", {"model": self.model, "prompt": text,
                                                         "add_special_tokens": False})
        return _ids(answer.get("tokens") if isinstance(answer, dict) else None, "/tokenize")

    async def _detok(self, ids: list[int]) -> str:
        answer = await self.http.post_json("/detokenize", {"model": self.model, "tokens": ids})
        return str(answer.get("prompt", "")) if isinstance(answer, dict) else ""


async def probe_openai_tokenizer(http: Http, model: str | None) -> _HttpTokenizer | None:
    """Which tokenize endpoint an OpenAI-compatible server offers, if any."""
    candidates: list[_HttpTokenizer] = [ExtrasTokenizer(http, model), LlamaServerTokenizer(http, model)]
    if model:
        candidates.append(VllmTokenizer(http, model))
    for candidate in candidates:
        try:
            if await candidate._one("def"):
                return candidate
        except BadAnswer:
            continue
    return None


class LocalVocabTokenizer:
    """The vocabulary of a local GGUF of the same model, in its own engine process."""

    parses_special = False
    name = "local vocabulary"

    def __init__(self, model_path: str, notify: Notify) -> None:
        self.model_path: str | None = model_path
        self.supervisor = LocalEngine(EngineConfig(model_path=model_path, vocab_only=True), notify)

    async def start(self) -> LoadedModel:
        self.supervisor.start()
        if not await self.supervisor.wait_ready(60) or self.supervisor.model is None:
            raise Refused(f"the tokenizer from {self.model_path} did not load: {self.supervisor.last_error}")
        return self.supervisor.model

    async def tokenize(self, texts: list[str]) -> list[list[int]]:
        found = await self.supervisor.tokenize(texts)
        if found is None:
            raise BadAnswer(f"the local tokenizer is {self.supervisor.state.value}")
        return found

    async def detokenize(self, token_lists: list[list[int]]) -> list[str]:
        found = await self.supervisor.detokenize(token_lists)
        if found is None:
            raise BadAnswer(f"the local tokenizer is {self.supervisor.state.value}")
        return found

    async def special_id(self, spelling: str) -> int | None:
        return None  # the model's markers come with the loaded vocabulary

    async def bos(self) -> int | None:
        return self.supervisor.model.bos if self.supervisor.model else None

    @property
    def ready(self) -> bool:
        return self.supervisor.state is EngineState.READY

    async def close(self) -> None:
        await self.supervisor.stop()


def variant_of(name: str) -> str:
    """"instruct" for chat/instruct fine-tunes (by the model's name), else "base"."""
    return "instruct" if re.search(r"instruct|chat|\bit\b", name, re.IGNORECASE) else "base"


async def discover(tokenizer: Tokenizer, name: str, n_ctx: int) -> tuple[LoadedModel, dict[int, str]]:
    """The model's FIM markers and other control tokens, looked up in its vocabulary through
    the tokenizer, and the spelling of each control token (for text prompts)."""
    spellings = list(dict.fromkeys(all_marker_spellings() + CHAT))
    ids = await asyncio.gather(*(tokenizer.special_id(s) for s in spellings))
    found = {s: i for s, i in zip(spellings, ids) if i is not None}
    markers = detect_markers(found.get)
    if markers is None:
        raise Refused(f"the model {name} has no fill-in-the-middle tokens, so it cannot complete code; "
                      f"serve a code model with FIM support, such as Qwen2.5-Coder")
    template = TEMPLATES_BY_NAME[markers.template]
    repo = RepoMarkers(found.get(template.repo_name) if template.repo_name else None,
                       found.get(template.file_sep) if template.file_sep else None)
    model = LoadedModel(name=name, markers=markers, bos=await tokenizer.bos(), n_ctx=n_ctx, load_ms=0.0,
                        repo=repo, variant=variant_of(name), chat=ChatMarkers(found.get(CHAT[0]), found.get(CHAT[1])))
    return model, {i: s for s, i in found.items()}


async def control_texts(tokenizer: LocalVocabTokenizer, model: LoadedModel) -> dict[int, str]:
    """The spelling of each control token a prompt can hold, from the local vocabulary."""
    m = model.markers
    ids = [t for t in (m.prefix, m.suffix, m.middle, model.repo.repo_name, model.repo.file_sep,
                       model.chat.start, model.chat.end) if t is not None]
    texts = await tokenizer.detokenize([[t] for t in ids])
    return dict(zip(ids, texts))
