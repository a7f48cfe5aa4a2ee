"""`hushcode config [FOLDER]` and `hushcode models use NAME`, run as the real command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.config.conftest import Folders


def hushcode(folders: Folders, *args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HUSHCODE_") or k == "HUSHCODE_MODELS_DIR"}
    environ.update(folders.env(**env))
    return subprocess.run([sys.executable, "-m", "hushcode", *args], capture_output=True, text=True, timeout=120,
                          env=environ, cwd=cwd, check=False)


def test_config_prints_each_value_with_its_source(folders: Folders) -> None:
    folders.user("[completion]\nmax_tokens = 40\n")
    root = folders.project("ws", "[completion]\nmax_line_tokens = 12\nbogus = 1\n")
    proc = hushcode(folders, "config", str(root), HUSHCODE_COMPLETION_TIMEOUT_MS="999")
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line.split()[:1]
            and "." in line.split()[0] and not line.startswith(" ")}
    assert rows["completion.max_tokens"].split()[1] == "40"
    assert rows["completion.max_tokens"].endswith(f"{folders.user_file}: completion.max_tokens")
    assert rows["completion.max_line_tokens"].endswith(f"{root}/.hushcode.toml: completion.max_line_tokens")
    assert rows["completion.timeout_ms"].endswith("environment: HUSHCODE_COMPLETION_TIMEOUT_MS")
    assert rows["completion.enabled"].endswith("default")
    assert rows["model.threads"].split()[1:4] == ["0", "=", "auto:"]
    assert f"{root}/.hushcode.toml" in proc.stdout and "completion.bogus: unknown setting" in proc.stdout
    assert "trusted:       no" in proc.stdout


def test_config_json(folders: Folders) -> None:
    root = folders.project("ws", pyproject="[tool.hushcode.completion]\nenabled = false\n")
    folders.user(f'trusted_folders = ["{root}"]\n')
    proc = hushcode(folders, "config", "--json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["folder"] == str(root) and report["trusted"] is True
    assert report["projectFiles"] == [str(root / "pyproject.toml")]
    assert report["settings"]["completion"]["enabled"] == {
        "value": False, "source": f"{root}/pyproject.toml [tool.hushcode]: completion.enabled"}
    assert report["settings"]["model"]["gpu_layers"]["automatic"].startswith("auto: ")
    assert report["warnings"] == []


def test_config_for_a_missing_folder(folders: Folders) -> None:
    proc = hushcode(folders, "config", str(folders.tmp / "nope"))
    assert proc.returncode == 1 and "no such folder" in proc.stderr


def test_models_use_writes_the_project_file_keeping_comments(folders: Folders) -> None:
    from hushcode.models.catalog import load_catalog

    model_id = load_catalog().default().id
    root = folders.project("ws", "# my team's settings\n[completion]\nmax_tokens = 50  # short\n")
    proc = hushcode(folders, "models", "use", model_id, "--folder", str(root))
    assert proc.returncode == 0, proc.stderr
    text = (root / ".hushcode.toml").read_text()
    assert "# my team's settings" in text and "max_tokens = 50  # short" in text
    assert tomllib.loads(text)["model"]["path"] == model_id
    assert "not installed yet" in proc.stderr  # the test's model cache is empty
    shown = json.loads(hushcode(folders, "config", "--json", str(root)).stdout)
    assert shown["settings"]["model"]["path"] == {"value": model_id,
                                                  "source": f"{root}/.hushcode.toml: model.path"}


def test_models_use_creates_a_file_only_when_asked(folders: Folders) -> None:
    root = folders.project("ws")
    assert hushcode(folders, "config", str(root)).returncode == 0
    assert list(root.iterdir()) == []  # reading never writes
    gguf = root / "models" / "mine.gguf"
    gguf.parent.mkdir()
    gguf.write_bytes(b"GGUF")
    proc = hushcode(folders, "models", "use", str(gguf), cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert tomllib.loads((root / ".hushcode.toml").read_text())["model"]["path"] == "models/mine.gguf"
    assert "outside your model folders" in proc.stderr and "trust" in proc.stderr


def test_models_use_edits_tool_hushcode_in_pyproject(folders: Folders) -> None:
    from hushcode.models.catalog import load_catalog

    model_id = load_catalog().default().id
    root = folders.project("ws", pyproject="[project]\nname = 'x'\n\n[tool.hushcode.completion]\nenabled = true\n")
    assert hushcode(folders, "models", "use", model_id, "--folder", str(root)).returncode == 0
    data = tomllib.loads((root / "pyproject.toml").read_text())
    assert data["tool"]["hushcode"]["model"]["path"] == model_id and data["project"]["name"] == "x"
    assert not (root / ".hushcode.toml").exists()


def test_models_use_refuses_a_broken_file_and_unknown_names(folders: Folders) -> None:
    root = folders.project("ws", "[model\n")
    from hushcode.models.catalog import load_catalog

    proc = hushcode(folders, "models", "use", load_catalog().default().id, "--folder", str(root))
    assert proc.returncode == 1 and "not valid TOML" in proc.stderr and "nothing was changed" in proc.stderr
    assert (root / ".hushcode.toml").read_text() == "[model\n"
    proc = hushcode(folders, "models", "use", "no-such-model", "--folder", str(root))
    assert proc.returncode == 1 and "neither a catalog model id nor a file" in proc.stderr
