"""The result of one doctor check, and how a list of them is printed (text or JSON). Pure.

Statuses: ``ok``; ``warn`` (works, but something is worth fixing); ``fail`` (a link of the chain
is broken: the exit status is then 1); ``info`` (a fact, neither good nor bad: an editor that is
not installed); ``skip`` (not run, because a check it needs failed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail", "info", "skip"]
STATUSES: tuple[Status, ...] = ("ok", "warn", "fail", "info", "skip")
# How each status reads in the text report: a failure stands out.
LABELS: dict[Status, str] = {"ok": "ok", "warn": "warn", "fail": "FAIL", "info": "info", "skip": "skip"}
_NAME_WIDTH = 18


@dataclass(frozen=True)
class CheckResult:
    """One verdict: what was checked, how it went, what was seen, and how to fix it."""

    check: str  # a short, stable name: "python", "llama.cpp build", "model", "network guard", ...
    status: Status
    detail: str
    fix: str | None = None  # a command or a step; given for `fail` and `warn`


def render_line(result: CheckResult) -> str:
    """One line: the status, the check, what was seen, and the fix when there is one."""
    fix = f"  [fix: {result.fix}]" if result.fix else ""
    return f"{LABELS[result.status]:<5} {result.check:<{_NAME_WIDTH}} {result.detail}{fix}"


def summary(results: Sequence[CheckResult]) -> str:
    """The closing line: how many checks of each status, and the verdict."""
    counts = {status: sum(1 for r in results if r.status == status) for status in STATUSES}
    shown = ", ".join(f"{counts[s]} {LABELS[s]}" for s in STATUSES if counts[s])
    verdict = "problems found" if counts["fail"] else "everything needed works"
    return f"hushcode doctor: {verdict} ({shown or 'no checks'})"


def render_text(results: Sequence[CheckResult]) -> str:
    """Every line, then the summary."""
    return "\n".join([*(render_line(r) for r in results), summary(results)])


def to_json(results: Iterable[CheckResult]) -> list[dict[str, str | None]]:
    """A list of {check, status, detail, fix} (fix is null when there is none): what editors read."""
    return [{"check": r.check, "status": r.status, "detail": r.detail, "fix": r.fix} for r in results]


def exit_status(results: Iterable[CheckResult]) -> int:
    """1 when any check failed, else 0 (warnings do not fail)."""
    return 1 if any(r.status == "fail" for r in results) else 0
