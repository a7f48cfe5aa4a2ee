"""The pure half of building a prompt: the texts to tokenize for a format, then the token layout.

The completion service cuts the window (`cut`), fetches cross-file snippets, asks the engine to
tokenize the texts of `draft` (special tokens off: the user's text stays text) and hands the
token lists back to `lay_out`, which fits them to the budget and lays out the full prompt and,
for a cold KV cache, the short one. Everything here is a function of its arguments: it runs in a
worker thread on an immutable snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from hushcode.config.settings import CompletionSettings
from hushcode.documents.snapshot import DocumentSnapshot, language_name
from hushcode.prompt.context import ContextSnippet, comment_text, repo_texts
from hushcode.prompt.formats import choose_format
from hushcode.prompt.healing import hold_back_space
from hushcode.prompt.layout import (
    CHAT_HOLE,
    CHAT_SYSTEM,
    Budget,
    ChatMarkers,
    PromptPieces,
    RepoMarkers,
    build_prompt,
    fit_budget,
    typed_after_middle,
)
from hushcode.prompt.templates import FimMarkers
from hushcode.prompt.window import Window, cut_window

CHARS_PER_TOKEN = 3  # a conservative estimate for code; the token budget is enforced after tokenizing
COLD_SUFFIX_TOKENS = 32  # the short prompt's suffix (see completion.cold_prompt_tokens)


class ModelFacts(Protocol):
    """What a prompt's layout needs to know of the loaded model (engine/contracts.LoadedModel)."""

    @property
    def markers(self) -> FimMarkers: ...

    @property
    def bos(self) -> int | None: ...

    @property
    def repo(self) -> RepoMarkers: ...

    @property
    def chat(self) -> ChatMarkers: ...

    @property
    def variant(self) -> str: ...


def prompt_format(setting: str, model: ModelFacts) -> str:
    """The format a prompt is laid out in: the setting or the family's measured default, and
    plain PSM for "chat" when the model has no chat template."""
    fmt = choose_format(setting, model.markers.template, model.variant)
    return "psm" if fmt == "chat" and model.chat.start is None else fmt


def cut(doc: DocumentSnapshot, offset: int, anchor: int | None, cfg: CompletionSettings, suffix_tokens: int,
        fmt: str) -> Window:
    """The window of the document around `offset` that the prompt holds (see prompt/window.py)."""
    return cut_window(doc.text, offset, anchor, cfg.prefix_tokens * CHARS_PER_TOKEN, suffix_tokens * CHARS_PER_TOKEN,
                      cfg.suffix_lines, typed_after_middle(fmt))


def window_span(window: Window, offset: int) -> tuple[int, int]:
    """The offsets of the document the window covers (retrieval leaves them out)."""
    return offset - len(window.typed) - len(window.prefix), offset + len(window.suffix)


class Retrieved(Protocol):
    """A snippet as retrieval found it (workspace/snippet.Snippet)."""

    @property
    def path(self) -> str: ...

    @property
    def text(self) -> str: ...


def in_prompt_order(found: Sequence[Retrieved]) -> list[ContextSnippet]:
    """Retrieval ranks best first; the prompt puts the best last, right before the current file,
    where the model reads it as the code just seen (docs/workspace.md, "Prompt order")."""
    return [ContextSnippet(s.path, s.text) for s in reversed(found)]


@dataclass(frozen=True)
class Draft:
    """The texts to tokenize, in the order `lay_out` reads their token lists back."""

    fmt: str
    texts: list[str]  # prefix, suffix, typed, comment head, repository files..., the format's own texts
    held: str  # text before the cursor left out of the prompt (see prompt/healing.py)
    files: int  # how many repository file texts follow the comment head
    context: bool  # cross-file snippets are part of it


def draft(doc: DocumentSnapshot, window: Window, fmt: str, snippets: Sequence[ContextSnippet], model: ModelFacts,
          token_healing: bool) -> Draft:
    """The texts of a prompt in format `fmt`: the window (its last space held back with token
    healing), the snippets as repository files or comments, and the format's own texts."""
    held = ""
    if token_healing and fmt != "chat":
        window, held = hold_back_space(window)
    use_repo = bool(snippets) and model.repo.file_sep is not None and fmt != "chat"
    name = doc.repo_name if model.repo.repo_name is not None else None  # Mellum: file names only
    files = repo_texts(name, snippets, doc.relative_path) if use_repo else []
    head = comment_text(snippets, language_name(doc)) if snippets and not use_repo and fmt != "chat" else ""
    texts = [window.prefix, window.suffix, window.typed, head, *files]
    if fmt == "repo":
        texts += [f"{doc.repo_name}\n", f"{doc.relative_path}\n"]
    elif fmt == "chat":
        texts += ["system\n" + CHAT_SYSTEM, "\n", "user\n", CHAT_HOLE, "assistant\n"]
    return Draft(fmt=fmt, texts=texts, held=held, files=len(files), context=bool(snippets))


@dataclass(frozen=True)
class PromptTokens:
    """A request's prompt as token ids: the full one, and how to make the short one for a cold
    cache (the end of the prefix and the start of the suffix only: no cross-file context)."""

    full: list[int]
    held: str  # text before the cursor left out of the prompt (see prompt/healing.py)
    fmt: str
    model: ModelFacts
    pieces: PromptPieces
    suffix_tokens: int  # the suffix budget this prompt was fitted to
    context_tokens: int | None  # tokens of cross-file context, when there is some

    def short(self, limit: int) -> list[int]:
        """The prompt cut to about `limit` tokens: the format's markers and texts, the typed part,
        the first COLD_SUFFIX_TOKENS of the suffix and as much of the prefix's end as fits."""
        short_suffix = min(self.suffix_tokens, COLD_SUFFIX_TOKENS)
        pieces = self.pieces
        skeleton = PromptPieces(prefix=(), suffix=(), typed=pieces.typed, repo=pieces.repo, path=pieces.path,
                                chat=pieces.chat)  # markers, the typed part and the format's own text
        fixed = len(_build(self.fmt, self.model, skeleton))
        short_prefix = min(max(limit - short_suffix - fixed, 0), len(pieces.prefix))
        return _build(self.fmt, self.model, replace(skeleton, prefix=pieces.prefix[len(pieces.prefix) - short_prefix:],
                                                      suffix=pieces.suffix[:short_suffix]))


def lay_out(draft: Draft, parts: list[list[int]], model: ModelFacts, prefix_tokens: int,
             suffix_tokens: int) -> PromptTokens:
    """Lay out the full prompt from the token lists of `draft.texts`, within the budgets."""
    fmt, files = draft.fmt, draft.files
    prefix, suffix = fit_budget(parts[0], parts[1], Budget(max(prefix_tokens - len(parts[2]), 0), suffix_tokens))
    extra = parts[4 + files:]
    context_tokens = len(parts[3]) + sum(len(f) for f in parts[4:4 + files]) if draft.context else None
    pieces = PromptPieces(prefix=prefix, suffix=suffix, typed=parts[2], prefix_head=parts[3],
                          files=parts[4:4 + files],
                          repo=extra[0] if fmt == "repo" else (), path=extra[1] if fmt == "repo" else (),
                          chat=extra[:5] if fmt == "chat" else ())
    return PromptTokens(full=_build(fmt, model, pieces), held=draft.held, fmt=fmt, model=model, pieces=pieces, suffix_tokens=suffix_tokens,
                        context_tokens=context_tokens)


def _build(fmt: str, model: ModelFacts, pieces: PromptPieces) -> list[int]:
    return build_prompt(fmt, model.markers, pieces, bos=model.bos, repo=model.repo, chat=model.chat)
