"""The real `hushcode doctor`, run as a command: with the real model, with no model, with the
network guard off, and with an engine that reaches for the network."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hushcode import netguard
from tests.e2e import lsp
from tests.reliability.fault_helpers import tiny_model

REQUIRED = ("python", "hushcode", "llama.cpp build", "gpu offload", "settings", "model", "model sha256",
            "model template", "model licence", "engine", "completion", "network guard")


def doctor(folder: Path, *args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    """`hushcode doctor` in `folder` (offline where the machine allows), no user settings file. Tests
    judge behaviour, not speed: a generous completion.timeout_ms keeps a loaded machine's slow
    answer from being the warning it would be with the default (the unit tests check that rule)."""
    variables = {**os.environ, "XDG_CONFIG_HOME": lsp.NO_USER_CONFIG, "HUSHCODE_COMPLETION_TIMEOUT_MS": "120000",
                 **env}
    variables.pop(netguard.ENV, None)  # the guard's default (on), unless a test says otherwise
    variables.update({key: value for key, value in env.items() if key == netguard.ENV})
    return subprocess.run([*lsp.NO_NETWORK, sys.executable, "-m", "hushcode", "doctor", *args], cwd=folder,
                          env=variables, capture_output=True, text=True, timeout=timeout, check=False)


def by_check(proc: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    listed = json.loads(proc.stdout)
    assert isinstance(listed, list) and all(set(item) == {"check", "status", "detail", "fix"} for item in listed)
    return {item["check"]: item for item in listed}


@pytest.mark.model
def test_with_the_real_model_every_line_is_ok_and_the_completion_is_timed(model_path: Path, tmp_path: Path) -> None:
    proc = doctor(tmp_path, HUSHCODE_MODEL=str(model_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    for check in REQUIRED:
        line = next((line for line in lines if re.match(rf"\S+\s+{re.escape(check)}\s{{2,}}", line)), None)
        assert line is not None and line.startswith("ok "), (check, proc.stdout)
    completion = next(line for line in lines if line.split()[1] == "completion")
    assert re.search(r"completion\s+\d+ ms for '.+' \(prompt \d+ tokens, \d+ generated\)", completion), completion
    assert "matches the catalog" in proc.stdout and "qwen (PSM)" in proc.stdout and "Apache-2.0" in proc.stdout
    assert "ran in the doctor and the engine and saw no network access attempt" in proc.stdout
    assert re.search(r"network guard\s+on \(the default\)", proc.stdout), proc.stdout  # nothing set: on
    assert not any(line.startswith("FAIL") for line in lines)  # the editors never fail, found or not
    assert lines[-1].startswith("hushcode doctor: everything needed works")


@pytest.mark.parametrize("missing", ["a file", "the default"])
def test_a_missing_model_fails_its_line_with_a_fix_and_does_not_hang(tmp_path: Path, missing: str) -> None:
    env = ({"HUSHCODE_MODEL": str(tmp_path / "gone.gguf")} if missing == "a file"
           else {"HUSHCODE_MODELS_DIR": str(tmp_path / "empty-cache")})
    started = time.monotonic()
    proc = doctor(tmp_path, "--json", "--no-editors", timeout=120, **env)
    assert time.monotonic() - started < 60
    assert proc.returncode == 1, proc.stderr[-3000:]
    checks = by_check(proc)
    model = checks["model"]
    assert model["status"] == "fail" and model["fix"]
    if missing == "a file":
        assert "gone.gguf does not exist" in model["detail"] and "HUSHCODE_MODEL" in model["detail"]
    else:
        assert "is not installed" in model["detail"] and model["fix"] == "hushcode models pull"
    assert checks["engine"]["status"] == "skip" and checks["completion"]["status"] == "skip"
    assert checks["python"]["status"] == "ok" and checks["llama.cpp build"]["status"] == "ok"


@pytest.mark.model
def test_with_the_network_guard_off_its_line_is_not_ok(model_path: Path, tmp_path: Path) -> None:
    proc = doctor(tmp_path, "--json", "--no-editors", HUSHCODE_MODEL=str(model_path), **{netguard.ENV: "0"})
    assert proc.returncode == 0, proc.stderr[-3000:]  # a warning, not a failure
    guard = by_check(proc)["network guard"]
    assert guard["status"] == "warn", guard
    assert "off for the server" in guard["detail"] and "HUSHCODE_AUDIT_NETWORK is '0'" in guard["detail"]
    assert guard["fix"] and "remove HUSHCODE_AUDIT_NETWORK" in guard["fix"]


def test_an_engine_that_reaches_for_the_network_fails_the_engine_and_the_guard(tmp_path: Path) -> None:
    report = tmp_path / "attempts.log"
    proc = doctor(tmp_path, "--json", "--no-editors", timeout=120, HUSHCODE_MODEL=str(tiny_model(tmp_path)),
                  HUSHCODE_ENGINE_FAULT="connect-on-load", **{netguard.REPORT_ENV: str(report)})
    assert proc.returncode == 1, proc.stderr[-3000:]
    checks = by_check(proc)
    assert checks["model"]["status"] == "ok" and checks["model sha256"]["status"] == "info"
    assert checks["engine"]["status"] == "fail" and "network access blocked" in checks["engine"]["detail"]
    guard = checks["network guard"]
    assert guard["status"] == "fail" and "192.0.2.1" in guard["detail"] and "in the engine" in guard["detail"]
    assert "network access blocked in the engine" in report.read_text()  # the user's report has it too
