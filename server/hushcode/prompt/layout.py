"""The token layout of a FIM prompt.

Prompts are built as token ids: the user's text is tokenized with special tokens
disabled (so code that contains `<|endoftext|>` stays text), and the markers are
added here as ids taken from the model's vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hushcode.prompt.templates import FimMarkers


@dataclass(frozen=True)
class PromptText:
    """The text around the cursor that goes into a prompt."""

    prefix: str
    suffix: str


@dataclass(frozen=True)
class Budget:
    """Token budgets for each part of the prompt."""

    prefix_tokens: int
    suffix_tokens: int


def split_around_cursor(text: str, offset: int, max_prefix_lines: int, max_suffix_lines: int) -> PromptText:
    """Cut a window of whole lines around the cursor (the token budget trims it further)."""
    before = text[:offset]
    after = text[offset:]
    prefix_lines = before.split("\n")
    suffix_lines = after.split("\n")
    prefix = "\n".join(prefix_lines[-(max_prefix_lines + 1):])
    suffix = "\n".join(suffix_lines[: max_suffix_lines + 1])
    return PromptText(prefix=prefix, suffix=suffix)


def fit_budget(prefix: Sequence[int], suffix: Sequence[int], budget: Budget) -> tuple[list[int], list[int]]:
    """Keep the end of the prefix and the start of the suffix, within budget."""
    kept_prefix = list(prefix[-budget.prefix_tokens:]) if budget.prefix_tokens > 0 else []
    kept_suffix = list(suffix[: budget.suffix_tokens]) if budget.suffix_tokens > 0 else []
    return kept_prefix, kept_suffix


PROMPT_FORMATS = ("psm", "psm-typed", "spm", "spm-typed", "repo", "chat")
"""
- psm:       [bos] PRE prefix SUF suffix MID
- psm-typed: [bos] PRE prefix-to-line-start SUF rest-of-line+suffix MID typed-part-of-line
             (typing within a line then only appends tokens: the KV cache stays warm)
- spm:       [bos] SUF suffix PRE prefix MID
- spm-typed: [bos] SUF rest-of-line+suffix PRE prefix-to-line-start MID typed-part-of-line
             (typing within a line *and* Enter at the end of a line only append tokens)
- repo:      the repository format: REPO name FILE_SEP path, then PSM (Qwen, StarCoder2); for a
             model with a file marker but no repository marker (Mellum: `<filename>`), FILE path,
             then the template's order
- chat:      for instruct models with a chat template: the file with a hole marker as the user's
             message, and an instruction to answer with the missing code only
"""

CHAT_HOLE = "<CURSOR>"
CHAT_SYSTEM = (f"You are a code completion engine. The user sends a source file in which {CHAT_HOLE} marks "
               "the cursor. Reply with only the code to insert at the cursor: no explanation, no code fences, "
               "and nothing that is already in the file.")


def typed_after_middle(fmt: str) -> bool:
    return fmt.endswith("-typed")


@dataclass(frozen=True)
class PromptPieces:
    """Token ids of each piece of a prompt (the user's text, tokenized with special tokens off)."""

    prefix: Sequence[int]
    suffix: Sequence[int]
    typed: Sequence[int] = ()  # psm-typed: the cursor line's text before the cursor
    repo: Sequence[int] = ()  # repo: "name\n"
    path: Sequence[int] = ()  # repo: "relative/path.py\n"
    # chat: "system\n" + instructions, "\n", "user\n", the hole marker, "assistant\n"
    chat: Sequence[Sequence[int]] = ()
    # cross-file context in the repository format: the texts after REPO_NAME and each FILE_SEP
    # (see prompt/context.py); it goes first, as the most stable part of the prompt
    files: Sequence[Sequence[int]] = ()
    prefix_head: Sequence[int] = ()  # cross-file context as comments, at the start of the prefix


@dataclass(frozen=True)
class ChatMarkers:
    start: int | None  # <|im_start|>
    end: int | None  # <|im_end|>


@dataclass(frozen=True)
class RepoMarkers:
    repo_name: int | None  # None with a file_sep: files without a repository name (Mellum)
    file_sep: int | None


def build_prompt(fmt: str, markers: FimMarkers, pieces: PromptPieces, bos: int | None = None,
                 repo: RepoMarkers | None = None, chat: ChatMarkers | None = None) -> list[int]:
    """Lay out a prompt in format `fmt` (see PROMPT_FORMATS)."""
    head = [bos] if bos is not None else []
    if fmt == "chat" and chat is not None and chat.start is not None and chat.end is not None and pieces.chat:
        system, newline, user, hole, assistant = pieces.chat
        return [*head, chat.start, *system, chat.end, *newline, chat.start, *user, *pieces.prefix, *hole,
                *pieces.suffix, chat.end, *newline, chat.start, *assistant]
    middle = [markers.middle] if markers.middle is not None else []
    file_sep = repo.file_sep if repo is not None else None
    repo_name = repo.repo_name if repo is not None else None
    if pieces.files and file_sep is not None:
        # with a repository marker the first text is the repository's name (prompt/context.py)
        files = list(pieces.files)
        if repo_name is not None:
            head += [repo_name, *files.pop(0)]
        for text in files:
            head += [file_sep, *text]
    elif fmt == "repo" and file_sep is not None:
        if repo_name is not None:
            head += [repo_name, *pieces.repo]
        head += [file_sep, *pieces.path]
    prefix = [*pieces.prefix_head, *pieces.prefix]
    if fmt.startswith("spm") or markers.order == "spm":
        return [*head, markers.suffix, *pieces.suffix, markers.prefix, *prefix, *middle, *pieces.typed]
    return [*head, markers.prefix, *prefix, markers.suffix, *pieces.suffix, *middle, *pieces.typed]


def build_fim_tokens(
    markers: FimMarkers,
    prefix: Sequence[int],
    suffix: Sequence[int],
    bos: int | None = None,
) -> list[int]:
    """Lay out [bos] PRE prefix SUF suffix MID (PSM) or [bos] SUF suffix PRE prefix [MID] (SPM)."""
    return build_prompt("psm", markers, PromptPieces(prefix=prefix, suffix=suffix), bos)
