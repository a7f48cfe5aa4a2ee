"""How sure the model was of a next edit: the tokens that write the edit, not the copied rest of
the rewrite (nextedit/confidence.py), and the service holding back an edit under
`completion.nextEditMinConfidence`."""

from __future__ import annotations

import math

from hushcode.documents.history import EditHistory
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import GenerateRequest, GenerateResult
from hushcode.engine.interface import Ranker
from hushcode.nextedit.confidence import edit_confidence, spans_in_rewrite
from hushcode.nextedit.edit import Edit
from hushcode.nextedit.service import NextEditService
from tests.unit.test_next_edit_handler import RewritingEngine

# the region "a = 1\nb = 2\n" at offset 10 of the document; the rewrite writes "b = 3"
TOKENS = ((6, -0.01), (10, -0.02), (11, -1.5), (12, -0.1))  # "a = 1\n", "b = ", "3", "\n"


def test_only_the_tokens_that_write_the_edit_count() -> None:
    sure = edit_confidence(TOKENS, 0, [Edit(20, 21, "3")], region_start=10)
    assert sure is not None and sure.mean == -1.5 and sure.lowest == -1.5
    assert round(sure.percent) == round(100 * math.exp(-1.5))


def test_the_edits_move_each_other_in_the_rewrite() -> None:
    # a line inserted before another edit shifts where the second one's text is in the rewrite
    edits = [Edit(12, 12, "x\n"), Edit(20, 21, "3")]
    assert spans_in_rewrite(edits, 10) == [(2, 4), (12, 13)]


def test_a_deletion_is_judged_by_the_token_written_after_it() -> None:
    # the rewrite "a = 1\n" + "\n" drops "b = 2": the token after the deleted text is the "\n"
    sure = edit_confidence(((6, -0.01), (7, -2.0)), 0, [Edit(16, 21, "")], region_start=10)
    assert sure is not None and sure.mean == -2.0


def test_a_one_line_fill_starts_inside_the_rewrite() -> None:
    # the model wrote only the second line ("b = 3"), which starts 6 characters into the rewrite
    sure = edit_confidence(((4, -0.05), (5, -0.7)), 6, [Edit(20, 21, "3")], region_start=10)
    assert sure is not None and sure.mean == -0.7


def test_no_generated_token_no_confidence() -> None:
    assert edit_confidence((), 0, [Edit(20, 21, "3")], region_start=10) is None


class SureEngine(RewritingEngine):
    """Answers the rewrite with a given log-probability for every token (one per character)."""

    def __init__(self, answer: str, logprob: float) -> None:
        super().__init__(answer)
        self.logprob = logprob

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult:
        result = await super().generate(request, ranker)
        assert request.token_logprobs  # the service asks for them
        ends = tuple((n + 1, self.logprob) for n in range(len(self.answer)))
        return GenerateResult(**{**result.__dict__, "token_logprobs": ends})


async def test_the_service_holds_back_an_unsure_edit_and_shows_a_sure_one() -> None:
    before = "def area(w, h):\n    return w * h\n"
    after = before.replace("w * h", "w * h * 2")
    rewrite = after.replace("area(w, h)", "area(w, h=1)")
    doc = DocumentSnapshot(uri="file:///w/a.py", version=2, text=after, language_id="python")

    async def ask(logprob: float, min_confidence: int) -> list[Edit]:
        history = EditHistory()
        history.opened(doc.uri, before)
        history.changed(doc.uri, after, 1.0)
        service = NextEditService(history)
        return await service.suggest(doc, 1, 4, "utf-16", SureEngine(rewrite, logprob), "t",
                                     min_confidence=min_confidence)

    assert await ask(math.log(0.3), 0) == [Edit(13, 13, "=1")]  # off: shown
    assert await ask(math.log(0.3), 50) == []  # 30% per token, under 50%
    assert await ask(math.log(0.9), 50) == [Edit(13, 13, "=1")]
