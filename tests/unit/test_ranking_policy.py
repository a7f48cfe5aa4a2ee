"""The blank-line ranking's policy (completion/ranking/) driving the model's side
(worker/candidates.py) over a scripted decoder, in process. The real model's path:
tests/e2e/test_ranking.py."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace

from hushcode.completion.ranking import Greedy, Ranking, policy
from hushcode.engine.contracts import FirstToken, Lines, Scoring
from hushcode.worker.candidates import DecoderCandidates
from hushcode.worker.decoder import Evaluation, Limits, Output
from tests.unit.ranking_spec import Spec


class InProcess:
    """The model's side in this process: the engine's own candidates over the scripted decoder."""

    def __init__(self, candidates: DecoderCandidates) -> None:
        self.candidates = candidates

    async def left_to_right(self) -> Lines:
        return self.candidates.left_to_right()

    async def from_start(self, start: str, values: int) -> Lines:
        return self.candidates.from_start(start, values)

    async def from_first(self, token: int) -> Lines:
        return self.candidates.from_first(token)

    async def score(self, text: str, end_of_text: int | None, floor: float) -> Scoring:
        return self.candidates.score(text, end_of_text, floor)


def rank(decoder, prompt: list[int], spec: Spec, lims: Limits, out: Output, firsts: list[tuple[int, float]],
         tokenize) -> Ranking:
    """The policy with the in-process model, as the server runs it with the engine's."""
    model = InProcess(DecoderCandidates(decoder, prompt, spec.context, lims, tokenize))
    greedy_output = Greedy(out.text, out.reason, out.first_token)
    return asyncio.run(policy.rank(model, spec.task(), greedy_output,
                                   [FirstToken(t, decoder.piece(t)) for t, _ in firsts]))


@dataclass
class _Llm:
    n_tokens: int = 0

    def detokenize(self, tokens: list[int]) -> bytes:
        return "".join(chr(t) for t in tokens).encode()


