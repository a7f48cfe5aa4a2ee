"""Layering and precedence: defaults < user file < project files < editor settings < environment."""

from __future__ import annotations

from typing import Any

import pytest

from hushcode.config.load import load_effective
from hushcode.config.settings import Layer, resolve
from tests.config.conftest import Folders

USER = "[completion]\nmax_tokens = 10\nmax_line_tokens = 11\ndebounce_ms = 12\ntimeout_ms = 13\n"
PYPROJECT = "[project]\nname = 'x'\n\n[tool.hushcode.completion]\nmax_line_tokens = 21\ndebounce_ms = 22\ntimeout_ms = 23\n"
PROJECT = "[completion]\ndebounce_ms = 32\ntimeout_ms = 33\n"

# (id, user, pyproject, project, editor, environment, key, expected value, expected source)
CASES: list[tuple[str, str | None, str | None, str | None, dict[str, Any] | None, dict[str, str], str, Any, str]] = [
    ("default", None, None, None, None, {}, "max_tokens", 96, "default"),
    ("user file", USER, None, None, None, {}, "max_tokens", 10, "{user}: completion.max_tokens"),
    ("pyproject over user", USER, PYPROJECT, None, None, {}, "max_line_tokens", 21,
     "{root}/pyproject.toml [tool.hushcode]: completion.max_line_tokens"),
    (".hushcode.toml over pyproject", USER, PYPROJECT, PROJECT, None, {}, "debounce_ms", 32,
     "{root}/.hushcode.toml: completion.debounce_ms"),
    ("pyproject keeps what .hushcode.toml leaves", None, PYPROJECT, PROJECT, None, {}, "max_line_tokens", 21,
     "{root}/pyproject.toml [tool.hushcode]: completion.max_line_tokens"),
    ("editor over project", USER, PYPROJECT, PROJECT, {"completion": {"timeoutMs": 43}}, {}, "timeout_ms", 43,
     "editor settings: completion.timeoutMs"),
    ("environment over editor", USER, PYPROJECT, PROJECT, {"completion": {"timeoutMs": 43}},
     {"HUSHCODE_COMPLETION_TIMEOUT_MS": "53"}, "timeout_ms", 53, "environment: HUSHCODE_COMPLETION_TIMEOUT_MS"),
    ("editor leaves the rest to the files", USER, PYPROJECT, PROJECT, {"completion": {"timeoutMs": 43}}, {},
     "debounce_ms", 32, "{root}/.hushcode.toml: completion.debounce_ms"),
    ("camelCase in a file", "[completion]\nmaxTokens = 7\n", None, None, None, {}, "max_tokens", 7,
     "{user}: completion.maxTokens"),
    ("snake_case from the editor", None, None, None, {"completion": {"max_tokens": 8}}, {}, "max_tokens", 8,
     "editor settings: completion.max_tokens"),
]


@pytest.mark.parametrize(("user", "pyproject", "project", "editor", "environ", "key", "value", "source"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_precedence(folders: Folders, user: str | None, pyproject: str | None, project: str | None,
                    editor: dict[str, Any] | None, environ: dict[str, str], key: str, value: Any,
                    source: str) -> None:
    if user is not None:
        folders.user(user)
    root = folders.project("ws", project, pyproject)
    effective = load_effective([root], editor, folders.env(**environ))
    assert getattr(effective.settings.completion, key) == value
    assert effective.sources[f"completion.{key}"] == source.format(user=folders.user_file, root=root)
    assert effective.warnings == []


def test_hushcode_model_short_form_wins_over_the_long_one() -> None:
    from hushcode.config.settings import environment_layer

    resolved = resolve([environment_layer({"HUSHCODE_MODEL_PATH": "/a.gguf", "HUSHCODE_MODEL": "/b.gguf"})])
    assert resolved.settings.model.path == "/b.gguf"
    assert resolved.sources["model.path"] == "environment: HUSHCODE_MODEL"


def test_several_folders_the_first_one_wins(folders: Folders) -> None:
    first = folders.project("first", "[completion]\nmax_tokens = 1\n")
    second = folders.project("second", "[completion]\nmax_tokens = 2\nmax_line_tokens = 3\n")
    effective = load_effective([first, second], None, folders.env())
    assert effective.settings.completion.max_tokens == 1
    assert effective.settings.completion.max_line_tokens == 3  # set by the second folder only
    assert effective.sources["completion.max_tokens"].startswith(str(first))


def test_every_file_that_can_change_the_settings_is_watched(folders: Folders) -> None:
    first, second = folders.project("a"), folders.project("b")
    effective = load_effective([first, second], None, folders.env())
    assert set(effective.watched) == {folders.user_file, first / "pyproject.toml", first / ".hushcode.toml",
                                      second / "pyproject.toml", second / ".hushcode.toml"}


def test_a_pyproject_without_our_table_is_not_read(folders: Folders) -> None:
    root = folders.project("plain", pyproject="[project]\nname = 'x'\n[tool.ruff]\nline-length = 100\n")
    effective = load_effective([root], None, folders.env())
    assert effective.project_files[root] == [] and effective.warnings == []


def test_xdg_config_home_chooses_the_user_file(folders: Folders) -> None:
    folders.user("[model]\ncontext_tokens = 2048\n")
    assert load_effective([], None, folders.env()).settings.model.context_tokens == 2048
    assert load_effective([], None, {"XDG_CONFIG_HOME": str(folders.tmp / "elsewhere")}).settings.model.context_tokens \
        == 4096


def test_engine_section_and_gpu_layers_keep_their_names(folders: Folders) -> None:
    folders.user('[engine]\nkind = "ollama"\nurl = "http://gpu-box:11434"\nmodel = "qwen"\napi_key_env = "MY_KEY"\n'
                 "[model]\ngpu_layers = 12\nthreads = 3\n")
    effective = load_effective([], None, folders.env())
    engine = effective.settings.engine
    assert (engine.kind, engine.url, engine.model, engine.api_key_env) == ("ollama", "http://gpu-box:11434", "qwen",
                                                                          "MY_KEY")
    assert effective.settings.model.gpu_layers == 12 and effective.settings.model.threads == 3


def test_layers_resolve_key_by_key() -> None:
    resolved = resolve([Layer("a", {"model": {"threads": 2, "contextTokens": 1024}}),
                        Layer("b", {"model": {"threads": 4}})])
    assert resolved.settings.model.threads == 4 and resolved.settings.model.context_tokens == 1024
    assert resolved.sources["model.threads"] == "b: model.threads"
    assert resolved.sources["model.context_tokens"] == "a: model.contextTokens"
    assert resolved.sources["model.gpu_layers"] == "default"


def test_a_relative_xdg_config_home_is_ignored() -> None:
    from pathlib import Path

    from hushcode.paths import user_config_file as user_config_path

    assert user_config_path({"XDG_CONFIG_HOME": "relative/dir"}) == Path.home() / ".config" / "hushcode" / "config.toml"
    assert user_config_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/hushcode/config.toml")
