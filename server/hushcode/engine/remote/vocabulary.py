"""A remote engine's view of its model's tokenizer: token ids of the user's text (recent ones
kept), and token-id prompts turned back into text for the servers that take only text."""

from __future__ import annotations

import collections

from hushcode.engine.remote.text_prompt import defuse, join_runs, known_pieces, prompt_runs
from hushcode.engine.remote.tokenizers import Tokenizer

_KNOWN_TEXTS = 256  # recent tokenizations kept


class ControlTokenInText(Exception):
    """The user's text came back with a control token: the request must not be sent."""


class Vocabulary:
    def __init__(self, tokenizer: Tokenizer, control: dict[int, str], bos: int | None, text_prompts: bool) -> None:
        self.tokenizer = tokenizer
        self.control = control  # control token id -> its spelling
        self.bos = bos
        self.text_prompts = text_prompts  # the server takes text and parses special tokens in it
        self._tokens: collections.OrderedDict[str, list[int]] = collections.OrderedDict()  # text -> ids
        self._texts: dict[tuple[int, ...], str] = {}  # ids -> text, for the same recent texts

    async def tokenize(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text. Recent texts are not asked again: the suffix, the context and
        the repository lines repeat from keystroke to keystroke. For text prompts the texts are
        defused first (text_prompt.defuse)."""
        prepared = [defuse(t) for t in texts] if self.text_prompts else texts
        for text in prepared:
            if text in self._tokens:
                self._tokens.move_to_end(text)
        missing = list(dict.fromkeys(t for t in prepared if t not in self._tokens))
        fresh = await self.tokenizer.tokenize(missing) if missing else []
        if self.tokenizer.parses_special and any(t in self.control for ids in fresh for t in ids):
            raise ControlTokenInText
        for text, ids in zip(missing, fresh):
            self._remember(text, ids)
        return [list(self._tokens[t]) for t in prepared]

    def _remember(self, text: str, ids: list[int]) -> None:
        self._tokens[text] = ids
        self._texts[tuple(ids)] = text
        while len(self._tokens) > _KNOWN_TEXTS:
            _, old = self._tokens.popitem(last=False)
            self._texts.pop(tuple(old), None)

    async def prompt_text(self, tokens: list[int]) -> str:
        """A token-id prompt as text: control tokens spelled from the vocabulary, the user's runs
        from the texts we tokenized (detokenized only where the budget cut one, e.g. a prefix)."""
        ids = tokens[1:] if self.bos is not None and tokens[:1] == [self.bos] else tokens  # the server adds its own
        runs = prompt_runs(ids, self.control)
        pieces = [known_pieces(r, self._texts) if isinstance(r, list) else [] for r in runs]
        unknown = [p for run in pieces for p in run if isinstance(p, list)]
        found = iter(await self.tokenizer.detokenize(unknown) if unknown else [])
        texts = ["".join(p if isinstance(p, str) else next(found) for p in run) for run in pieces]
        return join_runs(runs, self.control, [t for t, r in zip(texts, runs) if isinstance(r, list)])

    def count_control(self, tokens: list[int]) -> int:
        return sum(1 for t in tokens if t in self.control)