@dataclass
class ScriptedDecoder:
    """Generates the scripted line for each forced first token, and `left_to_right` when generation
    resumes after the prompt's prefix part; scores a candidate (followed by the lines below) by a
    table of left-to-right log-probabilities, one number per candidate spread over its tokens."""

    lines: dict[int, str]  # first token -> the line it starts
    ltr: dict[str, float]  # candidate line -> log P(line + lines below | prefix)
    left_to_right: str = ""  # the line the model writes after the prefix alone
    stop_after: int | None = None  # the stop flag is set after this many scores
    llm: _Llm = field(default_factory=_Llm)
    scored: list[tuple[int, list[int]]] = field(default_factory=list)
    rewinds: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)
    evaluated: list[int] = field(default_factory=list)

    stopped_early: list[bool] = field(default_factory=list)  # per score: cut short below the floor
    continued: list[str] = field(default_factory=list)

    continuations: dict[str, str] = field(default_factory=dict)  # forced start -> what the model writes on
    forced: list[str] = field(default_factory=list)

    # per forced start: which next tokens the ranking allows (does the name stay whole?)
    allowed_after: list[dict[str, bool]] = field(default_factory=list)

    # forced start -> the values the model would write after its ` =` (likeliest first)
    values: dict[str, list[str]] = field(default_factory=dict)

    def piece(self, token: int) -> str:
        return self.llm.detokenize([token]).decode()

    def likeliest(self, allowed, among: int = 40) -> int | None:
        self.allowed_after.append({piece: allowed(piece) for piece in ("_count", "s", "9", " =", "(", ".", ",", "")})
        # an assignment's ` =` where values are scripted; otherwise the scripted continuation
        # follows, as if its first token were the allowed one
        return ord("=") if self.forced[-1].strip() in self.values else None

    def first_choices(self, n: int, spaces: bool = False) -> list[tuple[int, float]]:
        assert spaces  # a value may start with a space alone
        return [(1000 + k, -1.0) for k in range(len(self.values[self.forced[-1].strip()]))][:n]

    def extend(self, tokens: list[int]) -> bool:
        if tokens == [ord("=")]:
            return not self.stopped()  # the assignment's `=` after a forced start
        self.forced.append("".join(chr(t) for t in tokens))
        return not self.stopped()

    def generate(self, limits: Limits, on_piece, first=None):
        assert limits.stop_at_newline
        self.rewinds.append(self.llm.n_tokens)
        if first is not None and first >= 1000:  # a value after a forced start's `=`
            text = " " + self.values[self.forced[-1].strip()][first - 1000]
            self.continued.append(self.forced[-1] + "=" + text)
            return Output(text=text + "\n", generated=2, reason="newline", first_token=first)
        if first is None and len(self.forced) > len(self.continued):  # after a forced start
            start = self.forced[-1]
            self.continued.append(start)
            return Output(text=self.continuations[start.strip()] + "\n", generated=2, reason="newline")
        if first is None:  # resumed after the prefix part: the left-to-right line
            return Output(text=self.left_to_right + "\n", generated=4, reason="newline")
        return Output(text=self.lines[first] + "\n", generated=3, reason="newline", first_token=first)

    def resume_at(self, context: int) -> bool:
        if self.stopped():
            return False
        self.resumed.append(context)
        self.llm.n_tokens = context
        return True

    def evaluate_prompt(self, tokens: list[int], deadline: float) -> Evaluation:
        self.evaluated.append(len(tokens))
        self.llm.n_tokens = len(tokens)
        return Evaluation(reused=0, shifted=0, evaluated=len(tokens))

    def stopped(self) -> bool:
        return self.stop_after is not None and len(self.scored) >= self.stop_after

    def score(self, context: int, tokens: list[int], floor: float = float("-inf")) -> list[float] | None:
        if self.stopped():
            return None
        self.scored.append((context, tokens))
        line = "".join(chr(t) for t in tokens if t >= 32)
        total = next(v for k, v in self.ltr.items() if line.startswith(k))
        logprobs: list[float] = []
        for _ in tokens:  # token by token, as the real one does batch by batch
            logprobs.append(total / len(tokens))
            if sum(logprobs) < floor:
                break
        self.stopped_early.append(len(logprobs) < len(tokens))
        return logprobs


def tokenize(text: str) -> list[int]:
    return [ord(c) for c in text]


def limits() -> Limits:
    """A block request's limits, with a deadline a minute from now (not from the module's import)."""
    return Limits(max_tokens=96, deadline=time.monotonic() + 60, stop_indent=4, line_budget_s=0.4)


BELOW = "\n    return ret"
SPEC = Spec(candidates=3, context=40, below=BELOW)
PROMPT = list(range(50))  # 40 tokens up to the suffix marker (SPEC.context), then the FIM tail


def greedy(text: str, first: int = 7) -> Output:
    return Output(text=text, generated=5, reason="scope_end", first_token=first)


def test_when_both_readings_differ_the_line_that_leads_into_the_code_below_wins() -> None:
    decoder = ScriptedDecoder(lines={7: "if base < 2:", 8: "return ret", 9: "ret = 1"}, left_to_right="ret = ''",
                              ltr={"if base < 2:": -26.0, "ret = ''": -8.8, "return ret": -10.2, "ret = 1": -9.5})
    ranking = rank(decoder, PROMPT, SPEC, limits(), greedy("if base < 2:\n"), [(7, -0.5), (8, -1.0), (9, -1.2)],
                   tokenize)
    assert ranking.texts[0] == "ret = ''" and ranking.compared == 4
    assert sorted(ranking.texts) == sorted(["ret = ''", "ret = 1", "return ret", "if base < 2:\n"])
    # the two scored after the best one fell below it before their end: not scored further
    assert decoder.stopped_early == [False, False, True, True]
    # the left-to-right line after the prefix part, then the FIM prompt's tail again for its next choices
    assert decoder.resumed == [40] and decoder.evaluated == [50] and decoder.rewinds == [40, 50, 50]
    # each candidate is scored after the prompt's prefix part, followed by the lines below, as one text
    assert len(decoder.scored) == 4
    assert all(context == 40 and tokens[-len(BELOW):] == tokenize(BELOW) for context, tokens in decoder.scored)


