"""Validation: each problem is one message naming the file, the key and the value; nothing raises."""

from __future__ import annotations

import pytest

from hushcode.config.load import load_effective
from tests.config.conftest import Folders

# (id, .hushcode.toml text, the key whose value is kept, the value kept, words every message must hold)
BAD = [
    ("not a number", '[completion]\nmax_tokens = "lots"\n', "max_tokens", 96,
     ["completion.max_tokens", "'lots'", "whole number", "using 96 (default)"]),
    ("a fraction", "[completion]\nmax_tokens = 2.5\n", "max_tokens", 96, ["completion.max_tokens", "2.5"]),
    ("negative", "[completion]\ndebounce_ms = -5\n", "debounce_ms", 150,
     ["completion.debounce_ms", "-5", "must not be negative"]),
    ("not a boolean", '[completion]\nenabled = "perhaps"\n', "enabled", True,
     ["completion.enabled", "'perhaps'", "true or false"]),
    ("not a choice", '[completion]\npostprocess = "extreme"\n', "postprocess", "full",
     ["completion.postprocess", "'extreme'", "expected one of full, minimal"]),
    ("a table for a number", "[completion.max_tokens]\nx = 1\n", "max_tokens", 96, ["completion.max_tokens"]),
    ("unknown key", "[completion]\nmax_tokenz = 5\n", "max_tokens", 96,
     ["completion.max_tokenz", "unknown setting", "5"]),
    ("unknown section", "[completions]\nmax_tokens = 5\n", "max_tokens", 96, ["unknown section 'completions'"]),
    ("a section that is a value", "completion = 3\n", "max_tokens", 96, ["'completion' must be a table"]),
]


@pytest.mark.parametrize(("text", "key", "kept", "words"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_values_name_file_key_and_value(folders: Folders, text: str, key: str, kept: object,
                                            words: list[str]) -> None:
    root = folders.project("ws", text)
    effective = load_effective([root], None, folders.env())
    assert getattr(effective.settings.completion, key) == kept
    assert len(effective.warnings) == 1, effective.warnings
    message = effective.warnings[0]
    assert message.startswith(str(root / ".hushcode.toml")), message
    for word in words:
        assert word in message, (word, message)


def test_a_bad_value_keeps_the_value_of_the_layer_below(folders: Folders) -> None:
    folders.user("[completion]\nmax_tokens = 40\n")
    root = folders.project("ws", "[completion]\nmax_tokens = -3\n")
    effective = load_effective([root], None, folders.env())
    assert effective.settings.completion.max_tokens == 40
    assert effective.sources["completion.max_tokens"] == f"{folders.user_file}: completion.max_tokens"
    assert f"using 40 ({folders.user_file}: completion.max_tokens)" in effective.warnings[0]


def test_a_toml_syntax_error_names_the_file_and_line(folders: Folders) -> None:
    root = folders.project("ws", "[completion]\nmax_tokens = 10\nenabled = \n")
    effective = load_effective([root], None, folders.env())
    assert effective.settings.completion.max_tokens == 96  # the whole file is ignored
    [message] = effective.warnings
    assert str(root / ".hushcode.toml") in message and "TOML syntax error" in message and "line 3" in message


def test_a_broken_user_file_and_a_broken_pyproject(folders: Folders) -> None:
    folders.user("[model\n")
    root = folders.project("ws", pyproject="[tool.hushcode.completion]\nmax_tokens = = 3\n")
    effective = load_effective([root], None, folders.env())
    assert len(effective.warnings) == 2
    assert str(folders.user_file) in effective.warnings[0] and "line 1" in effective.warnings[0]
    assert str(root / "pyproject.toml") in effective.warnings[1] and "line 2" in effective.warnings[1]


def test_a_file_that_is_not_utf8(folders: Folders) -> None:
    root = folders.project("ws")
    (root / ".hushcode.toml").write_bytes(b"[completion]\nmax_tokens = 1 # \xff\n")
    [message] = load_effective([root], None, folders.env()).warnings
    assert str(root / ".hushcode.toml") in message and "UTF-8" in message


def test_user_only_keys_are_refused_in_a_project_file(folders: Folders) -> None:
    root = folders.project("ws", 'trusted_folders = ["/"]\nmodel_dirs = ["/"]\n')
    effective = load_effective([root], None, folders.env())
    assert not effective.trust[root].trusted
    assert len(effective.warnings) == 2 and all("only read from your user file" in w for w in effective.warnings)


def test_user_file_lists_must_be_lists_of_folders(folders: Folders) -> None:
    folders.user("trusted_folders = 3\n")
    [message] = load_effective([], None, folders.env()).warnings
    assert str(folders.user_file) in message and "trusted_folders" in message and "3" in message


def test_editor_and_environment_messages_name_their_source(folders: Folders) -> None:
    effective = load_effective([], {"completion": {"maxTokens": "many"}, "bogus": {}},
                               folders.env(HUSHCODE_COMPLETION_MAX_LINE_TOKENS="x", HUSHCODE_ENGINE_FAULT="crash"))
    assert any(w.startswith("editor settings: completion.maxTokens: bad value 'many'") for w in effective.warnings)
    assert any("editor settings: unknown section 'bogus'" in w for w in effective.warnings)
    assert any(w.startswith("environment: HUSHCODE_COMPLETION_MAX_LINE_TOKENS: bad value 'x'")
               for w in effective.warnings)
    assert len(effective.warnings) == 3  # HUSHCODE_ENGINE_FAULT is test machinery, not a setting


def test_editor_options_that_are_not_an_object(folders: Folders) -> None:
    effective = load_effective([], ["x"], folders.env())  # type: ignore[arg-type]
    assert effective.settings.completion.enabled and effective.warnings == ["editor settings are not an object; ignored"]


def test_a_syntax_error_while_editing_keeps_the_last_good_settings(folders: Folders) -> None:
    root = folders.project("ws", "[completion]\nmax_tokens = 10\n")
    assert load_effective([root], None, folders.env()).settings.completion.max_tokens == 10
    (root / ".hushcode.toml").write_text("[completion]\nmax_tokens = 20\nenabled =\n")
    effective = load_effective([root], None, folders.env())
    assert effective.settings.completion.max_tokens == 10
    [message] = effective.warnings
    assert "line 3" in message and "keeping its previous settings" in message
    (root / ".hushcode.toml").unlink()
    assert load_effective([root], None, folders.env()).settings.completion.max_tokens == 96
