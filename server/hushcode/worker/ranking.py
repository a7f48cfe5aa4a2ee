"""Choosing the line for a blank line, among the model's candidates.

Small instruct models, given the code above and below a blank line, often write a plausible line
that does not lead into the code below: they jump ahead to the function's last line, initialise a
variable the code below never reads, or open an `if` that the next line does not belong to. Two
readings of the same prompt tell when to doubt the line:

1. the greedy line of the fill-in-the-middle (FIM) prompt, which the user is shown anyway;
2. the *left-to-right* line: what the model writes after the code above the cursor when it does
   not see the code below (a plain continuation, the task these models were trained on most, and
   the line least likely to skip ahead). Its context is the start of the FIM prompt itself
   (everything before the suffix marker: cross-file context, prefix marker, prefix), already in
   the KV cache, so it costs only its own tokens.

When both readings give the same line, it is kept (in the HumanEval study, 84% of those lines were
right), unless the code around it says it lacks something (below). When they differ (the greedy
line was right for 24% of those), the FIM prompt's next most likely first tokens are continued to
a line each as well (`blankLineCandidates` above 1), and every candidate is scored by the
log-probability of *the candidate followed by the lines below the cursor* (and the end of the text
when the document ends there), read left to right after the prefix alone: the line that makes the
existing code below likely is the one that fits the hole, and a line after which the file should
go on, where it ends, is not. The candidate and the lines below are tokenized as one text, as the
model would read the file (`")` alone and `")\n` are different tokens). The best one is shown.

Some candidates are not compared (they follow the others, for the cleanup to fall back on):
- a line that is only a comment: a comment that announces the code below makes that code likely
  (the score rewards it) without being the missing line;
- a bare block header (Python's `if x:`) where the code below belongs to the cursor's block: it
  would have no body;
- a line that jumps away (`return`, `break`, `raise`) before code of the cursor's block: that code
  would be unreachable (the cleanup rejects it, postprocess/reachability.py);
- a line that reads a local the function assigns only below (`ans.sort()` above `ans = arr[-k:]`):
  UnboundLocalError (the cleanup rejects it, postprocess/unbound_local.py). Nor does such a line
  count as defining a name the code below lacks (`even = n - odd` above `odd = 0`).
Where that leaves no line of code, the FIM prompt's next first tokens (not a comment's) are
continued in turn until one gives a line of code.

The code around the blank line adds candidates of its own:
- **A name the code below reads that nothing before the cursor defines** (syntax/python/:
  `ret` in `ret = str(x % base) + ret`, or `re` in `re.split`) is most likely what the line lacks.
  Where no reading defines it, the line is written left to right from the name on, the next token
  kept from going on with the name (`odd` does not become `odd_count`). An assignment is written
  with its likeliest values (`= 0`, `= []`, `= None`), and the code below, down to where it reads
  the name, chooses among them. Where the code below first compares the name with a literal
  (`if prev is None:`), `prev = None` is compared too. Two such names are also written as one line
  (`lo, hi = 0, 1`). A
  standard-library module gives `import re`. A line that leaves such a name undefined would leave
  a NameError below: only the lines that define the most of the names are compared. In the
  HumanEval and standard-library sets, every hole where names were found was a line that defines
  one of them (109 of 109).
- **A function that still lacks its result** (syntax/python/result.py: the cursor at the end of its
  body, no `return x` anywhere in it) most often lacks its `return` line (77 of 77 such holes in
  the same sets). Where the server asks for it (`completion.blankLineReturn`, off by default) and
  no reading returns a value, a `return` line written left to right is compared with the others,
  and the score decides. It is off by default because it cost the typist: while a function is
  typed top-down, its end is where the next step goes, not always its result (docs/latency.md).

A candidate whose running score falls below the best complete one is not scored further: every
token's log-probability is at most 0, so it can only fall further.

Measured on HumanEval line holes, the standard library and while typing (docs/benchmarks.md,
"Both readings of a blank line, ranked").
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from hushcode.engine.contracts import RankSpec
from hushcode.syntax.lines import defines, reads, returns
from hushcode.worker.decoder import Decoder, Limits, Output

LINE_TOKENS = 32  # a candidate line's longest generation
_VALUES = 3  # the values written for a name the code below lacks (`= []`, `= 0`, `= None`)
RANK_FIRSTS = 8  # the FIM prompt's likeliest first tokens read for a blank line (a line of code among them)
SCORED_TOKENS = 160  # a candidate and the lines below, at most


@dataclass(frozen=True)
class Scored:
    text: str  # what the suggestion would be: the greedy output whole, another candidate's line
    score: float  # log P(candidate + the lines below [+ end of text] | prefix)


@dataclass(frozen=True)
class Ranking:
    texts: list[str]  # best first
    compared: int  # candidates scored (0: both readings agreed, or ranking was cut short)
    generated: int  # tokens generated for the other candidates
    reason: str | None = None  # "cancelled" or "deadline" when that cut it short


def order(candidates: list[Scored]) -> list[Scored]:
    """Best score first (ties keep the generation order: the greedy line first)."""
    return sorted(candidates, key=lambda c: -c.score)


def first_line(text: str) -> str:
    """The line a suggestion shows first: the model's own first line, unless that is blank (the
    cleanup drops blank lines at a blank line's start and shows the code after them)."""
    return next((line for line in text.split("\n") if line.strip()), "")


