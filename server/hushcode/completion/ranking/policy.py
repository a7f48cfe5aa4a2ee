"""Choosing the line for a blank line, among the model's candidates.

Small instruct models, given the code above and below a blank line, often write a plausible line
that does not lead into the code below: they jump ahead to the function's last line, initialise a
variable the code below never reads, or open an `if` that the next line does not belong to. Two
readings of the same prompt tell when to doubt the line:

1. the greedy line of the fill-in-the-middle (FIM) prompt, which the user is shown anyway;
2. the *left-to-right* line: what the model writes after the code above the cursor when it does
   not see the code below (a plain continuation, the task these models were trained on most, and
   the line least likely to skip ahead). Its context is the start of the FIM prompt itself, already
   in the KV cache, so it costs only its own tokens.

When both readings give the same line, it is kept (in the HumanEval study, 84% of those lines were
right), unless a rule says the code around it lacks something. When they differ (the greedy line
was right for 24% of those), the FIM prompt's next most likely first tokens are continued to a line
each as well (`blankLineCandidates` above 1), and every candidate is scored by the log-probability
of *the candidate followed by the lines below the cursor* (and the end of the text when the
document ends there), read left to right after the prefix alone: the line that makes the existing
code below likely is the one that fits the hole. The best one is shown.

What the code around the blank line adds or rules out is said by the rules (rules/): a candidate a
rule excludes is not compared but follows the others, for the cleanup to fall back on. Where that
leaves no line of code, the FIM prompt's next first tokens are continued in turn until one gives a
line of code. This module runs in the server; the model's side (lines and scores from the prompt
held in the engine's KV cache) is worker/candidates.py, reached through a `CandidateSource`.

Measured on HumanEval line holes, the standard library and while typing (docs/benchmarks.md,
"Both readings of a blank line, ranked").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from hushcode.completion.ranking.rules.base import Candidates, Rule
from hushcode.engine.contracts import FirstToken, GenerateResult
from hushcode.engine.interface import CandidateSource, Ranker

VALUES = 3  # the values written for a name the code below lacks (`= []`, `= 0`, `= None`)
RANK_FIRSTS = 8  # the FIM prompt's likeliest first tokens read for a blank line (a line of code among them)


@dataclass(frozen=True)
class BlankLineTask:
    """What the server ranks one blank line with."""

    candidates: int  # FIM lines compared with the left-to-right one when they differ, the greedy one included
    below: str  # the lines after the cursor's ("\n" + the next lines)
    end_of_text: int | None = None  # the model's end-of-text token, when the document ends after `below`
    # where the cursor follows the line's indentation (the editor chose it): what a candidate starts
    # with instead of its own leading whitespace (the space the prompt held back, or nothing), as the
    # cleanup will show it (postprocess/whitespace.py); None: keep the candidate's own
    lead: str | None = None
    rules: tuple[Rule, ...] = field(default=())


@dataclass(frozen=True)
class Greedy:
    """The fill-in-the-middle prompt's greedy output: what the user is shown without ranking."""

    text: str
    reason: str  # why it stopped ("newline", "budget", "length", ...)
    first_token: int | None


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


def has_body(text: str) -> bool:
    """Does the text go on past its first line (a greedy block with the body it opens)?"""
    return sum(1 for line in text.split("\n") if line.strip()) > 1


class _Comparison:
    """The candidates of one blank line as they are gathered, and whether each is compared."""

    def __init__(self, task: BlankLineTask, greedy: Greedy, lines: list[tuple[str, str]]) -> None:
        self.task = task
        self.rules = task.rules
        self.found = Candidates(lines, task.lead, self.broken)
        # Only the greedy output (the first line) can bring a body: every other candidate is one
        # line. A greedy block the first-suggestion budget ended after its first line has a body to
        # come too: the model was writing it, only the time ran out.
        self.bodied = has_body(greedy.text) or greedy.reason == "budget"

    def normal(self, text: str) -> str:
        line = first_line(text)
        return line if self.task.lead is None else self.task.lead + line.lstrip(" \t")

    def broken(self, line: str) -> bool:
        return any(rule.breaks(line) for rule in self.rules)

    def comparable(self, k: int, line: str) -> bool:
        return not self.broken(line) and not any(rule.excludes(line, k == 0 and self.bodied) for rule in self.rules)

    def codeless(self) -> bool:
        return not any(self.comparable(k, known) for k, (_, known) in enumerate(self.found.lines))

    def add(self, text: str, candidate: str | None = None) -> None:
        """A new candidate, unless it is already there."""
        candidate = text if candidate is None else candidate
        if all(candidate != known for _, known in self.found.lines):
            self.found.lines.append((text, candidate))


