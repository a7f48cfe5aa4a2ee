"""Ranking a blank line's candidates (engine/ranking.py) with a scripted decoder, and when the
completion service asks for it. The real model's path: tests/e2e/test_ranking.py."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from hushcode.completions import CompletionService, DocumentSnapshot, lines_below
from hushcode.config.settings import CompletionSettings, Settings
from hushcode.engine.contracts import GenerateRequest, GenerateResult
from hushcode.engine.generation import Decoder, Limits, Output
from hushcode.engine.ranking import SURE_LOGPROB, RankSpec, Scored, order, rank
from tests.unit.fake_engine import MARKERS, FakeLocalEngine


@dataclass
class _Llm:
    n_tokens: int = 0


@dataclass
class ScriptedDecoder:
    """Generates the scripted line for each forced first token; scores a candidate by a table of
    left-to-right log-probabilities (one number per candidate, spread over its tokens)."""

    lines: dict[int, tuple[str, float]]  # first token -> (line, its log-probability)
    ltr: dict[str, float]  # candidate line -> log P(line + lines below | prefix)
    stop_after: int | None = None  # the stop flag is set after this many scores
    llm: _Llm = field(default_factory=_Llm)
    scored: list[tuple[int, list[int]]] = field(default_factory=list)
    rewinds: list[int] = field(default_factory=list)

    def generate(self, limits: Limits, on_piece, first=None, first_logprob=0.0, track_line=False, unsure_below=None):
        assert limits.stop_at_newline and first is not None
        self.rewinds.append(self.llm.n_tokens)
        line, logprob = self.lines[first]
        return Output(text=line + "\n", generated=3, reason="newline", line_logprob=logprob)

    def stopped(self) -> bool:
        return self.stop_after is not None and len(self.scored) >= self.stop_after

    def score(self, context: int, tokens: list[int]) -> list[float] | None:
        if self.stop_after is not None and len(self.scored) >= self.stop_after:
            return None
        self.scored.append((context, tokens))
        line = "".join(chr(t) for t in tokens if t >= 32)
        total = next(v for k, v in self.ltr.items() if line.startswith(k))
        return [total / len(tokens)] * len(tokens)


def tokenize(text: str) -> list[int]:
    return [ord(c) for c in text]


def limits() -> Limits:
    """A block request's limits, with a deadline a minute from now (not from the module's import)."""
    return Limits(max_tokens=96, deadline=time.monotonic() + 60, stop_indent=4, line_budget_s=0.4)


AFTER = (10, 1, 2)  # "\n" and two ids below 32: never part of a candidate's text in this fake
SPEC = RankSpec(candidates=3, context=40, after=AFTER)


def greedy(text: str, logprob: float) -> Output:
    return Output(text=text, generated=5, reason="unsure", line_logprob=logprob)


def test_an_unsure_line_loses_to_one_that_leads_into_the_code_below() -> None:
    decoder = ScriptedDecoder(lines={7: ("if base < 2:", -5.8), 8: ("ret = ''", -3.2), 9: ("return ret", -2.7)},
                              ltr={"if base < 2:": -26.0, "ret = ''": -8.8, "return ret": -10.2})
    ranking = rank(decoder, 50, SPEC, limits(), greedy("if base < 2:\n", -5.8), [(7, -0.5), (8, -1.0), (9, -1.2)],
                   tokenize)
    assert ranking.texts[0] == "ret = ''" and ranking.compared == 3
    assert set(ranking.texts) == {"if base < 2:\n", "ret = ''", "return ret"}
    assert decoder.rewinds == [50, 50, 50]  # every candidate starts at the end of the prompt
    # each candidate is scored after the prompt's prefix part, followed by the lines below
    assert all(context == 40 and tuple(tokens[-3:]) == AFTER for context, tokens in decoder.scored)


def test_the_greedy_output_keeps_its_whole_block_when_it_wins() -> None:
    decoder = ScriptedDecoder(lines={7: ("for x in xs:", -3.0), 8: ("total = 0", -4.0)},
                              ltr={"for x in xs:": -5.0, "total = 0": -9.0})
    block = "for x in xs:\n        total += x\n"
    ranking = rank(decoder, 50, SPEC, limits(), greedy(block, -3.0), [(7, -0.3), (8, -1.5)], tokenize)
    assert ranking.texts[0] == block  # the same line as the greedy one is not a second candidate
    assert ranking.compared == 2 and len(decoder.rewinds) == 2


def test_a_sure_line_is_kept_without_generating_anything() -> None:
    decoder = ScriptedDecoder(lines={8: ("ret = ''", -3.2)}, ltr={"ret = ''": -1.0})
    ranking = rank(decoder, 50, SPEC, limits(), greedy("return ret\n", SURE_LOGPROB + 0.5), [(8, -1.0)], tokenize)
    assert ranking.texts == ["return ret\n"] and ranking.compared == 0 and ranking.generated == 0
    assert decoder.rewinds == [] and decoder.scored == []


def test_a_stop_while_scoring_keeps_the_greedy_output() -> None:
    decoder = ScriptedDecoder(lines={7: ("a = 1", -3.0), 8: ("b = 2", -3.0)},
                              ltr={"a = 1": -20.0, "b = 2": -1.0}, stop_after=1)
    ranking = rank(decoder, 50, SPEC, limits(), greedy("a = 1\n", -3.0), [(7, -1.0), (8, -1.0)], tokenize)
    assert ranking.texts == ["a = 1\n"] and ranking.reason == "cancelled"


def test_a_passed_deadline_keeps_the_greedy_output() -> None:
    decoder = ScriptedDecoder(lines={7: ("a = 1", -3.0)}, ltr={"a = 1": -1.0})
    late = replace(limits(), deadline=time.monotonic() - 1)
    ranking = rank(decoder, 50, SPEC, late, greedy("b = 2\n", -3.0), [(7, -1.0)], tokenize)
    assert ranking.texts == ["b = 2\n"] and ranking.reason == "deadline" and decoder.scored == []


def test_the_real_decoder_scores_one_batch_at_most_and_within_the_context() -> None:
    class TinyLlm:  # llama.cpp's batch buffer has n_batch slots: more would write past it
        n_batch = 8
        input_ids = list(range(100))

        def n_ctx(self) -> int:
            return 64

    decoder = Decoder(TinyLlm(), set(), lambda t: False, lambda: False)
    assert decoder.score(40, list(range(8))) is None  # 1 + 8 tokens > n_batch
    assert decoder.score(60, list(range(6))) is None  # past the context's end


def test_order_is_best_total_first_and_stable_on_ties() -> None:
    a, b, c = Scored("a", -1.0, -5.0), Scored("b", -2.0, -1.0), Scored("c", -3.0, 0.0)
    assert [s.text for s in order([a, b, c])] == ["b", "c", "a"]
    assert [s.text for s in order([c, b])] == ["c", "b"]  # equal totals keep their order


def test_lines_below_are_the_next_two_lines_or_a_newline() -> None:
    text = "def f(xs):\n    \n    for x in xs:\n        yield x\n    return\n"
    offset = text.index("    \n") + 4
    assert lines_below(text, offset) == "\n    for x in xs:\n        yield x"
    assert lines_below("x = 1\n", len("x = 1\n")) == "\n"


class RecordingEngine(FakeLocalEngine):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[GenerateRequest] = []

    async def tokenize(self, texts: list[str], speculative: bool = False) -> list[list[int]]:
        return [[100 + ord(c) for c in text] for text in texts]

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        self.requests.append(request)
        return GenerateResult(text="x = 1", reason="stop", prompt_tokens=len(request.tokens), reused=0,
                              evaluated=len(request.tokens), generated=3, prompt_ms=0.0, gen_ms=1.0,
                              control_tokens=3, ranked=3 if request.rank else 0)


def _service(engine: RecordingEngine, **options: object) -> CompletionService:
    settings = Settings(completion=CompletionSettings(cold_prompt_tokens=0, speculative=False, debounce_ms=0,
                                                      context_tokens=0, **options))  # type: ignore[arg-type]
    return CompletionService(settings, engine)  # type: ignore[arg-type]


TEXT = "def area(width, height):\n    \n    return result\n"
DOC = DocumentSnapshot(uri="file:///w/area.py", version=1, text=TEXT, language_id="python")


async def test_the_service_asks_for_ranking_on_a_blank_line_only() -> None:
    engine = RecordingEngine()
    svc = _service(engine, blank_line_candidates=3)
    assert await svc.suggest(DOC, 1, 4, "utf-32", "r") is not None
    rank_spec = engine.requests[-1].rank
    assert rank_spec is not None and rank_spec["candidates"] == 3
    tokens = engine.requests[-1].tokens
    # the left-to-right context is everything before the suffix marker; the lines below follow
    assert tokens[rank_spec["context"]] == MARKERS.suffix and MARKERS.suffix not in tokens[:rank_spec["context"]]
    assert rank_spec["after"] == [100 + ord(c) for c in "\n    return result\n"]  # the next two lines
    assert svc.stats.last["ranked"] == 3
    mid_line = DocumentSnapshot(uri="file:///w/b.py", version=1, text="def f(w):\n    return w * \n",
                                language_id="python")
    await svc.suggest(mid_line, 1, len("    return w * "), "utf-32", "r2")
    assert engine.requests[-1].rank is None  # within a line: one line, no ranking
    await svc.suggest_all(DOC, 1, 4, "utf-32", "r3", alternatives=3)
    assert engine.requests[-1].rank is None  # a manual trigger's alternatives are their own ranking


async def test_ranking_is_off_by_default_when_set_to_one_candidate_or_for_spm_prompts() -> None:
    engine = RecordingEngine()
    await _service(engine).suggest(DOC, 1, 4, "utf-32", "r")
    await _service(engine, blank_line_candidates=1).suggest(DOC, 1, 4, "utf-32", "r")
    await _service(engine, prompt_format="spm", blank_line_candidates=3).suggest(DOC, 1, 4, "utf-32", "r")
    assert [r.rank for r in engine.requests] == [None, None, None]


class RankedEngine(RecordingEngine):
    async def generate(self, request: GenerateRequest) -> GenerateResult:
        self.requests.append(request)
        texts = ("width = 2", "height = 3", "return width")
        return GenerateResult(text=texts[0], reason="unsure", prompt_tokens=len(request.tokens), reused=0,
                              evaluated=len(request.tokens), generated=9, prompt_ms=0.0, gen_ms=1.0,
                              control_tokens=3, alternatives=texts, ranked=3)


async def test_a_ranked_blank_line_shows_its_best_line_alone_while_typing() -> None:
    engine = RankedEngine()
    found = await _service(engine, blank_line_candidates=3).suggest_all(DOC, 1, 4, "utf-32", "r", alternatives=1)
    assert [s.text for s in found] == ["width = 2"]  # the engine's best first; the others are not shown
