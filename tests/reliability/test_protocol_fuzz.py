"""Property-based: random well-formed LSP sessions against the real `hushcode serve` over stdio.

The bulk runs on a tiny random-weight GGUF (the real engine process and llama.cpp, milliseconds
per token); a smaller number of sequences runs on the real model. HUSHCODE_FUZZ_EXAMPLES scales
the bulk (default 60 sequences per position encoding). See fuzz.py for what a sequence holds.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import report
from tests.reliability.fuzz import Sequence, Totals
from tests.reliability.rpc import RawServer

ENCODINGS = {"utf-16": None, "utf-8": ["utf-8", "utf-16"]}  # offered by the client; the server picks
BULK = int(os.environ.get("HUSHCODE_FUZZ_EXAMPLES", "60"))
_cases = itertools.count(1)


class Fuzzed:
    def __init__(self, server: RawServer, encoding: str, root: Path) -> None:
        self.server, self.encoding, self.root = server, encoding, root
        self.totals = Totals()
        self.log_offset = 0

    def run(self, data: st.DataObject, max_messages: int, timeout: float, big_lines: bool = True) -> None:
        case = next(_cases)
        sequence = Sequence(self.server, self.encoding, f"{self.root.as_uri()}/case{case}", self.totals, big_lines)
        for _ in range(data.draw(st.integers(1, max_messages), label="messages")):
            sequence.step(data)
        sequence.check(timeout)
        self.totals.sequences += 1
        log = self.server.log_file.read_text(encoding="utf-8", errors="replace")
        new, self.log_offset = log[self.log_offset:], len(log)
        problems = [line for line in new.splitlines() if " ERROR " in line or "Traceback" in line]
        assert not problems, problems[:5]
        assert not self.server.messages(kind=1), self.server.messages(kind=1)  # no error shown to the user


def _fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, model: Path,
            label: str, extra: dict[str, str]) -> Iterator[Fuzzed]:
    encoding = request.param
    root = tmp_path_factory.mktemp(f"fuzz-{label}-{encoding}")
    (root / "util.py").write_text("def helper(value):\n    return value * 2\n", encoding="utf-8")
    server = RawServer(root.parent / f"{root.name}-logs", {
        "HUSHCODE_MODEL": str(model), "HUSHCODE_TEST_REQUESTS": "1", **extra})
    try:
        result = server.initialize(encodings=ENCODINGS[encoding], root=root)
        assert result["capabilities"].get("positionEncoding", "utf-16") == encoding
        server.wait_for_state({"ready"})
        fuzzed = Fuzzed(server, encoding, root)
        yield fuzzed
        t = fuzzed.totals
        report(f"fuzz ({label} model, {encoding}): {t.sequences} sequences, {t.messages} messages "
                               f"({t.changes} changes, {t.requests} requests, {t.cancelled} cancels, "
                               f"{t.big_documents} documents with a 1 MB line); crashes: 0")
        assert server.alive()
    finally:
        code = server.close()
    assert code == 0, f"the server exited with {code}"


@pytest.fixture(scope="module", params=list(ENCODINGS))
def tiny_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                tiny_model: Path) -> Iterator[Fuzzed]:
    # short generations: the volume is in the protocol, not in the random model's output
    yield from _fuzzed(request, tmp_path_factory, tiny_model, "tiny",
                       {"HUSHCODE_COMPLETION_MAX_TOKENS": "8", "HUSHCODE_COMPLETION_MAX_LINE_TOKENS": "8"})


@pytest.fixture(scope="module", params=list(ENCODINGS))
def real_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                model_path: Path) -> Iterator[Fuzzed]:
    yield from _fuzzed(request, tmp_path_factory, model_path, "real", {})


_SETTINGS = {"deadline": None, "database": None, "print_blob": True,
             "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example]}


@pytest.mark.timeout(600)
@settings(max_examples=BULK, **_SETTINGS)
@given(data=st.data())
def test_random_sessions_keep_every_document_in_sync(tiny_server: Fuzzed, data: st.DataObject) -> None:
    tiny_server.run(data, max_messages=30, timeout=60)


@pytest.mark.model
@pytest.mark.timeout(600)
@settings(max_examples=8, **_SETTINGS)
@given(data=st.data())
def test_random_sessions_with_the_real_model(real_server: Fuzzed, data: st.DataObject) -> None:
    real_server.run(data, max_messages=20, timeout=120, big_lines=False)  # 1 MB lines: in the bulk