def test_when_both_readings_agree_the_greedy_output_is_kept_without_more_work() -> None:
    decoder = ScriptedDecoder(lines={8: "total = 0"}, left_to_right="for x in xs:", ltr={"total = 0": -1.0})
    block = "for x in xs:\n        total += x\n"
    ranking = rank(decoder, PROMPT, SPEC, limits(), greedy(block), [(7, -0.3), (8, -1.5)], tokenize)
    assert ranking.texts == [block] and ranking.compared == 0 and ranking.generated == 4
    assert decoder.evaluated == [] and decoder.scored == [] and decoder.rewinds == [40]


def test_the_greedy_output_keeps_its_whole_block_when_it_wins() -> None:
    decoder = ScriptedDecoder(lines={8: "total = 0"}, left_to_right="total = 1",
                              ltr={"for x in xs:": -5.0, "total = 0": -9.0, "total = 1": -7.0})
    block = "for x in xs:\n        total += x\n"
    ranking = rank(decoder, PROMPT, SPEC, limits(), greedy(block), [(7, -0.3), (8, -1.5)], tokenize)
    assert ranking.texts[0] == block and sorted(ranking.texts[1:]) == ["total = 0", "total = 1"]
    assert ranking.compared == 3 and decoder.stopped_early == [False, True, True]


def test_a_line_cut_by_the_users_token_budget_is_not_ranked_and_candidates_keep_the_budget() -> None:
    decoder = ScriptedDecoder(lines={8: "total = 0"}, left_to_right="total = 1", ltr={"for": -9.0, "total": -1.0})
    cut = Output(text="for", generated=2, reason="length", first_token=7)
    small = replace(limits(), max_tokens=2)
    ranking = rank(decoder, PROMPT, SPEC, small, cut, [(7, -0.3), (8, -1.5)], tokenize)
    assert ranking.texts == ["for"] and ranking.compared == 0 and ranking.generated == 0 and decoder.rewinds == []

    budgets: list[int] = []
    original = decoder.generate

    def generate(limits: Limits, on_piece, first=None):
        budgets.append(limits.max_tokens)
        return original(limits, on_piece, first)

    decoder.generate = generate  # type: ignore[method-assign]
    rank(decoder, PROMPT, SPEC, replace(limits(), max_tokens=12), greedy("for x in xs:\n"), [(7, -0.3), (8, -1.5)],
         tokenize)
    assert budgets and set(budgets) == {12}


def test_a_stop_while_scoring_keeps_the_greedy_output() -> None:
    decoder = ScriptedDecoder(lines={8: "b = 2"}, left_to_right="c = 3", ltr={"a = 1": -20.0, "b = 2": -1.0,
                                                                             "c = 3": -1.0}, stop_after=1)
    ranking = rank(decoder, PROMPT, SPEC, limits(), greedy("a = 1\n"), [(7, -1.0), (8, -1.0)], tokenize)
    assert ranking.texts == ["a = 1\n"] and ranking.reason == "cancelled"


def test_a_passed_deadline_keeps_the_greedy_output() -> None:
    decoder = ScriptedDecoder(lines={8: "a = 1"}, left_to_right="a = 1", ltr={"a = 1": -1.0, "b = 2": -9.0})
    late = replace(limits(), deadline=time.monotonic() - 1)
    ranking = rank(decoder, PROMPT, SPEC, late, greedy("b = 2\n"), [(8, -1.0)], tokenize)
    assert ranking.texts == ["b = 2\n"] and ranking.reason == "deadline" and decoder.scored == []


