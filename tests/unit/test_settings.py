"""Settings: typed, validated, forgiving."""

from __future__ import annotations

from hushcode.config.settings import load_settings


def test_defaults() -> None:
    settings, warnings = load_settings(None, {})
    assert warnings == [] and settings.model.path is None and settings.completion.enabled


def test_initialization_options_camel_case() -> None:
    settings, warnings = load_settings({"model": {"path": "/m.gguf"}, "completion": {"maxTokens": 40}}, {})
    assert warnings == []
    assert settings.model.path == "/m.gguf" and settings.completion.max_tokens == 40


def test_environment_wins_over_editor() -> None:
    settings, _ = load_settings({"model": {"path": "/a.gguf"}},
                                {"HUSHCODE_MODEL": "/b.gguf", "HUSHCODE_COMPLETION_MAX_TOKENS": "12"})
    assert settings.model.path == "/b.gguf" and settings.completion.max_tokens == 12


def test_bad_values_warn_and_keep_defaults() -> None:
    settings, warnings = load_settings(
        {"completion": {"maxTokens": "lots", "enabled": "perhaps", "bogus": 1}, "nope": {}}, {})
    assert settings.completion.max_tokens == 96 and settings.completion.enabled is True
    assert len(warnings) == 4
    assert any("maxTokens" in w and "'lots'" in w for w in warnings)
    assert any("bogus" in w for w in warnings) and any("nope" in w for w in warnings)


def test_options_that_are_not_an_object() -> None:
    settings, warnings = load_settings(["x"], {})  # type: ignore[arg-type]
    assert settings.completion.enabled and len(warnings) == 1
