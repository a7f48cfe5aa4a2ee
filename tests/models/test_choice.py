"""Which model file the server loads (models/choice.py), and the message when it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushcode.config.settings import ModelSettings, Settings
from hushcode.models.catalog import load_catalog
from hushcode.models.choice import choose_model
from hushcode.models.store import installed_path

CATALOG = load_catalog()


def _choose(path: str | None) -> tuple[str | None, str | None]:
    choice = choose_model(Settings(model=ModelSettings(path=path)))
    return choice.path, choice.error


def _refusal(path: str | None) -> str | None:
    chosen, error = _choose(path)
    assert chosen is None
    return error


@pytest.fixture(autouse=True)
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUSHCODE_MODELS_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    return tmp_path / "cache"


def test_the_default_model_not_installed() -> None:
    entry = CATALOG.default()
    assert _refusal(None) == (f"The default model {entry.id} is not installed (expected at "
                              f"{installed_path(entry)}). Run: hushcode models pull")


def test_a_catalog_id_not_installed_and_damaged() -> None:
    entry = next(e for e in CATALOG if not e.default)
    assert _refusal(entry.id) == (f"The model {entry.id} (model.path) is not installed (expected at "
                                  f"{installed_path(entry)}). Run: hushcode models pull {entry.id}")
    installed_path(entry).write_bytes(b"GGUF" + b"\0" * 10)
    path, error = _choose(entry.id)
    assert path is None and error is not None
    assert error.startswith(f"The model file for {entry.id} cannot be used: wrong size: ")
    assert error.endswith(f". Run: hushcode models pull --force {entry.id}")
    path, error = _choose(str(installed_path(entry)))  # the same file, named by its path
    assert path is None and error is not None and error.startswith(f"The model file for {entry.id} cannot")


def test_a_file_that_is_missing_or_not_gguf(tmp_path: Path) -> None:
    missing = tmp_path / "gone.gguf"
    assert _refusal(str(missing)) == (f"The model file {missing} does not exist. Check the model.path "
                                      "setting or HUSHCODE_MODEL.")
    other = tmp_path / "other.gguf"
    other.write_bytes(b"PK\x03\x04")
    assert _refusal(str(other)) == (f"The model file {other} is not a GGUF file (it starts with "
                                    "b'PK\\x03\\x04').")
    good = tmp_path / "good.gguf"
    good.write_bytes(b"GGUF")
    assert _choose(str(good)) == (str(good), None)
