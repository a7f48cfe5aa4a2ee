"""Shared test fixtures: where the real default model is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


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
