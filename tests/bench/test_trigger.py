"""The manual trigger: the request's triggerKind, and one run of each configuration per trigger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from hushcode_bench.arguments import Parser
from hushcode_bench.client import AUTOMATIC, INVOKED, BenchClient, inline_params
from hushcode_bench.configs import Config
from hushcode_bench.placement import CHOICES, COLUMN0, INDENT
from hushcode_bench.quality import command
from hushcode_bench.quality.run import log_name


def test_inline_params_carry_the_trigger_kind() -> None:
    at = types.Position(line=3, character=0)
    assert inline_params("file:///a.py", at).context.trigger_kind == types.InlineCompletionTriggerKind.Automatic
    invoked = inline_params("file:///a.py", at, INVOKED)
    assert invoked.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
    assert invoked.position == at and invoked.text_document.uri == "file:///a.py"


def test_the_client_sends_the_trigger_it_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = BenchClient({}, {}, tmp_path / "server.log")
    sent: list[tuple[str, Any, Any]] = []
    monkeypatch.setattr(
        client._client.protocol, "send_request", lambda method, params, msg_id=None: sent.append((method, params, msg_id))
    )
    at = types.Position(line=1, character=4)
    client.request("file:///a.py", at, "q-1", trigger=INVOKED)
    client.request("file:///a.py", at)
    assert [m for m, _, _ in sent] == [types.TEXT_DOCUMENT_INLINE_COMPLETION] * 2
    assert [p.context.trigger_kind for _, p, _ in sent] == [
        types.InlineCompletionTriggerKind.Invoked,
        types.InlineCompletionTriggerKind.Automatic,
    ]
    assert sent[0][2] == "q-1"


def args(*argv: str) -> Any:
    parser = Parser()
    command.add_arguments(parser)
    return parser.parse_args(["repo", *argv])


def test_each_configuration_runs_once_per_trigger() -> None:
    runs = command._configs(args("--config", "default={}", "--config", "plain={}", "--first-line", "plain",
                                 "--trigger", "both"))
    assert [(c.label, c.trigger, c.first_line) for c in runs] == [
        ("default", AUTOMATIC, False),
        ("default/invoked", INVOKED, False),
        ("plain", AUTOMATIC, True),
        ("plain/invoked", INVOKED, True),
    ]
    assert [log_name(c) for c in runs] == [
        "server-default.log", "server-default-invoked.log", "server-plain.log", "server-plain-invoked.log"
    ]
    assert [c.label for c in command._configs(args("--trigger", "invoked"))] == ["default/invoked"]
    assert [c.label for c in command._configs(args())] == ["default"]  # as before: automatic only
    assert Config("x").label == "x"


def test_placement_choices() -> None:
    assert args().placement == INDENT
    assert CHOICES[args("--placement", "both").placement] == (INDENT, COLUMN0)
    with pytest.raises(Exception, match="placement"):
        args("--placement", "middle")
