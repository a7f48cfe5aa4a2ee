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

from collections.abc import Sequence
from dataclasses import dataclass

from hushcode.documents.edits import split_lines
from hushcode.documents.history import Hunk
from hushcode.prompt.layout import Budget, PromptPieces, build_prompt, fit_budget
from hushcode.prompt.templates import FimMarkers
from hushcode.syntax.languages import LanguageInfo

from .region import Region

PREFIX_TOKENS = 1536  # the file before the region: its end
SUFFIX_TOKENS = 512  # the file after the region: its start
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


def hunk_diff(text: str, hunk: Hunk) -> list[str]:
    """One hunk as unified-diff lines: the whole lines it touched, before and after, when the
    document still holds what it wrote; else the hunk's own texts."""
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
    old, new = old[:MAX_HUNK_LINES], new[:MAX_HUNK_LINES]
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