def test_where_the_document_ends_the_end_of_text_follows_the_lines_below() -> None:
    decoder = ScriptedDecoder(lines={}, left_to_right="b = 2", ltr={"a = 1": -9.0, "b = 2": -2.0})
    spec = replace(SPEC, candidates=1, end_of_text=3)
    ranking = rank(decoder, PROMPT, spec, limits(), greedy("a = 1\n"), [(7, -1.0)], tokenize)
    assert ranking.texts == ["b = 2", "a = 1\n"] and decoder.evaluated == []  # one candidate: no FIM alternative
    assert len(decoder.scored) == 2
    assert all(tokens[-1] == 3 and tokens[-1 - len(BELOW):-1] == tokenize(BELOW) for _, tokens in decoder.scored)


def test_after_the_indentation_candidates_are_compared_as_the_cleanup_shows_them() -> None:
    # the greedy line starts with an indentation of its own, which the cleanup drops after the
    # editor's indentation: it is the same line as the next choice's, and is scored as shown
    decoder = ScriptedDecoder(lines={8: " t = 1", 9: " u = 2"}, left_to_right=" d = {}",
                              ltr={"    t = 1": -1.0, " t = 1": -5.0, " d = {}": -7.0, " u = 2": -9.0})
    spec = replace(SPEC, lead=" ")
    ranking = rank(decoder, PROMPT, spec, limits(), greedy("    t = 1\n", first=262), [(8, -1.3), (9, -2.0)],
                   tokenize)
    assert ranking.texts == ["    t = 1\n", " d = {}", " u = 2"] and ranking.compared == 3
    assert next(tokens[:6] for _, tokens in decoder.scored) == tokenize(" t = 1")  # not "    t = 1"


def test_a_comment_is_not_compared_with_lines_of_code() -> None:
    # the comment announces the code below, so it scores best; it is not the missing line
    decoder = ScriptedDecoder(lines={8: "# Split the text into words", 9: "words = text.split()"},
                              left_to_right="count = 0",
                              ltr={"# Split": -3.0, "words = ": -9.0, "count = 0": -12.0, "return": -20.0})
    spec = replace(SPEC, comment="#")
    ranking = rank(decoder, PROMPT, spec, limits(), greedy("return count\n"), [(7, -0.3), (8, -1.0), (9, -1.2)],
                   tokenize)
    # the comment follows last: what the cleanup falls back on if it rejects every line of code
    assert ranking.texts == ["words = text.split()", "count = 0", "return count\n", "# Split the text into words"]
    assert ranking.compared == 3
    # without the language's comment mark, the comment would have won
    decoder.scored.clear()
    assert rank(decoder, PROMPT, SPEC, limits(), greedy("return count\n"), [(7, -0.3), (8, -1.0), (9, -1.2)],
                tokenize).texts[0] == "# Split the text into words"


def test_a_greedy_comment_gives_way_to_the_only_line_of_code_without_scoring() -> None:
    decoder = ScriptedDecoder(lines={8: "# TODO"}, left_to_right="total = 0", ltr={})
    spec = replace(SPEC, comment="#")
    ranking = rank(decoder, PROMPT, spec, limits(), greedy("# Your code here\n"), [(7, -0.3), (8, -1.0)], tokenize)
    assert ranking.texts == ["total = 0", "# Your code here\n", "# TODO"] and decoder.scored == []
    # only comments: the greedy output stays
    decoder = ScriptedDecoder(lines={8: "# TODO"}, left_to_right="# compute the total", ltr={})
    ranking = rank(decoder, PROMPT, spec, limits(), greedy("# Your code here\n"), [(7, -0.3), (8, -1.0)], tokenize)
    assert ranking.texts == ["# Your code here\n"] and ranking.compared == 0


