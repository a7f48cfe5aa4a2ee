"""When and with what the completion service asks for a blank line's ranking, and the pure pieces
of the ranking (the line predicates, the order, the lines below, the decoder's scoring). The
ranking itself: tests/unit/test_ranking_policy.py; the real model's path: tests/e2e/test_ranking.py."""

from __future__ import annotations

from typing import ClassVar

import pytest

from hushcode.completion.ranking import Scored, lines_below, order
from hushcode.completion.service import CompletionService, DocumentSnapshot
from hushcode.config.settings import CompletionSettings, Settings
from hushcode.engine.contracts import GenerateRequest, GenerateResult
from hushcode.engine.interface import Ranker
from hushcode.syntax.lines import defines, reads
from hushcode.worker.decoder import Decoder
from tests.unit.fake_engine import MARKERS, FakeLocalEngine
from tests.unit.ranking_spec import Spec, spec_of


def test_the_real_decoder_scores_in_small_batches_and_within_the_context() -> None:
    import numpy as np

    decoded: list[tuple[list[int], int]] = []

    class Batch:
        def set_batch(self, batch: list[int], n_past: int, logits_all: bool) -> None:
            assert logits_all
            decoded.append((list(batch), n_past))

    class Ctx:
        def kv_cache_seq_rm(self, seq: int, start: int, end: int) -> None:
            pass

        def decode(self, batch: Batch) -> None:
            pass

    class TinyLlm:  # llama.cpp keeps n_vocab logits per scored position: batches stay small
        n_batch = 8
        input_ids: ClassVar[list[int]] = list(range(100))
        n_tokens = 0
        _batch = Batch()
        _ctx = Ctx()

        def n_ctx(self) -> int:
            return 64

    decoder = Decoder(TinyLlm(), set(), lambda t: False, lambda: False)
    decoder._logprobs = lambda i=-1: np.log(np.full(1000, 1 / 1000))  # type: ignore[method-assign]
    assert decoder.score(60, list(range(6))) is None  # past the context's end
    logprobs = decoder.score(40, list(range(500, 512)))
    assert logprobs is not None and len(logprobs) == 12
    # the last context token again, then the 12 tokens: batches of at most n_batch, one after another
    assert [(len(batch), n_past) for batch, n_past in decoded] == [(8, 39), (5, 47)]
    assert decoded[0][0][0] == 39 and decoded[0][0][1:] + decoded[1][0] == list(range(500, 512))
    # below a floor (the best candidate's score) after the first batch: the second is not evaluated
    decoded.clear()
    cut = decoder.score(40, list(range(500, 512)), floor=-8 * np.log(1000) + 0.1)
    assert cut is not None and len(cut) == 8 and len(decoded) == 1


def test_order_is_best_score_first_and_stable_on_ties() -> None:
    a, b, c = Scored("a", -6.0), Scored("b", -3.0), Scored("c", -3.0)
    assert [s.text for s in order([a, b, c])] == ["b", "c", "a"]
    assert [s.text for s in order([c, b])] == ["c", "b"]  # equal scores keep their order


def test_lines_below_are_the_next_three_lines_or_a_newline_and_say_where_the_text_ends() -> None:
    text = "def f(xs):\n    \n    for x in xs:\n        yield x\n    return\n"
    offset = text.index("    \n") + 4
    assert lines_below(text, offset) == ("\n    for x in xs:\n        yield x\n    return", True)
    longer = text + "\n\ndef g():\n    pass\n"
    assert lines_below(longer, offset) == ("\n    for x in xs:\n        yield x\n    return", False)
    assert lines_below("x = 1\n", len("x = 1\n")) == ("\n", True)
    assert lines_below("x = 1", len("x = 1")) == ("\n", True)