def is_comment(line: str, comment: str | None) -> bool:
    return comment is not None and line.lstrip().startswith(comment)


def is_header(line: str, header: str | None) -> bool:
    return header is not None and line.rstrip().endswith(header)


def whole(piece: str) -> bool:
    """Does a token after a word leave that word whole (`odd` then ` =`, not `odd` then `_count`)?"""
    return piece != "" and not piece[0].isalnum() and piece[0] != "_"


def has_body(text: str) -> bool:
    """Does the text go on past its first line (a greedy block with the body it opens)?"""
    return sum(1 for line in text.split("\n") if line.strip()) > 1


def rank(decoder: Decoder, prompt: list[int], spec: RankSpec, limits: Limits, greedy: Output,
         firsts: list[tuple[int, float]], tokenize: Callable[[str], list[int]]) -> Ranking:
    """The greedy output of `prompt`, or a better line: the left-to-right line, or one started by
    `firsts` (the FIM prompt's most likely first tokens, read before the greedy generation)."""
    def normal(text: str) -> str:
        line = first_line(text)
        return line if spec.lead is None else spec.lead + line.lstrip(" \t")

    line = normal(greedy.text)
    if not line.strip() or spec.candidates < 1 or spec.context < 1:
        return Ranking([greedy.text], 0, 0)
    if greedy.reason == "length" and "\n" not in greedy.text:
        return Ranking([greedy.text], 0, 0)  # the user's token budget ended the line: no whole line to compare
    # no candidate longer than the user's budget (`max_tokens`) either
    line_limits = replace(limits, max_tokens=min(LINE_TOKENS, limits.max_tokens), stop_at_newline=True,
                          stop_texts=(), stop_indent=None, stop_unmatched_close=False, line_budget_s=None)

    generated = 0

    def stopped() -> Ranking:
        return Ranking([greedy.text], 0, generated, "cancelled" if decoder.stopped() else "deadline")

    def written(first: int | None = None) -> str | None:
        """A line generated from the current state; None when cancelled or out of time."""
        nonlocal generated
        out = decoder.generate(line_limits, lambda piece: None, first=first)
        generated += out.generated
        return None if out.reason in ("cancelled", "deadline") else out.text

    # the left-to-right line: after the prefix alone (the start of the prompt, still in the cache)
    if not decoder.resume_at(spec.context) or (text := written()) is None:
        return stopped()
    left_to_right = normal(text)
    agree = not left_to_right.strip() or left_to_right == line
    lines: list[tuple[str, str]] = [(greedy.text, line)] + ([] if agree else [(left_to_right, left_to_right)])

    def early(line: str) -> bool:
        """Does the line read a local that the function assigns only below (UnboundLocalError)?"""
        return any(reads(line, name) for name in spec.later)

    def undefined(names: tuple[str, ...]) -> list[str]:
        """The names no line so far defines (none where the cursor is not after the editor's
        indentation: a line must start where the cursor is)."""
        return [] if spec.lead is None else [
            n for n in names if not any(defines(known, n) and not early(known) for _, known in lines)]

    # a name the code below reads and nothing defines: a line that defines it, unless one does
    imports, define = undefined(spec.imports), undefined(spec.define)
    # the function's result, where it lacks one and no line gives it
    result = spec.lead is not None and spec.result and not any(returns(known) for _, known in lines)
    # a comment that says what the code below does makes that code likely without being the line
    # the hole lacks: where there are lines of code to choose from, comments are not compared
    # a block header alone before a statement of its own block has no body: the file would not
    # compile, and its score measured the code below as if it were that body
    # Only the greedy output (lines[0]) can bring a body: every other candidate is one line. A
    # greedy block the first-suggestion budget ended after its first line has a body to come too:
    # the model was writing it, only the time ran out.
    bodied = has_body(greedy.text) or greedy.reason == "budget"

    def comparable(k: int, candidate: str) -> bool:
        word = re.match(r"\w+", candidate.strip())
        return not is_comment(candidate, spec.comment) and not (is_header(candidate, spec.header) and not (
            k == 0 and bodied)) and not (word is not None and word.group() in spec.jumps) and not early(candidate)

    def codeless() -> bool:
        return not any(comparable(k, known) for k, (_, known) in enumerate(lines))

    # a name the code below compares with a literal first: that literal is its likeliest first value
    literal = [line for line in (f"{spec.lead}{name} = {value}" for name, value in spec.values if name in spec.define)
               if spec.lead is not None and all(line != known for _, known in lines)]
    # nothing but comments and bare headers so far: the FIM prompt's next first tokens give a line of code
    if agree and not imports and not define and not result and not literal and not codeless():
        return Ranking([greedy.text], 0, generated)  # both readings agree
    lead = spec.lead or ""

    def from_start(start: str) -> list[str] | None:
        """Lines written left to right from `start` (a name, `return`), after the prefix (still in
        the cache); None when cancelled or out of time. The next token may not go on with the
        start's last word (`odd` does not become `odd_count`); after ` =`, the likeliest values
        are each written on (`= []`, `= 0`, `= None`)."""
        if not decoder.resume_at(spec.context) or not decoder.extend(tokenize(lead + start)):
            return None
        after = decoder.likeliest(whole)
        joined = "" if after is None else decoder.piece(after)
        if after is None or joined.strip() != "=" or not decoder.extend([after]):
            return None if (text := written(after)) is None else [normal(lead + start + text)]
        mark = decoder.llm.n_tokens
        texts = []
        for value, _ in decoder.first_choices(_VALUES, spaces=True):
            decoder.llm.n_tokens = mark  # back to just after the `=`
            space = decoder.piece(value)
            if space.strip(" ") == "":  # a space alone (then ` 1` is a space and a digit): written on
                if not decoder.extend([value]) or (text := written()) is None:
                    return None
                text = space + text
            elif (text := written(value)) is None:
                return None
            texts.append(normal(lead + start + joined + text))
        return texts

    lines += [(text, text) for text in (f"{lead}import {module}" for module in imports)]
    # several names the code below reads, where no line defines them all: one line may (`lo, hi = 0, 1`)
    together = ", ".join(spec.define) if spec.lead is not None and len(spec.define) > 1 and not any(
        all(defines(known, n) for n in spec.define) and not early(known) for _, known in lines) else None
    # each start, with what a line written from it must do to be compared
    starts: list[tuple[str, Callable[[str], bool]]] = [("return", returns)] if result else []  # the result
    starts += [(name, lambda line, name=name: defines(line, name) and not early(line)) for name in define]
    if together is not None:
        starts.append((together, lambda line: all(defines(line, n) for n in spec.define) and not early(line)))
    for start, gives in starts:
        if (texts := from_start(start)) is None:
            return stopped()
        for text in texts:
            if gives(text) and all(text != known for _, known in lines):
                lines.append((text, text))
    lines += [(text, text) for text in literal if all(text != known for _, known in lines)]
    others = [token for token, _ in firsts if token != greedy.first_token][: spec.candidates - 1]
    # where no line of code is left to compare, the FIM prompt's next first tokens (not a comment's)
    # are tried in turn until one gives a line of code
    more = [token for token, _ in firsts if token != greedy.first_token and token not in others and not is_comment(
        decoder.piece(token), spec.comment)] if codeless() else []
    if others and not agree or more:  # the FIM prompt's next choices: its tail again, then a line from each
        if decoder.evaluate_prompt(prompt, limits.deadline).interrupted:
            return stopped()
        for k, token in enumerate([*others, *more]):
            if k >= len(others) and not codeless():
                break
            decoder.llm.n_tokens = len(prompt)  # back to the end of the prompt
            if (text := written(token)) is None:
                return stopped()
            candidate = normal(text)
            if candidate.strip() and all(candidate != known for _, known in lines):
                lines.append((candidate, candidate))
    code = [(text, candidate) for k, (text, candidate) in enumerate(lines) if comparable(k, candidate)]
    # where the code below reads names that nothing before defines, a line that leaves one undefined
    # leaves a NameError below: only the lines that define the most of them are compared (the
    # others follow)
    found = () if spec.lead is None else (*spec.define, *spec.imports)
    most = max((sum(defines(candidate, n) for n in found) for _, candidate in code), default=0)
    if most:
        code = [(text, candidate) for text, candidate in code if sum(defines(candidate, n) for n in found) == most]
    # the lines left out still follow, last: what the cleanup falls back on if it rejects the rest
    left_out = [text for text, _ in lines if all(text != kept for kept, _ in code)]
    if not code:
        return Ranking([greedy.text], 0, generated)
    if len(code) == 1:  # nothing to compare it with
        return Ranking([code[0][0], *left_out], 1, generated)
    end = [spec.end_of_text] if spec.end_of_text is not None else []
    scored: list[Scored] = []
    for text, candidate in code:
        if time.monotonic() > limits.deadline:
            return stopped()
        ids = [*tokenize(candidate + spec.below), *end][:SCORED_TOKENS]  # one text: the tokens a file would have
        best = max((c.score for c in scored), default=float("-inf"))
        logprobs = decoder.score(spec.context, ids, floor=best)
        if logprobs is None:  # stopped, or past the context's end
            return Ranking([greedy.text], 0, generated, "cancelled" if decoder.stopped() else None)
        # a score only falls as tokens are added: one cut short below the best cannot win, and
        # its sum so far places it among the others (the order the cleanup falls back in)
        scored.append(Scored(text=text, score=sum(logprobs)))
    return Ranking([*(c.text for c in order(scored)), *left_out], len(scored), generated)