def test_a_bare_block_header_is_not_compared_where_the_code_below_is_of_its_own_block() -> None:
    # `if base < 2:` alone, before `while x > 0:` at the same indentation, would have no body
    decoder = ScriptedDecoder(lines={8: "ret = ''"}, left_to_right="if base < 2:",
                              ltr={"if base": -5.0, "ret = ''": -9.0, "while": -12.0})
    spec = replace(SPEC, header=":")
    ranking = rank(decoder, PROMPT, spec, limits(), greedy("while x > 0:\n        x //= base\n"),
                   [(7, -0.3), (8, -1.0)], tokenize)
    # the greedy block keeps its header: it brings its own body; the bare header is left out
    assert ranking.texts == ["ret = ''", "while x > 0:\n        x //= base\n", "if base < 2:"]
    assert ranking.compared == 2
    # where the code below is not of the cursor's block (no `header` from the service), it competes
    assert rank(decoder, PROMPT, SPEC, limits(), greedy("while x > 0:\n        x //= base\n"),
                [(7, -0.3), (8, -1.0)], tokenize).texts[0] == "if base < 2:"


def test_a_greedy_header_that_the_time_budget_ended_still_competes() -> None:
    # the first-suggestion budget ended the greedy block after its header: the body was to come
    # (a slower machine must not rank differently), while the left-to-right header stays left out
    decoder = ScriptedDecoder(lines={8: "ret = ''"}, left_to_right="if base < 2:",
                              ltr={"if base": -5.0, "ret = ''": -9.0, "while": -4.0})
    spec = replace(SPEC, candidates=1, header=":")
    cut = Output(text="while x > 0:\n", generated=6, reason="budget", first_token=7)
    ranking = rank(decoder, PROMPT, spec, limits(), cut, [], tokenize)
    assert ranking.texts == ["while x > 0:\n", "if base < 2:"] and ranking.compared == 1
    bare = Output(text="while x > 0:\n", generated=6, reason="scope_end", first_token=7)
    assert rank(decoder, PROMPT, spec, limits(), bare, [], tokenize).compared == 0  # nothing left to compare


def test_a_line_defining_a_name_the_code_below_reads_joins_the_comparison() -> None:
    # both readings agree on `if base < 2:`, and neither defines `ret`, which the code below reads
    decoder = ScriptedDecoder(lines={}, left_to_right=" if base < 2:", continuations={"ret": " = ''"},
                              ltr={" if base": -9.0, " ret = ''": -4.0, " import re": -12.0})
    spec = replace(SPEC, candidates=1, lead=" ", define=("ret",), imports=("re",))
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" if base < 2:\n        return ''\n"), [], tokenize)
    assert decoder.forced == [" ret"]  # written left to right from the name on, after the prefix
    # the next token may not go on with the name (`ret` becoming `retval`)
    assert decoder.allowed_after == [{"_count": False, "s": False, "9": False, " =": True, "(": True, ".": True,
                                      ",": True, "": False}]
    # only the lines that define a name the code below reads are compared; the others follow
    assert ranking.texts[0] == " ret = ''" and ranking.compared == 2
    assert ranking.texts[1:] == [" import re", " if base < 2:\n        return ''\n"]


def test_a_line_that_leaves_the_name_undefined_loses_to_the_lines_that_define_it_even_with_a_better_score() -> None:
    # the greedy line scores best, but leaves `ret` (read below) undefined: a NameError below
    decoder = ScriptedDecoder(lines={8: "ret = None"}, left_to_right=" ret = 0",
                              ltr={" if base": -1.0, " ret = 0": -5.0, " ret = None": -4.0})
    spec = replace(SPEC, candidates=2, lead=" ", define=("ret",))
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" if base < 2:\n        return ''\n"), [(7, -0.1), (8, -0.2)],
                   tokenize)
    assert ranking.texts == [" ret = None", " ret = 0", " if base < 2:\n        return ''\n"]
    assert ranking.compared == 2 and len(decoder.scored) == 2  # the greedy line is not even scored


