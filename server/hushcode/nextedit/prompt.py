"""The prompt of a next-edit suggestion: a fill-in-the-middle prompt over the region.

Layout (PSM; a suffix-first template puts the suffix first, as for completions):

    [bos] PRE  header  file-up-to-the-region  SUF  file-after-the-region  MID

and the model writes the region anew, up to its end-of-fill token. The header is a comment (the
language's line comment) holding the recent edits as a unified diff, oldest first, then the
region as it is now:

    # Recent edits to app.py, oldest first:
    # --- a/app.py
    # +++ b/app.py
    # @@ -4,1 +4,1 @@
    # -def area(w, h):
    # +def area(width, h):
    #
    # Lines 4-6 of app.py as they are now (to be rewritten in place):
    # def area(width, h):
    #     return w * h

Why FIM over the region (and not the region as "original" in the prefix, the model writing its
rewrite after it): the FIM models we have (Qwen2.5-Coder and the other base families of
prompt/templates.py) were trained on a file cut into prefix, middle and suffix, read in that
order; here the prefix and suffix are the file exactly as it is, and what the model writes sits
where it will go, so the code flows as in training and the model's end-of-fill token ends the
region. Putting the original region in the prefix as code would show the model the region twice
in the code's flow (the original, then its rewrite) and nothing ends the rewrite but a guess.
The region as it is now is still in the prompt, as comment lines of the header, so the model
copies what should stay instead of writing something new; the diff above it says what the user
has been doing. No instruction text: a base model follows a pattern, not a request.

Pure: texts in, texts out; `lay_out` turns the token lists of `NextEditTexts.texts()` (tokenized
by the engine, special tokens off) into the prompt's token ids.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hushcode.documents.edits import split_lines
from hushcode.documents.history import Hunk
from hushcode.prompt.layout import Budget, PromptPieces, build_prompt, fit_budget
from hushcode.prompt.templates import FimMarkers
from hushcode.syntax.languages import LanguageInfo

from .region import Region

PREFIX_TOKENS = 512  # the file before the region: its end
SUFFIX_TOKENS = 256  # the file after the region: its start
MAX_DIFF_CHARS = 3000  # the diff's hunks, newest kept
MAX_HUNK_LINES = 12  # per side of one hunk


@dataclass(frozen=True)
class NextEditTexts:
    """The texts of a next-edit prompt, to tokenize in the order of `texts()`."""

    header: str
    prefix: str
    suffix: str
    region: str  # the region as it is (its token count sizes the generation)

    def texts(self) -> list[str]:
        return [self.header, self.prefix, self.suffix, self.region]


def _lines(text: str) -> list[str]:
    return [line.rstrip("\r\n") for line in split_lines(text)] or [""]


def hunk_lines(text: str, hunk: Hunk) -> tuple[int, list[str], list[str]]:
    """One hunk as (its first changed line, 1-based; the old lines; the new lines): the whole lines
    it touched, before and after, when the document still holds what it wrote, else the hunk's own
    texts; lines that only frame the change left out."""
    if text[hunk.start:hunk.end] == hunk.new:
        line_start = max(text.rfind("\n", 0, hunk.start), text.rfind("\r", 0, hunk.start)) + 1
        ends = [i for i in (text.find("\n", hunk.end), text.find("\r", hunk.end)) if i >= 0]
        line_end = min(ends) if ends else len(text)
        old = _lines(text[line_start:hunk.start] + hunk.old + text[hunk.end:line_end])
        new = _lines(text[line_start:line_end])
    else:
        old, new = _lines(hunk.old), _lines(hunk.new)
    first = hunk.line + 1
    while old and new and old[0] == new[0]:  # lines that only frame the change
        old, new, first = old[1:], new[1:], first + 1
    while old and new and old[-1] == new[-1]:
        old, new = old[:-1], new[:-1]
    return first, old[:MAX_HUNK_LINES], new[:MAX_HUNK_LINES]


def hunk_diff(text: str, hunk: Hunk) -> list[str]:
    """One hunk as unified-diff lines (hunk_lines)."""
    first, old, new = hunk_lines(text, hunk)
    return [f"@@ -{first},{len(old)} +{first},{len(new)} @@", *(f"-{line}" for line in old),
            *(f"+{line}" for line in new)]


def diff_text(text: str, hunks: Sequence[Hunk], path: str) -> list[str]:
    """The hunks as one unified diff, oldest first; the oldest dropped to keep MAX_DIFF_CHARS."""
    kept: list[list[str]] = []
    size = 0
    for hunk in reversed(hunks):
        lines = hunk_diff(text, hunk)
        size += sum(len(line) + 1 for line in lines)
        if kept and size > MAX_DIFF_CHARS:
            break
        kept.append(lines)
    if not kept:
        return []
    return [f"--- a/{path}", f"+++ b/{path}", *(line for lines in reversed(kept) for line in lines)]


def _comment(lines: Sequence[str], mark: str) -> str:
    return "".join(f"{mark} {line}".rstrip() + "\n" for line in lines)


def draft(text: str, region: Region, hunks: Sequence[Hunk], path: str, language: LanguageInfo | None) -> NextEditTexts:
    """The texts of the prompt for `region` of `text` (the file named `path`) after `hunks`."""
    mark = language.line_comment if language is not None else "#"
    original = text[region.start:region.end]
    head: list[str] = []
    diff = diff_text(text, hunks, path)
    if diff:
        head += [f"Recent edits to {path}, oldest first:", *diff, ""]
    head.append(f"Lines {region.first + 1}-{region.last + 1} of {path} as they are now (to be rewritten in place):")
    header = _comment(head, mark) + _comment(_lines(original), mark)
    return NextEditTexts(header=header, prefix=text[:region.start], suffix=text[region.end:], region=original)


def implied_line(text: str, line: int) -> tuple[int, int]:
    """The code of line `line` of `text` (after its indentation, before its line break), as offsets."""
    starts = [0]
    for piece in split_lines(text):
        starts.append(starts[-1] + len(piece))
    start = starts[min(line, len(starts) - 1)]
    content = text[start:starts[line + 1] if line + 1 < len(starts) else len(text)].rstrip("\r\n")
    return start + len(content) - len(content.lstrip()), start + len(content)


def draft_line(text: str, code: tuple[int, int], hunks: Sequence[Hunk], path: str,
               language: LanguageInfo | None) -> NextEditTexts:
    """The prompt for one line the last edit implies (a use of a renamed name): a FIM over that
    line's code (`code`: its offsets), the file around it as it is, the recent edits as a comment
    header. A FIM model fills one line far more reliably than it rewrites a region: the default
    0.5B model rewrote a renamed parameter's use right as a line, and wrote the region's header
    comments again when asked for the region."""
    mark = language.line_comment if language is not None else "#"
    diff = diff_text(text, hunks, path)
    header = _comment([f"Recent edits to {path}, oldest first:", *diff], mark) if diff else ""
    start, end = code
    return NextEditTexts(header=header, prefix=text[:start], suffix=text[end:], region=text[start:end])


def lay_out(parts: Sequence[Sequence[int]], markers: FimMarkers, bos: int | None,
            prefix_tokens: int = PREFIX_TOKENS, suffix_tokens: int = SUFFIX_TOKENS) -> list[int]:
    """The prompt's token ids from the token lists of `NextEditTexts.texts()`: the header whole,
    the end of the prefix and the start of the suffix within their budgets."""
    header, prefix, suffix = parts[0], parts[1], parts[2]
    prefix, suffix = fit_budget(prefix, suffix, Budget(prefix_tokens, suffix_tokens))
    return build_prompt("psm", markers, PromptPieces(prefix=prefix, suffix=suffix, prefix_head=header), bos)


# --- Sweep next-edit models ------------------------------------------------------------------
#
# Sweep's open next-edit models (sweep-next-edit 0.5B and 1.5B, fine-tuned from Qwen2.5-Coder
# base) were trained on one prompt shape, which their own clients build (sweepai/vscode-nes,
# src/local/completions.ts; sweepai/cursortab.nvim, server/provider/sweep/sweep.go): sections
# each opened by Qwen's <|file_sep|> control token:
#
#     <|file_sep|>app.py.diff        one per recent edit, oldest first
#     original:
#     def area(w, h):
#     updated:
#     def area(width, h):
#     <|file_sep|>original/app.py    the window before the most recent edit
#     ...
#     <|file_sep|>current/app.py     the window as it is now
#     ...
#     <|file_sep|>updated/app.py     the model writes the window anew, then <|file_sep|>
#
# No FIM markers and no instruction text: what follows `updated/` is the rewrite of the window
# (here the region), which ends at the next <|file_sep|> (a stop token of the Qwen template).

_SWEEP = re.compile(r"sweep[\s_.-]*next[\s_.-]*edit", re.IGNORECASE)


def is_sweep(name: str) -> bool:
    """Whether a model is one of Sweep's next-edit models, from its GGUF name (general.name, or
    the file name where the GGUF has none): "sweep-next-edit-1.5B", "Sweep Next Edit 0.5B"."""
    return bool(_SWEEP.search(name))


def sweep_separator(name: str, template: str, file_sep: int | None) -> int | None:
    """The <|file_sep|> id when a model gets the Sweep prompt: a Sweep next-edit model (its name)
    with Qwen's vocabulary (its FIM template, and the separator token there); else None, and the
    model gets the generic FIM prompt."""
    return file_sep if template == "qwen" and file_sep is not None and is_sweep(name) else None


def sections_separator(template: str, file_sep: int | None) -> int | None:
    """The <|file_sep|> id when a model that is not Sweep's rewrites a region in Sweep's file
    sections: Qwen's vocabulary (its FIM template, and the separator there); else None, and the
    region is a fill-in-the-middle. Measured on the next-edit benchmark's dev packages with the
    0.5B Qwen2.5-Coder-Instruct (docs/benchmarks.md): in the sections it copies the region and
    stops (an empty edit: silence) from a prompt of ~250 tokens; in the fill-in-the-middle it
    ignored the region in the header and wrote other code, from ~2,200 tokens, 6x slower."""
    return file_sep if template == "qwen" else None


@dataclass(frozen=True)
class SweepTexts:
    """The sections of a Sweep prompt, each to follow one <|file_sep|>, and the region as it is
    (the last of `texts()`, as in NextEditTexts: its token count sizes the generation)."""

    sections: tuple[str, ...]
    region: str

    def texts(self) -> list[str]:
        return [*self.sections, self.region]


def _block(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def _before_last(text: str, region: Region, last: Hunk | None) -> str:
    """The region as it was before the last edit: that edit undone when it lies in the region
    and the document still holds what it wrote; else the region as it is."""
    window = text[region.start:region.end]
    if last is None or not region.start <= last.start <= last.end <= region.end:
        return window
    if text[last.start:last.end] != last.new:
        return window
    start, end = last.start - region.start, last.end - region.start
    return window[:start] + last.old + window[end:]


def draft_sweep(text: str, region: Region, hunks: Sequence[Hunk], path: str, unchanged_original: bool = True,
                ) -> SweepTexts:
    """The sections of a Sweep prompt for `region` of `text` (the file `path`) after `hunks`:
    each recent edit as `original:`/`updated:` lines (oldest first, the oldest dropped past
    MAX_DIFF_CHARS), the region before the last edit, the region now, and the open `updated/`.
    `unchanged_original` False: no `original/` section when the last edit did not touch the
    region (for a model not trained on the layout, a copy of the region costs prompt time only)."""
    diffs: list[str] = []
    size = 0
    for hunk in reversed(hunks):
        _, old, new = hunk_lines(text, hunk)
        section = f"{path}.diff\noriginal:\n{_block(old)}updated:\n{_block(new)}"
        size += len(section)
        if diffs and size > MAX_DIFF_CHARS:
            break
        diffs.append(section)
    window = text[region.start:region.end]
    original = _before_last(text, region, hunks[-1] if hunks else None)
    before = (f"original/{path}\n{_block(_lines(original))}",) if unchanged_original or original != window else ()
    sections = (*reversed(diffs), *before, f"current/{path}\n{_block(_lines(window))}", f"updated/{path}\n")
    return SweepTexts(sections=sections, region=window)


def lay_out_sweep(parts: Sequence[Sequence[int]], file_sep: int, bos: int | None) -> list[int]:
    """The prompt's token ids from the token lists of `SweepTexts.texts()`: <|file_sep|> before
    each section (the last list, the region, only sizes the generation)."""
    ids = [bos] if bos is not None else []
    for section in parts[:-1]:
        ids += [file_sep, *section]
    return ids
