"""A user file and workspace folders built by each test, isolated from the real home."""

from __future__ import annotations

from pathlib import Path

import pytest


class Folders:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.config_home = tmp / "xdg-config"
        self.models = tmp / "model-cache"
        self.models.mkdir()

    @property
    def user_file(self) -> Path:
        return self.config_home / "hushcode" / "config.toml"

    def env(self, **extra: str) -> dict[str, str]:
        return {"XDG_CONFIG_HOME": str(self.config_home), **extra}

    def user(self, text: str) -> Path:
        self.user_file.parent.mkdir(parents=True, exist_ok=True)
        self.user_file.write_text(text, encoding="utf-8")
        return self.user_file

    def project(self, name: str, text: str | None = None, pyproject: str | None = None) -> Path:
        root = self.tmp / name
        root.mkdir(exist_ok=True)
        if text is not None:
            (root / ".hushcode.toml").write_text(text, encoding="utf-8")
        if pyproject is not None:
            (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        return root


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folders:
    made = Folders(tmp_path)
    monkeypatch.setenv("HUSHCODE_MODELS_DIR", str(made.models))  # the model cache, for the trust rule
    return made