def test_a_greedy_output_that_starts_with_a_blank_line_is_ranked_by_the_line_it_shows() -> None:
    # the cleanup drops the blank first line and shows `for i in xs:`; it leaves `ret` undefined
    decoder = ScriptedDecoder(lines={}, left_to_right=" for i in xs:", continuations={"ret": " = []"},
                              ltr={" for i": -2.0, " ret = []": -6.0})
    spec = replace(SPEC, candidates=1, lead=" ", define=("ret",))
    block = "    \n    for i in xs:\n        ret.append(i)\n"
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(block), [], tokenize)
    assert decoder.forced == [" ret"] and ranking.texts == [" ret = []", block]
    # without a name to define, both readings agree on the line it shows: the block is kept whole
    decoder = ScriptedDecoder(lines={}, left_to_right=" for i in xs:", ltr={})
    ranking = rank(decoder, PROMPT, replace(spec, define=()), limits(), greedy(block), [], tokenize)
    assert ranking.texts == [block] and ranking.compared == 0


def test_an_assignment_to_the_name_is_written_with_its_likeliest_values_and_the_code_below_chooses() -> None:
    decoder = ScriptedDecoder(lines={}, left_to_right=" if x:", values={"ret": ["[]", "0", "ret + 1"]},
                              ltr={" if": -1.0, " ret= []": -5.0, " ret= 0": -4.0, " ret= None": -6.0})
    spec = replace(SPEC, candidates=1, lead=" ", define=("ret",))
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" if x:\n        pass\n"), [], tokenize)
    assert decoder.continued == [" ret= []", " ret= 0", " ret= ret + 1"]  # each value from just after the `=`
    # `ret = ret + 1` reads `ret` before binding it: not a definition; the greedy `if` leaves it undefined
    assert ranking.texts == [" ret= 0", " ret= []", " if x:\n        pass\n"] and ranking.compared == 2


def test_where_several_names_are_undefined_the_line_that_defines_them_all_wins() -> None:
    # each reading defines one of the two names the code below reads; one line may define both
    decoder = ScriptedDecoder(lines={}, left_to_right=" hi = 1", continuations={"lo, hi": " = 0, 1"},
                              ltr={" lo = 0": -1.0, " hi = 1": -2.0, " lo, hi": -9.0})
    spec = replace(SPEC, candidates=1, lead=" ", define=("lo", "hi"))
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" lo = 0\n"), [], tokenize)
    assert decoder.forced == [" lo, hi"]
    assert ranking.texts == [" lo, hi = 0, 1", " lo = 0\n", " hi = 1"] and ranking.compared == 1


def test_at_the_end_of_a_function_without_its_result_a_return_line_joins_the_comparison() -> None:
    # both readings start another step; the function returns nothing yet
    decoder = ScriptedDecoder(lines={}, left_to_right=" count = 0", continuations={"return": " total / n"},
                              ltr={" count": -9.0, " return total": -3.0})
    spec = replace(SPEC, candidates=1, lead=" ", result=True, below="\n", end_of_text=0)
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" count = 0\n"), [], tokenize)
    assert decoder.forced == [" return"] and ranking.texts == [" return total / n", " count = 0\n"]
    assert ranking.compared == 2
    # compared, not preferred: where the other step scores better, it stays
    decoder = ScriptedDecoder(lines={}, left_to_right=" count = 0", continuations={"return": " total / n"},
                              ltr={" count": -2.0, " return total": -3.0})
    assert rank(decoder, PROMPT, spec, limits(), greedy(" count = 0\n"), [], tokenize).texts[0] == " count = 0\n"
    # a reading that returns a value already: nothing added; a bare `return` is not a result
    decoder = ScriptedDecoder(lines={}, left_to_right=" return total", ltr={" count": -2.0, " return": -3.0})
    assert rank(decoder, PROMPT, spec, limits(), greedy(" count = 0\n"), [], tokenize).compared == 2
    assert decoder.forced == []
    decoder = ScriptedDecoder(lines={}, left_to_right=" return", continuations={"return": ""},
                              ltr={" count": -2.0, " return": -3.0})
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" count = 0\n"), [], tokenize)
    assert decoder.forced == [" return"] and ranking.texts[0] == " count = 0\n" and ranking.compared == 2
    # not after the editor's indentation: nothing is added
    decoder = ScriptedDecoder(lines={}, left_to_right="    count = 0", ltr={})
    assert rank(decoder, PROMPT, replace(spec, lead=None), limits(), greedy("    count = 0\n"), [], tokenize).compared == 0


