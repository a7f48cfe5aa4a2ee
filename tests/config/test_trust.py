"""The trust rule: an untrusted folder's project file cannot redirect the model or send code away."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushcode.config.load import load_effective
from tests.config.conftest import Folders


def _model(folders: Folders, place: Path) -> Path:
    place.parent.mkdir(parents=True, exist_ok=True)
    place.write_bytes(b"GGUF")
    return place


def test_untrusted_project_cannot_redirect_the_model(folders: Folders) -> None:
    evil = _model(folders, folders.tmp / "elsewhere" / "evil.gguf")
    root = folders.project("ws", f'[model]\npath = "{evil}"\n[completion]\nmax_tokens = 20\n')
    effective = load_effective([root], None, folders.env())
    assert effective.settings.model.path is None and effective.sources["model.path"] == "default"
    assert effective.settings.completion.max_tokens == 20  # the rest of the file applies
    [message] = effective.warnings
    assert str(root / ".hushcode.toml") in message and "model.path" in message and str(evil) in message
    assert "not trusted" in message and "trusted_folders" in message and str(folders.user_file) in message


def test_the_users_own_choice_stays_when_the_project_is_refused(folders: Folders) -> None:
    mine = _model(folders, folders.tmp / "mine" / "mine.gguf")
    folders.user(f'[model]\npath = "{mine}"\n')
    root = folders.project("ws", f'[model]\npath = "{folders.tmp / "evil.gguf"}"\n')
    effective = load_effective([root], None, folders.env())
    assert effective.settings.model.path == str(mine)  # the user file may point anywhere


@pytest.mark.parametrize("how", ["trusted_folders lists it", "trusted_folders lists a parent", "the editor trusts it"])
def test_a_trusted_project_can_choose_any_model(folders: Folders, how: str) -> None:
    evil = _model(folders, folders.tmp / "elsewhere" / "other.gguf")
    root = folders.project("ws", f'[model]\npath = "{evil}"\n')
    editor = None
    if how == "trusted_folders lists it":
        folders.user(f'trusted_folders = ["{root}"]\n')
    elif how == "trusted_folders lists a parent":
        folders.user(f'trusted_folders = ["{folders.tmp}"]\n')
    else:
        editor = {"trustedWorkspace": True}
    effective = load_effective([root], editor, folders.env())
    assert effective.settings.model.path == str(evil) and effective.warnings == []
    assert effective.trust[root].trusted


def test_the_editors_answer_wins_over_trusted_folders(folders: Folders) -> None:
    folders.user(f'trusted_folders = ["{folders.tmp}"]\n')
    root = folders.project("ws", f'[model]\npath = "{folders.tmp / "x.gguf"}"\n')
    effective = load_effective([root], {"trustedWorkspace": False}, folders.env())
    assert effective.settings.model.path is None
    assert "Manage Workspace Trust" in effective.warnings[0]


def test_models_in_the_users_model_folders_are_always_allowed(folders: Folders) -> None:
    extra = folders.tmp / "my-models"
    folders.user(f'model_dirs = ["{extra}"]\n')
    cached = _model(folders, folders.models / "a.gguf")
    mine = _model(folders, extra / "sub" / "b.gguf")
    for path in (cached, mine):
        root = folders.project(f"ws-{path.stem}", f'[model]\npath = "{path}"\n')
        effective = load_effective([root], None, folders.env())
        assert effective.settings.model.path == str(path) and effective.warnings == []


def test_a_catalog_model_id_is_always_allowed(folders: Folders) -> None:
    from hushcode.models.catalog import load_catalog

    model_id = load_catalog().default().id
    root = folders.project("ws", f'[model]\npath = "{model_id}"\n')
    effective = load_effective([root], None, folders.env())
    assert effective.settings.model.path == model_id and effective.warnings == []


@pytest.mark.parametrize("escape", ["dots", "symlink"])
def test_no_escape_from_the_model_folders(folders: Folders, escape: str) -> None:
    evil = _model(folders, folders.tmp / "evil.gguf")
    if escape == "dots":
        path = f"{folders.models}/../evil.gguf"
    else:
        (folders.models / "link.gguf").symlink_to(evil)
        path = str(folders.models / "link.gguf")
    root = folders.project("ws", f'[model]\npath = "{path}"\n')
    effective = load_effective([root], None, folders.env())
    assert effective.settings.model.path is None and "model.path" in effective.warnings[0]


def test_a_relative_model_path_is_relative_to_the_project(folders: Folders) -> None:
    root = folders.project("ws", '[model]\npath = "models/local.gguf"\n')
    folders.user(f'trusted_folders = ["{root}"]\n')
    effective = load_effective([root], None, folders.env())
    assert effective.settings.model.path == str(root / "models" / "local.gguf")


@pytest.mark.parametrize(("line", "allowed"), [
    ('kind = "local"', True),
    ('kind = "openai"', False),
    ('url = "http://collector.example:8080"', False),
    ('api_key_env = "AWS_SECRET_ACCESS_KEY"', False),
    ('apiKeyEnv = "AWS_SECRET_ACCESS_KEY"', False),
    ('model = "qwen2.5-coder:1.5b"', True),
])
def test_untrusted_project_cannot_send_code_away(folders: Folders, line: str, allowed: bool) -> None:
    root = folders.project("ws", f"[engine]\n{line}\n")
    untrusted = load_effective([root], None, folders.env())
    trusted = load_effective([root], {"trustedWorkspace": True}, folders.env())
    key = line.split(" = ")[0]
    assert (untrusted.warnings == []) is allowed
    if not allowed:
        assert f"engine.{'api_key_env' if key == 'apiKeyEnv' else key}" in untrusted.warnings[0]
        assert untrusted.settings.engine == trusted.settings.__class__().engine  # all defaults
    assert trusted.warnings == []
    assert trusted.sources[f"engine.{'api_key_env' if key == 'apiKeyEnv' else key}"].startswith(str(root))
