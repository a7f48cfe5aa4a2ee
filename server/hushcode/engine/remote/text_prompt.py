"""Token-id prompts turned into what a text-only API accepts (pure: no I/O).

A local prompt is a list of token ids: the user's text tokenized with special tokens off, and
the markers added as ids. Some servers take only text, and tokenize it with special tokens
*on*: a `<|fim_prefix|>` typed in the user's code would then become a real marker. Two rules
keep the user's text text on that path:
1. `defuse` breaks every special-token spelling in the user's text (a zero-width space after
   its first character) *before* it is tokenized, so neither our tokenizer nor the server's
   can read it as a control token;
2. `prompt_runs` splits a prompt into control tokens (spelled by us, from the model's own
   vocabulary) and runs of user tokens (detokenized by the caller).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hushcode.prompt.layout import RepoMarkers
from hushcode.prompt.templates import FimMarkers, all_marker_spellings

ZWSP = "\u200b"

# Spellings of special tokens across code-model families: <|...|> (Qwen, StarCoder, CodeGemma),
# <｜...｜> (DeepSeek), <fim_...>/<file_sep>/<repo_name> (StarCoder), <PRE>/<SUF>/<MID>/<EOT>
# (CodeLlama), [PREFIX]/[SUFFIX]/[MIDDLE] (Codestral), <s>, </s>, <start_of_turn>, <end_of_turn>.
_SPECIAL = re.compile(
    r"<\|[^|<>\s]{1,48}\|>|<｜[^｜\s]{1,48}｜>|<(?:fim|file|repo|gh|jupyter)_[a-z_]{1,24}>"
    r"|<(?:PRE|SUF|MID|EOT)>|\[(?:PREFIX|SUFFIX|MIDDLE|INST|/INST)\]|</?s>|<(?:start|end)_of_turn>"
)
_KNOWN = tuple(sorted(all_marker_spellings() + ("<|im_start|>", "<|im_end|>"), key=len, reverse=True))


def defuse(text: str) -> str:
    """`text` with every special-token spelling broken by a zero-width space after its first
    character. Text without such spellings is returned unchanged (the usual case)."""
    if "<" not in text and "[" not in text:
        return text
    pattern = _SPECIAL
    out = pattern.sub(lambda m: m.group(0)[0] + ZWSP + m.group(0)[1:], text)
    for spelling in _KNOWN:  # spellings the pattern does not cover (e.g. "▁<PRE>")
        if spelling in out:
            out = out.replace(spelling, spelling[0] + ZWSP + spelling[1:])
    return out


Run = int | list[int]  # a control token id, or a run of the user's token ids


def prompt_runs(tokens: Sequence[int], control: Mapping[int, str]) -> list[Run]:
    """Split a prompt into control tokens and maximal runs of other tokens, in order."""
    runs: list[Run] = []
    for token in tokens:
        if token in control:
            runs.append(token)
        elif runs and isinstance(runs[-1], list):
            runs[-1].append(token)
        else:
            runs.append([token])
    return runs


def join_runs(runs: Sequence[Run], control: Mapping[int, str], texts: Sequence[str]) -> str:
    """The prompt as text: control tokens spelled out, user runs replaced by `texts` in order."""
    parts: list[str] = []
    pending = iter(texts)
    for run in runs:
        parts.append(control[run] if isinstance(run, int) else next(pending))
    return "".join(parts)


@dataclass(frozen=True)
class InfillParts:
    """A FIM prompt taken apart again, for a server that lays out the prompt itself (/infill)."""

    files: list[list[int]]  # each: "path\n" + text, the cross-file context
    prefix: list[int]
    suffix: list[int]
    typed: list[int]  # after the middle marker (the psm-typed and spm-typed formats)


def infill_parts(tokens: Sequence[int], markers: FimMarkers, repo: RepoMarkers, bos: int | None) -> InfillParts | None:
    """The pieces of a PSM or SPM prompt built by prompt/layout.py; None for any other shape
    (the chat format): the caller then sends the token ids as they are."""
    ids = list(tokens[1:] if bos is not None and tokens[:1] == [bos] else tokens)
    if markers.middle is None or ids.count(markers.prefix) != 1 or ids.count(markers.suffix) != 1 \
            or ids.count(markers.middle) != 1:
        return None
    pre, suf, mid = ids.index(markers.prefix), ids.index(markers.suffix), ids.index(markers.middle)
    head = ids[: min(pre, suf)]
    files: list[list[int]] = []
    if repo.file_sep is not None and repo.file_sep in head:
        chunks: list[list[int]] = []
        for token in head:
            if token == repo.file_sep:
                chunks.append([])
            elif chunks:
                chunks[-1].append(token)
        files = chunks[:-1]  # the last one is the current file's path
    elif head:
        return None
    if pre < suf < mid:  # PSM
        return InfillParts(files, ids[pre + 1: suf], ids[suf + 1: mid], ids[mid + 1:])
    if suf < pre < mid:  # SPM
        return InfillParts(files, ids[pre + 1: mid], ids[suf + 1: pre], ids[mid + 1:])
    return None


def known_pieces(run: Sequence[int], known: Mapping[tuple[int, ...], str]) -> list[str | list[int]]:
    """A run of user tokens as texts we tokenized ourselves (so no detokenize round trip is
    needed), longest match first; what matches nothing stays as token ids (e.g. a prefix whose
    start the token budget cut off)."""
    by_first: dict[int, list[tuple[int, ...]]] = {}
    for ids in known:
        if ids:
            by_first.setdefault(ids[0], []).append(ids)
    for candidates in by_first.values():
        candidates.sort(key=len, reverse=True)
    out: list[str | list[int]] = []
    i = 0
    while i < len(run):
        match = next((c for c in by_first.get(run[i], ()) if tuple(run[i:i + len(c)]) == c), None)
        if match is not None:
            out.append(known[match])
            i += len(match)
            continue
        if out and isinstance(out[-1], list):
            out[-1].append(run[i])
        else:
            out.append([run[i]])
        i += 1
    return out