class RecordingEngine(FakeLocalEngine):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[GenerateRequest] = []
        self.specs: list[Spec | None] = []  # what each request asked to rank

    async def tokenize(self, texts: list[str], speculative: bool = False) -> list[list[int]]:
        return [[100 + ord(c) for c in text] for text in texts]

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult:
        self.requests.append(request)
        self.specs.append(spec_of(request, ranker))
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
    rank_spec = engine.specs[-1]
    assert rank_spec is not None and rank_spec.candidates == 3
    tokens = engine.requests[-1].tokens
    # the left-to-right context is everything before the suffix marker; the lines below follow
    assert tokens[rank_spec.context] == MARKERS.suffix and MARKERS.suffix not in tokens[:rank_spec.context]
    assert rank_spec.below == "\n    return result\n" and rank_spec.end_of_text == MARKERS.end_of_text  # the lines below
    assert rank_spec.lead == " "  # after the indentation: the space the prompt held back
    assert rank_spec.comment == "#"  # Python's line comment: comments are not compared with code
    assert svc.stats.last["ranked"] == 3
    mid_line = DocumentSnapshot(uri="file:///w/b.py", version=1, text="def f(w):\n    return w * \n",
                                language_id="python")
    await svc.suggest(mid_line, 1, len("    return w * "), "utf-32", "r2")
    assert engine.requests[-1].rank is None  # within a line: one line, no ranking
    await svc.suggest_all(DOC, 1, 4, "utf-32", "r3", alternatives=3)
    assert engine.requests[-1].rank is None  # a manual trigger's alternatives are their own ranking


async def test_ranking_is_on_by_default_and_off_with_no_candidates_or_for_spm_prompts() -> None:
    engine = RecordingEngine()
    await _service(engine).suggest(DOC, 1, 4, "utf-32", "r")
    await _service(engine, blank_line_candidates=0).suggest(DOC, 1, 4, "utf-32", "r")
    await _service(engine, prompt_format="spm", blank_line_candidates=3).suggest(DOC, 1, 4, "utf-32", "r")
    assert [r.rank is not None for r in engine.requests] == [True, False, False]
    default = engine.specs[0]
    assert default is not None and default.candidates == 1 and default.end_of_text == MARKERS.end_of_text  # the file ends below


class RankedEngine(RecordingEngine):
    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult:
        self.requests.append(request)
        texts = ("width = 2", "height = 3", "return width")
        return GenerateResult(text=texts[0], reason="unsure", prompt_tokens=len(request.tokens), reused=0,
                              evaluated=len(request.tokens), generated=9, prompt_ms=0.0, gen_ms=1.0,
                              control_tokens=3, alternatives=texts, ranked=3)


async def test_a_ranked_blank_line_shows_its_best_line_alone_while_typing() -> None:
    engine = RankedEngine()
    found = await _service(engine, blank_line_candidates=3).suggest_all(DOC, 1, 4, "utf-32", "r", alternatives=1)
    assert [s.text for s in found] == ["width = 2"]  # the engine's best first; the others are not shown


async def test_the_service_names_the_header_end_only_before_a_statement_of_the_cursors_block() -> None:
    engine = RecordingEngine()
    await _service(engine).suggest(DOC, 1, 4, "utf-32", "r")  # `return result` follows at the cursor's indentation
    end_of_body = DocumentSnapshot(uri="file:///w/end.py", version=1, language_id="python",
                                   text="def area(width, height):\n    w = width\n    \n\ndef other():\n    pass\n")
    await _service(engine).suggest(end_of_body, 2, 4, "utf-32", "r2")  # the next line of code is dedented
    js = DocumentSnapshot(uri="file:///w/a.js", version=1, language_id="javascript",
                          text="function f(x) {\n  \n  return x;\n}\n")
    await _service(engine).suggest(js, 1, 2, "utf-32", "r3")  # braces: a header takes the code below as its body
    specs = engine.specs
    assert all(spec is not None for spec in specs)
    assert [spec.header for spec in specs] == [":", None, None]
    assert [spec.comment for spec in specs] == ["#", "#", "//"]


async def test_the_service_names_what_the_code_below_reads_and_nothing_defines() -> None:
    engine = RecordingEngine()
    text = "def words(s, base):\n    \n    while s:\n        ret = re.split(base, s) + ret\n    return ret\n"
    doc = DocumentSnapshot(uri="file:///w/words.py", version=1, language_id="python", text=text)
    await _service(engine).suggest(doc, 1, 4, "utf-32", "r")
    defined = DocumentSnapshot(uri="file:///w/sum.py", version=1, language_id="python",
                               text="def total(xs):\n    t = 0\n    \n    return t + len(xs)\n")
    await _service(engine).suggest(defined, 2, 4, "utf-32", "r2")  # everything below is defined above
    specs = engine.specs
    assert specs[0] is not None and specs[1] is not None
    assert (specs[0].define, specs[0].imports) == (("ret",), ("re",))
    assert (specs[1].define, specs[1].imports) == ((), ())
    assert specs[0].result is False and specs[1].result is False  # code of the function below