def test_where_the_readings_give_no_line_of_code_one_from_the_fim_prompts_next_first_tokens_is_shown() -> None:
    # token ids are characters here: `#` starts the comment, `l` the line of code
    decoder = ScriptedDecoder(lines={ord("#"): "# Your code here", ord("l"): "lst = sorted(set(lst))"},
                              left_to_right=" # Your code here", ltr={})
    spec = replace(SPEC, candidates=1, lead=" ", comment="#")
    firsts = [(ord("#"), -0.1), (ord("l"), -2.5)]
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" # Your code here\n", first=ord("#")), firsts, tokenize)
    assert ranking.texts == [" lst = sorted(set(lst))", " # Your code here\n"] and ranking.compared == 1
    assert decoder.evaluated == [50]  # the FIM prompt's tail again, then its next first token
    # a comment and a bare header (no body before the code of its own block): no line of code either
    decoder = ScriptedDecoder(lines={ord("#"): "# Your code here", ord("l"): "lst = sorted(set(lst))"},
                              left_to_right=" if not lst:", ltr={})
    ranking = rank(decoder, PROMPT, replace(spec, header=":"), limits(),
                   greedy(" # Your code here\n", first=ord("#")), firsts, tokenize)
    assert ranking.texts[0] == " lst = sorted(set(lst))" and ranking.compared == 1
    # a line that jumps away before the code of its own block is no line of code to show: the next is tried
    decoder = ScriptedDecoder(lines={ord("#"): "# Your code here", ord("r"): "return lst[1]",
                                     ord("l"): "lst = sorted(set(lst))"}, left_to_right=" # Your code here", ltr={})
    ranking = rank(decoder, PROMPT, replace(spec, jumps=("return", "break")), limits(),
                   greedy(" # Your code here\n", first=ord("#")), [(ord("#"), -0.1), (ord("r"), -1.0), *firsts[1:]],
                   tokenize)
    assert ranking.texts[0] == " lst = sorted(set(lst))" and ranking.compared == 1
    assert " return lst[1]" in ranking.texts[1:]
    # no first token that starts code: the comment stays
    decoder = ScriptedDecoder(lines={}, left_to_right=" # Your code here", ltr={})
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" # Your code here\n", first=ord("#")), firsts[:1],
                   tokenize)
    assert ranking.texts == [" # Your code here\n"] and decoder.evaluated == []


def test_no_line_defining_a_name_is_added_where_the_cursor_is_not_after_the_indentation() -> None:
    decoder = ScriptedDecoder(lines={}, left_to_right="    if x:", continuations={"ret": " = ''"}, ltr={})
    spec = replace(SPEC, candidates=1, lead=None, define=("ret",), imports=("re",))
    ranking = rank(decoder, PROMPT, spec, limits(), greedy("    if x:\n        pass\n"), [], tokenize)
    assert decoder.forced == [] and ranking.compared == 0


def test_no_line_is_added_for_a_name_a_reading_already_defines() -> None:
    decoder = ScriptedDecoder(lines={}, left_to_right=" ret = []", ltr={" ret = []": -3.0, " if": -5.0})
    spec = replace(SPEC, candidates=1, lead=" ", define=("ret",))
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" if x:\n        pass\n"), [], tokenize)
    # the only line that defines it is not compared with the greedy one, which leaves `ret` undefined
    assert decoder.forced == [] and ranking.texts == [" ret = []", " if x:\n        pass\n"] and ranking.compared == 1
    # both readings agree and define it: nothing to compare
    decoder = ScriptedDecoder(lines={}, left_to_right=" ret = 0", ltr={})
    assert rank(decoder, PROMPT, spec, limits(), greedy(" ret = 0\n"), [], tokenize).compared == 0
    assert decoder.forced == []


