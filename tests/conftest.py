"""Shared test fixtures: where the real default model is; the network audit of every server."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Every hushcode server and engine the tests start (through tests/e2e/lsp.py, an editor, a bench
# command) inherits these: they install the audit hook that refuses network access and record
# any attempt in the report, which is checked after every test (hushcode/netguard.py).
NETWORK_REPORT = Path(tempfile.gettempdir()) / f"hushcode-network-audit-{os.getpid()}.log"
os.environ["HUSHCODE_AUDIT_NETWORK"] = "1"
os.environ["HUSHCODE_AUDIT_NETWORK_REPORT"] = str(NETWORK_REPORT)


@pytest.fixture(autouse=True)
def no_network_access() -> Iterator[None]:
    """Fail the test when a hushcode process it started tried to reach the network."""
    NETWORK_REPORT.unlink(missing_ok=True)
    yield
    if NETWORK_REPORT.exists():
        attempts = NETWORK_REPORT.read_text(encoding="utf-8", errors="replace")
        NETWORK_REPORT.unlink(missing_ok=True)
        if attempts.strip():
            pytest.fail(f"a hushcode process tried to use the network:\n{attempts}", pytrace=False)


def _default_model() -> Path:
    from hushcode.models.catalog import load_catalog
    from hushcode.models.store import installed_path, verify_file

    if os.environ.get("HUSHCODE_TEST_MODEL"):
        return Path(os.environ["HUSHCODE_TEST_MODEL"])
    entry = load_catalog().default()
    path = installed_path(entry)
    result = verify_file(path, entry)
    if not result.ok:
        pytest.fail(f"The default model is not usable ({result.reason}). scripts/test.sh pulls it: "
                    f"run `.venv/bin/hushcode models pull` first.", pytrace=False)
    return path


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The real default model (Qwen2.5-Coder-0.5B-Instruct Q4_K_M), verified."""
    return _default_model()
