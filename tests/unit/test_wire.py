"""The engine pipe's codec: every message round-trips as one line of JSON; anything else is refused."""

from __future__ import annotations

import json

import pytest

from hushcode.engine import wire
from hushcode.engine.contracts import EngineConfig, FirstToken, GenerateRequest, RankRequest
from hushcode.prompt.layout import ChatMarkers, RepoMarkers

RANK = RankRequest(context=40, firsts=8)

SAMPLES: list[wire.Message] = [
    wire.Load.of(EngineConfig(model_path="/models/m.gguf", n_ctx=2048, threads=4, threads_batch=8, gpu_layers=0,
                              vocab_only=True)),
    wire.Tokenize(1, ("def f():", "")),
    wire.Detokenize(2, ((1, 2, 3), ())),
    wire.Generate.of(3, GenerateRequest(tokens=[5, 6, 7], document="file:///a.py", max_tokens=8,
                                        stop_texts=("\n\n",), stop_indent=4, alternatives=3, rank=RANK)),
    wire.Generate.of(4, GenerateRequest(tokens=[], document="file:///b.py")),
    wire.Generate.of(5, GenerateRequest(tokens=[1], document="file:///c.py", draft=(1, 2), token_logprobs=True)),
    wire.Candidate(6, 3, "left_to_right"),
    wire.Candidate(7, 3, "start", start=" total", values=3),
    wire.Candidate(8, 3, "first", token=42),
    wire.Score(9, 3, " total = 0\n    return total", end_of_text=7, floor=-12.5),
    wire.Score(10, 3, "x", None, None),
    wire.EndRanking(3),
    wire.Cancel(3),
    wire.GetStats(5),
    wire.Shutdown(),
    wire.Loaded(model="Qwen2.5 Coder", template="qwen", markers=wire.Markers(1, 2, 3, "psm", ("<P>", "<S>"), 9),
                n_ctx=4096, load_ms=812.5, pid=1234, threads=4, threads_batch=8, gpu_layers=-1, network_audit=True,
                bos=None, variant="base", chat=ChatMarkers(10, 11), repo=RepoMarkers(12, None)),
    wire.LoadFailed("no_fim", "m has no fill-in-the-middle tokens", model="m"),
    wire.LoadFailed("unloadable", "not a GGUF file"),
    wire.Tokens(1, ((1, 2), ())),
    wire.Texts(2, ("a", "é😀")),
    wire.Token(3, "re"),
    wire.Progress(3, 32),
    wire.Done(id=3, text="return x", reason="newline", prompt_tokens=3, reused=1, evaluated=2, generated=4,
              prompt_ms=1.5, gen_ms=20.25, control_tokens=3, alternatives=("return x", "pass"), shifted=1, ranked=2,
              first_token=17, firsts=(FirstToken(17, "return"), FirstToken(18, " x"))),
    wire.Done(id=4, text="x = 1", reason="stop", prompt_tokens=3, reused=0, evaluated=3, generated=2,
              prompt_ms=1.0, gen_ms=2.0, control_tokens=0, drafted=1, token_logprobs=((2, -0.5), (5, -0.125))),
    wire.CandidateLines(texts=(" total = 0\n", " total = []\n"), generated=6, id=7),
    wire.CandidateLines(texts=None, generated=2, reason="cancelled", id=8),
    wire.Scored(score=-7.25, id=9),
    wire.Scored(score=None, reason="deadline", id=10),
    wire.Stats(5, {"generations": 2, "cancelled": 1}, ((3, 0.5, 0.75),), 0),
    wire.Error(None, "no model loaded"),
    wire.Error(9, "ValueError: bad"),
]


def test_the_samples_cover_every_message() -> None:
    assert {type(m) for m in SAMPLES} == {cls for cls in wire.TYPES.values()}


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: type(m).__name__)
def test_every_message_round_trips_as_one_line(message: wire.Message) -> None:
    line = wire.encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    key, name = message.TAG
    assert json.loads(line)[key] == name  # readable on the pipe: tagged "op" or "ev"
    assert wire.decode(line) == message


def test_the_pipe_keeps_what_the_engine_reads_and_nothing_more() -> None:
    load = json.loads(wire.encode(wire.Load.of(EngineConfig(model_path="/m.gguf", env={"SECRET": "1"}))))
    assert "env" not in load and load["path"] == "/m.gguf"  # the name the pipe has always used
    assert wire.decode(json.dumps(load)) == wire.Load(model_path="/m.gguf")


@pytest.mark.parametrize("line", [
    b"", b"not json", b"\xff\xfe", b"[1, 2]", b'"tokenize"', b"{}",
    b'{"op": "explode", "id": 1}', b'{"ev": "exploded"}', b'{"op": ["tokenize"], "id": 1}',
    b'{"op": "tokenize", "texts": ["a"]}',  # no id
    b'{"op": "tokenize", "id": 1, "texts": "abc"}',  # a string is not a list of texts
    b'{"ev": "tokens", "id": 1, "tokens": [[1, "2"]]}',
    b'{"ev": "tokens", "id": 1, "tokens": [[1, true]]}',
    b'{"ev": "load_failed", "kind": "tired", "message": "x"}',
    b'{"op": "generate", "id": 1, "tokens": [1]}',  # no document
    b'{"op": "cancel", "id": null}',
    b'{"ev": "loaded", "model": "m"}',
], ids=repr)
def test_a_malformed_line_raises_value_error(line: bytes) -> None:
    with pytest.raises(ValueError):
        wire.decode(line)


def test_a_generation_carries_the_request_and_comes_back_as_the_result() -> None:
    done_line = json.loads(wire.encode(next(m for m in SAMPLES if isinstance(m, wire.Done))))
    assert done_line["texts"] == ["return x", "pass"]  # the pipe's name for the alternatives
    request = GenerateRequest(tokens=[1, 2], document="file:///a.py", max_tokens=5, rank=RANK)
    message = wire.decode(wire.encode(wire.Generate.of(7, request)))
    assert isinstance(message, wire.Generate) and message.id == 7
    assert message.rank == RANK and isinstance(message.rank, RankRequest)
    done = next(m for m in SAMPLES if isinstance(m, wire.Done))
    result = done.result()
    assert result.firsts == (FirstToken(17, "return"), FirstToken(18, " x"))  # nested values rebuilt
    assert type(result).__name__ == "GenerateResult" and result.alternatives == ("return x", "pass")
