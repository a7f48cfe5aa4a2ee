"""A blank line's ranking as the ranking tests describe it: the task's own figures and each
rule's facts in one flat record (what the engine used to receive as one spec)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hushcode.completion.ranking import BlankLineTask
from hushcode.completion.ranking.policy import Choose
from hushcode.completion.ranking.rules.base import Rule
from hushcode.completion.ranking.rules.comments import Comments
from hushcode.completion.ranking.rules.early_reads import EarlyReads
from hushcode.completion.ranking.rules.headers import Headers
from hushcode.completion.ranking.rules.jumps import Jumps
from hushcode.completion.ranking.rules.result import Result
from hushcode.completion.ranking.rules.unbound_names import UnboundNames
from hushcode.engine.contracts import GenerateRequest


@dataclass(frozen=True)
class Spec:
    candidates: int
    context: int
    below: str
    end_of_text: int | None = None
    lead: str | None = None
    comment: str | None = None
    header: str | None = None
    define: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    result: bool = False
    jumps: tuple[str, ...] = ()
    later: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()

    def rules(self) -> tuple[Rule, ...]:
        rules: list[Rule | None] = [
            Comments(self.comment) if self.comment else None, Headers(self.header) if self.header else None,
            Jumps(self.jumps) if self.jumps else None, EarlyReads(self.later) if self.later else None,
            Result() if self.result else None,
            UnboundNames(self.define, self.imports, self.values) if self.define or self.imports else None]
        return tuple(rule for rule in rules if rule is not None)

    def task(self) -> BlankLineTask:
        return BlankLineTask(candidates=self.candidates, below=self.below, end_of_text=self.end_of_text,
                             lead=self.lead, rules=self.rules())


def spec_of(request: GenerateRequest, ranker: Any) -> Spec | None:
    """What the service asked for: the engine's part (`request.rank`) and the ranking's task."""
    if request.rank is None:
        return None
    assert isinstance(ranker, Choose)
    task = ranker.task
    rules = {type(rule): rule for rule in task.rules}
    comments, headers, jumps = rules.get(Comments), rules.get(Headers), rules.get(Jumps)
    early, names = rules.get(EarlyReads), rules.get(UnboundNames)
    return Spec(candidates=task.candidates, context=request.rank.context, below=task.below,
                end_of_text=task.end_of_text, lead=task.lead,
                comment=comments.comment if isinstance(comments, Comments) else None,
                header=headers.header if isinstance(headers, Headers) else None,
                define=names.define if isinstance(names, UnboundNames) else (),
                imports=names.imports if isinstance(names, UnboundNames) else (),
                values=names.values if isinstance(names, UnboundNames) else (),
                result=Result in rules, jumps=jumps.words if isinstance(jumps, Jumps) else (),
                later=early.later if isinstance(early, EarlyReads) else ())