async def rank(model: CandidateSource, task: BlankLineTask, greedy: Greedy, firsts: Sequence[FirstToken]) -> Ranking:
    """The greedy output, or a better line: the left-to-right line, a line a rule asks for, or one
    started by `firsts` (the FIM prompt's most likely first tokens, read before the greedy output)."""
    probe = _Comparison(task, greedy, [])
    line = probe.normal(greedy.text)
    if not line.strip() or task.candidates < 1:
        return Ranking([greedy.text], 0, 0)
    if greedy.reason == "length" and "\n" not in greedy.text:
        return Ranking([greedy.text], 0, 0)  # the user's token budget ended the line: no whole line to compare
    generated = 0

    def stopped(reason: str | None) -> Ranking:
        return Ranking([greedy.text], 0, generated, reason)

    written = await model.left_to_right()
    generated += written.generated
    if written.texts is None:
        return stopped(written.reason)
    left_to_right = probe.normal(written.texts[0])
    agree = not left_to_right.strip() or left_to_right == line
    ranked = _Comparison(task, greedy, [(greedy.text, line)] + ([] if agree else [(left_to_right, left_to_right)]))
    contributions = [rule.contribute(ranked.found) for rule in task.rules]
    if agree and not any(c.wants for c in contributions) and not ranked.codeless():
        return Ranking([greedy.text], 0, generated)  # both readings agree
    lead = task.lead or ""
    for contribution in contributions:
        ranked.found.lines += [(text, text) for text in contribution.lines]
    for start in (start for contribution in contributions for start in contribution.starts):
        written = await model.from_start(lead + start.text, VALUES)
        generated += written.generated
        if written.texts is None:
            return stopped(written.reason)
        for text in map(ranked.normal, written.texts):
            if start.gives(text):
                ranked.add(text)
    for literal in (text for contribution in contributions for text in contribution.literals):
        ranked.add(literal)
    others = [f.token for f in firsts if f.token != greedy.first_token][: task.candidates - 1]
    # where no line of code is left to compare, the FIM prompt's next first tokens are tried in turn
    # until one gives a line of code
    more = [f.token for f in firsts if f.token != greedy.first_token and f.token not in others
            and not any(rule.skips_first(f.piece) for rule in task.rules)] if ranked.codeless() else []
    if others and not agree or more:  # the FIM prompt's next choices: a line from each
        for k, token in enumerate([*others, *more]):
            if k >= len(others) and not ranked.codeless():
                break
            written = await model.from_first(token)
            generated += written.generated
            if written.texts is None:
                return stopped(written.reason)
            candidate = ranked.normal(written.texts[0])
            if candidate.strip():
                ranked.add(candidate)
    return await _scored(model, task, ranked, greedy, generated)


async def _scored(model: CandidateSource, task: BlankLineTask, ranked: _Comparison, greedy: Greedy,
                  generated: int) -> Ranking:
    """The comparable candidates by score, then the others (what the cleanup falls back on)."""
    lines = ranked.found.lines
    code = [(text, candidate) for k, (text, candidate) in enumerate(lines) if ranked.comparable(k, candidate)]
    for rule in task.rules:
        code = rule.narrow(code, task.lead)
    left_out = [text for text, _ in lines if all(text != kept for kept, _ in code)]
    if not code:
        return Ranking([greedy.text], 0, generated)
    if len(code) == 1:  # nothing to compare it with
        return Ranking([code[0][0], *left_out], 1, generated)
    scored: list[Scored] = []
    for text, candidate in code:
        best = max((c.score for c in scored), default=float("-inf"))
        scoring = await model.score(candidate + task.below, task.end_of_text, best)
        if scoring.score is None:
            return Ranking([greedy.text], 0, generated, scoring.reason)
        # a score only falls as tokens are added: one cut short below the best cannot win, and its
        # sum so far places it among the others (the order the cleanup falls back in)
        scored.append(Scored(text=text, score=scoring.score))
    return Ranking([*(c.text for c in order(scored)), *left_out], len(scored), generated)


Early = Callable[[GenerateResult], None]


class Choose:
    """What the engine runs on a ranked generation's result (a `Ranker`): the texts in the
    ranking's order, best first. `early` is told the greedy output before the ranking starts, so
    that it can be shown while the ranking runs (completion/service.py)."""

    def __init__(self, task: BlankLineTask, early: Early | None = None) -> None:
        self.task = task
        self.early = early

    async def __call__(self, result: GenerateResult, source: CandidateSource) -> GenerateResult:
        if self.early is not None:
            self.early(result)
        greedy = Greedy(result.text, result.reason, result.first_token)
        ranking = await rank(source, self.task, greedy, result.firsts)
        texts = tuple(ranking.texts)
        # the greedy output's confidence describes the shown text only where it is still that output
        confident = result.first_line_logprobs if texts[0] == result.text else ()
        return replace(result, text=texts[0], alternatives=texts, ranked=ranking.compared,
                       generated=result.generated + ranking.generated, first_line_logprobs=confident)


def ranker(task: BlankLineTask, early: Early | None = None) -> Ranker:
    """The ranker for `task` (`early`: told the greedy output first)."""
    return Choose(task, early)
