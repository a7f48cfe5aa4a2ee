"""The record of one completion: typed figures that the status bar reads and the log line shows.

Each request fills one `Trace` as it goes; `line()` renders the log line
`complete req=... doc=... key=value ...` that tests and the benchmarks parse
(hushcode_bench/latency_stats.parse_log_line): a figure is shown once it is set, in the order
below, and never with source code. The trace also reads as a mapping of the figures shown
(`trace["cold"]`, `"fallback" in trace`), as the log line says them.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hushcode.completion.confidence import confidence
from hushcode.engine.contracts import GenerateResult
from hushcode.logs import code_logging

log = logging.getLogger("hushcode.completion")

Value = float | int | str

# the figures of the log line, in order; an evaluation (warm-up) says its result before its figures
RECENT = 100  # shown suggestions the status's p50 is taken over
_SHOWN = ("req", "doc", "decide_ms", "scope", "indented", "format", "context_snippets", "tokenize_ms", "context_tokens", "held",
          "cold", "prompt", "reused", "shifted", "evaluated", "generated", "control", "stop", "prompt_ms", "gen_ms",
          "ranked", "later", "post_ms", "fallback", "confidence", "min_lp", "result", "chars", "alternatives", "total_ms")
_EVALUATION = (*_SHOWN[:_SHOWN.index("held")], "result", *_SHOWN[_SHOWN.index("prompt"):_SHOWN.index("ranked")],
               "total_ms")


def elapsed_ms(since: float, digits: int) -> float:
    """Milliseconds since `since` (time.perf_counter), rounded."""
    return round((time.perf_counter() - since) * 1000, digits)


@dataclass(eq=False)
class Trace(Mapping[str, Value]):
    """One completion request (or background evaluation), as it went."""

    req: str = ""  # the request's id: i<n> inline, c<n> completion, warmup, warm_full, speculative, cli
    doc: str = ""  # the document's file name (never its path or text)
    decide_ms: float | None = None
    scope: str | None = None  # skip, line or block (syntax/decide.py)
    indented: int | None = None  # characters of indentation the blank line needed and lacked (completion/plan.py)
    format: str | None = None  # the prompt format
    context_snippets: int | None = None  # cross-file snippets retrieved (with a workspace)
    tokenize_ms: float | None = None  # from cutting the window to the token lists, retrieval included
    context_tokens: int | None = None  # tokens of cross-file context in the prompt
    held: int | None = None  # characters before the cursor left out of the prompt (token healing)
    cold: bool = False  # answered from the short prompt (a cold KV cache)
    prompt: int | None = None  # the engine's figures (GenerateResult)...
    reused: int | None = None
    shifted: int | None = None
    evaluated: int | None = None
    generated: int | None = None
    control: int | None = None
    stop: str | None = None
    prompt_ms: float | None = None
    gen_ms: float | None = None  # ...with the fallback's generation added
    ranked: int | None = None  # candidate lines compared on a blank line (completion/ranking/)
    later: bool = False  # the greedy line answered; the ranking goes on in the background (completion/later.py)
    post_ms: float | None = None
    fallback: int | None = None  # the next choices that survived the cleanup after the first was rejected
    confidence: float | None = None  # mean log-probability per token of the shown first line (confidence.py)
    min_lp: float | None = None  # ...and its least likely token's
    result: str | None = None  # ok, empty, cache_hit, skip_<reason>, superseded, warmed, ...
    chars: int | None = None  # the suggestion's length
    alternatives: int | None = None  # suggestions shown for a manual trigger
    total_ms: float | None = None
    evaluation: bool = field(default=False, repr=False)  # a prompt evaluated in the background, no generation
    ticket: int | None = field(default=None, repr=False)  # the request's debounce ticket (completion/service.py)
    started: float = field(default_factory=time.perf_counter, repr=False)

    def record(self, result: GenerateResult) -> None:
        """The engine's figures for one generation."""
        self.prompt, self.reused, self.shifted = result.prompt_tokens, result.reused, result.shifted
        self.evaluated, self.generated, self.control = result.evaluated, result.generated, result.control_tokens
        self.stop, self.prompt_ms, self.gen_ms = result.reason, result.prompt_ms, result.gen_ms
        if (sure := confidence(result)) is not None:
            self.confidence, self.min_lp = round(sure.mean, 3), round(sure.lowest, 3)

    def nothing(self, result: str) -> list[Any]:
        """No suggestion, and why (`result`)."""
        self.result = result
        return []

    def generated_again(self, gen_ms: float) -> None:
        """Another generation from the same prompt (the model's other choices): its time counts."""
        self.gen_ms = round(float(self.gen_ms or 0) + gen_ms, 1)

    def shown(self, texts: list[str], alternatives: int) -> None:
        """What the request answers: nothing ("empty"), or its suggestions."""
        self.result = "ok" if texts else self.result or "empty"  # a reason said on the way stays
        if texts:
            self.chars = len(texts[0])
            self.alternatives = len(texts) if alternatives > 1 else None

    def code(self, line: str, raws: Sequence[str], shown: list[str]) -> None:
        """The cursor's line, the model's texts and what was shown, in the log only when the user
        asked for code there (--log-level debug-code): the only log line that holds code."""
        if code_logging():
            log.debug("code req=%s line=%r raw=%r shown=%r", self.req, line, raws, shown)

    def finish(self) -> None:
        """The request is done: its total time, and its log line."""
        self.total_ms = elapsed_ms(self.started, 1)
        log.info("complete %s", self.line())

    def line(self) -> str:
        return " ".join(f"{key}={value}" for key, value in self.items())

    def __getitem__(self, key: str) -> Value:
        if key not in _SHOWN:
            raise KeyError(key)
        value: Value | bool | None = getattr(self, key)
        if value is None or value is False:
            raise KeyError(key)
        return 1 if value is True else value

    def __iter__(self) -> Iterator[str]:
        order = _EVALUATION if self.evaluation else _SHOWN
        return (key for key in order if (value := getattr(self, key)) is not None and value is not False)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class CompletionStats:
    """The completion service's counters and its last records, for the status bar and tests."""

    requests: int = 0
    answered: int = 0
    last: Trace = field(default_factory=Trace)
    speculative: Trace = field(default_factory=Trace)  # the last speculative request
    warmups: int = 0
    withheld: int = 0  # suggestions not shown for low confidence (confidence.py)
    last_withheld: str | None = None  # ...and why, the last time
    in_flight: int = 0  # completion requests being handled now
    max_in_flight: int = 0
    # the time to each of the last suggestions shown (a request that answered), for the status's p50
    shown_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))

    @property
    def p50_ms(self) -> float | None:
        """The median time to a suggestion over the last RECENT shown: what this machine and model give."""
        return round(statistics.median(self.shown_ms), 1) if self.shown_ms else None

    def withhold(self, trace: Trace, why: str) -> list[Any]:
        """A suggestion not shown for low confidence: counted, and why, for the status."""
        self.withheld, self.last_withheld = self.withheld + 1, why
        return trace.nothing("low_confidence")

    @contextmanager
    def track(self, trace: Trace) -> Iterator[Trace]:
        """Count a request while it runs; then it is the last one, and its line is logged."""
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield trace
        finally:
            self.in_flight -= 1
            self.last = trace
            trace.finish()
            if trace.result == "ok" and trace.total_ms is not None:
                self.shown_ms.append(trace.total_ms)