async def test_the_service_says_where_the_function_lacks_its_result_when_asked_to() -> None:
    engine = RecordingEngine()
    text = "def mean(xs):\n    n = len(xs)\n    \n\n\ndef other():\n    return 1\n"
    doc = DocumentSnapshot(uri="file:///w/m.py", version=1, language_id="python", text=text)
    await _service(engine, blank_line_return=True).suggest(doc, 2, 4, "utf-32", "r")
    await _service(engine).suggest(doc, 2, 4, "utf-32", "r2")  # off by default
    on, off = engine.specs
    assert on is not None and on.result is True
    assert off is not None and off.result is False


async def test_where_the_code_below_lacks_a_definition_its_candidates_are_ranked_down_to_where_it_is_read() -> None:
    engine = RecordingEngine()
    loop = "".join(f"        a{k} = x * {k}\n" for k in range(6))
    text = f"def f(xs):\n    \n    for x in xs:\n{loop}        total += x\n    return total\n"
    await _service(engine).suggest(DocumentSnapshot(uri="file:///w/f.py", version=1, language_id="python",
                                                    text=text), 1, 4, "utf-32", "r")
    far = "".join(f"    b{k} = {k}\n" for k in range(20))  # read 21 lines below: the lines stop at 12
    text = f"def g(xs):\n    \n{far}    return total\n"
    await _service(engine).suggest(DocumentSnapshot(uri="file:///w/g.py", version=1, language_id="python",
                                                    text=text), 1, 4, "utf-32", "r2")
    spec, capped = engine.specs
    assert spec is not None and spec.define == ("total",)
    assert spec.below == "\n    for x in xs:\n" + loop + "        total += x"  # 8 lines, not 3
    assert capped is not None and capped.below.count("\n") == 12 and "total" not in capped.below


@pytest.mark.parametrize(("line", "name", "expected"), [
    ("ret = ''", "ret", True), ("a, ret = 1, 2", "ret", True), ("ret: str = ''", "ret", True),
    ("for i, ret in pairs:", "ret", True), ("import re", "re", True), ("from os import sep", "sep", True),
    ("with open(p) as fh:", "fh", True), ("ret += 1", "ret", False), ("ret == 1", "ret", False),
    ("return ret", "ret", False), ("retval = 1", "ret", False), ("x[ret] = 1", "ret", False),
    ("ret = str(x) + ret", "ret", False), ("ret = max(ret, 1)", "ret", False), ("ret = ret_list[:]", "ret", True),
    ("ret = self.ret", "ret", True),
])
def test_which_lines_define_a_name(line: str, name: str, expected: bool) -> None:
    assert defines(line, name) is expected


@pytest.mark.parametrize(("line", "name", "expected"), [
    ("ans.sort()", "ans", True), ("even = n - odd", "odd", True), ("odd += 1", "odd", True),
    ("for x in odd:", "odd", True), ("x[odd] = 1", "odd", True), ("odd[0] = 1", "odd", True),
    ("return odd", "odd", True), ("x: int = odd", "odd", True),
    ("odd = 0", "odd", False), ("even, odd = 0, 0", "odd", False), ("odd: int = 0", "odd", False),
    ("for odd in xs:", "odd", False), ("f(odd=1)", "odd", False), ("if (odd := f()):", "odd", False),
    ("with f() as odd:", "odd", False), ("import odd", "odd", False), ("x.odd = 2", "odd", False),
    ("x = odd_count", "odd", False),
    # a comprehension's or a lambda's own variable of that name: not judged
    ("ys = [odd for odd in xs]", "odd", False), ("key = lambda odd: odd", "odd", False),
])
def test_which_lines_read_a_name(line: str, name: str, expected: bool) -> None:
    assert reads(line, name) is expected


async def test_the_locals_the_function_assigns_only_below_are_sent_with_a_blank_line() -> None:
    engine = RecordingEngine()
    text = "def top(arr, k):\n    best = None\n    \n    ans = arr[-k:]\n    for x in ans:\n        best = x\n    return ans\n"
    await _service(engine).suggest(DocumentSnapshot(uri="file:///w/t.py", version=1, language_id="python",
                                                    text=text), 2, 4, "utf-32", "r")
    # in a loop that assigns the name further down, a read is fine from the second turn on
    text = "def f(xs):\n    for x in xs:\n        \n        prev = x\n    done = True\n    return done\n"
    await _service(engine).suggest(DocumentSnapshot(uri="file:///w/f.py", version=1, language_id="python",
                                                    text=text), 2, 8, "utf-32", "r2")
    first, loop = engine.specs
    assert first is not None and first.later == ("ans", "x")  # not `best`: assigned above
    assert loop is not None and loop.later == ("done",)