def test_a_written_line_that_does_not_define_the_name_is_not_compared() -> None:
    # from `ret` on, the model wrote `ret.append(x)`: a read, not the definition the code lacks
    decoder = ScriptedDecoder(lines={}, left_to_right=" for x in xs:", continuations={"ret": ".append(x)"},
                              ltr={" for": -6.0, " if": -5.0})
    spec = replace(SPEC, candidates=1, lead=" ", define=("ret",))
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" if x:\n        pass\n"), [], tokenize)
    assert decoder.forced == [" ret"] and ranking.compared == 2 and " ret.append(x)" not in ranking.texts


def test_a_line_reading_a_local_that_the_function_assigns_only_below_does_not_define_a_name() -> None:
    # the greedy line defines `even` (read below), but reads `odd`, which the code below assigns
    # first: UnboundLocalError. It is not compared, and `even` is written from its name
    decoder = ScriptedDecoder(lines={}, left_to_right=" even = n - odd", values={"even": ["0", "[]"]},
                              ltr={" even = n": -1.0, " even= 0": -5.0, " even= []": -6.0})
    spec = replace(SPEC, candidates=1, lead=" ", define=("even",), later=("odd", "even", "i"))
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" even = n - odd\n"), [], tokenize)
    assert decoder.forced == [" even"]
    assert ranking.texts == [" even= 0", " even= []", " even = n - odd\n"] and ranking.compared == 2
    # without those names the same line defines `even`, both readings agree: it is kept
    decoder = ScriptedDecoder(lines={}, left_to_right=" even = n - odd", ltr={})
    ranking = rank(decoder, PROMPT, replace(spec, later=()), limits(), greedy(" even = n - odd\n"), [], tokenize)
    assert ranking.texts == [" even = n - odd\n"] and decoder.forced == []


def test_a_line_reading_a_local_assigned_only_below_gives_way_to_a_line_of_code() -> None:
    # `ans.sort()` above `ans = arr[-k:]`: not a line to show; the FIM prompt's next first token is tried
    decoder = ScriptedDecoder(lines={ord("a"): "ans.sort()", ord("r"): "arr.sort()"}, left_to_right=" ans.sort()",
                              ltr={})
    spec = replace(SPEC, candidates=1, lead=" ", later=("ans",))
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(" ans.sort()\n", first=ord("a")),
                   [(ord("a"), -0.1), (ord("r"), -1.5)], tokenize)
    assert ranking.texts == [" arr.sort()", " ans.sort()\n"] and ranking.compared == 1


def test_a_name_the_code_below_compares_with_a_literal_is_also_given_that_literal() -> None:
    # both readings agree on `state = ""`, which defines `state`; below, `if state == "start":`
    decoder = ScriptedDecoder(lines={}, left_to_right=' state = ""', ltr={' state = ""': -6.0, ' state = "start"': -4.0})
    spec = replace(SPEC, candidates=1, lead=" ", define=("state",), values=(("state", '"start"'),))
    ranking = rank(decoder, PROMPT, spec, limits(), greedy(' state = ""\n'), [], tokenize)
    assert ranking.texts == [' state = "start"', ' state = ""\n'] and ranking.compared == 2
    assert decoder.forced == []  # a reading defines it already: no values written from the name
    # compared, not preferred: the score decides
    decoder = ScriptedDecoder(lines={}, left_to_right=' state = ""', ltr={' state = ""': -3.0, ' state = "start"': -4.0})
    assert rank(decoder, PROMPT, spec, limits(), greedy(' state = ""\n'), [], tokenize).texts[0] == ' state = ""\n'
    # the readings already wrote it: nothing to compare
    decoder = ScriptedDecoder(lines={}, left_to_right=' state = "start"', ltr={})
    assert rank(decoder, PROMPT, spec, limits(), greedy(' state = "start"\n'), [], tokenize).compared == 0
