"""Typed, validated settings.

Sources, later wins: built-in defaults, the editor's `initializationOptions` (camelCase
on the wire, e.g. {"model": {"path": ...}, "completion": {"maxTokens": 64}}), then
`HUSHCODE_*` environment variables. A bad value yields a warning and the default; it
never stops the server.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ModelSettings:
    path: str | None = None  # None: the catalog's default model in the model cache
    context_tokens: int = 4096
    threads: int = 0  # 0: one per core
    gpu_layers: int = -1  # -1: automatic (all layers when the llama.cpp build has a GPU, else 0)


@dataclass(frozen=True)
class CompletionSettings:
    enabled: bool = True
    max_tokens: int = 96  # block completions
    max_line_tokens: int = 32  # single-line completions
    prefix_tokens: int = 512
    suffix_tokens: int = 128
    context_tokens: int = 384  # cross-file context from the workspace index; 0 turns it off
    suffix_lines: int = 30
    timeout_ms: int = 10000
    # a block typed automatically stops at the first line end after this many ms in the engine
    # (prompt included), so a suggestion shows fast; the rest follows as if accepted. 0: off
    first_suggestion_ms: int = 600
    # "auto" picks the measured best format for the model's family (see prompt/formats.py)
    prompt_format: str = field(default="auto", metadata={"choices": ("auto", "psm", "psm-typed", "spm", "spm-typed", "repo", "chat")})
    alternatives: int = field(default=3, metadata={"choices": (1, 2, 3)})  # on a manual trigger
    # "full": every post-processing filter; "minimal": stop tokens and whitespace only (a baseline)
    postprocess: str = field(default="full", metadata={"choices": ("full", "minimal")})
    debounce_ms: int = 150  # the most the server waits for the next keystroke (adapts to the rhythm)
    speculative: bool = True  # compute the next suggestion "as if accepted" while the user reads
    speculate_after_ms: int = 120
    warm_up: bool = True  # evaluate a newly opened document's prompt while the user reads it
    reuse_chunk_tokens: int = 16  # KV-cache chunks this long are shifted and reused; 0: prefix reuse only


@dataclass(frozen=True)
class EngineSettings:
    """Where completions are computed: the local engine process, or a shared server (opt-in)."""

    kind: str = field(default="local", metadata={"choices": ("local", "llama-server", "openai", "ollama")})
    url: str | None = None  # the remote server's base URL, e.g. http://gpu-box:8080
    model: str | None = None  # the model name the remote server knows
    api_key_env: str | None = None  # the NAME of an environment variable holding the API key, never the key
    # llama-server only: "completion" sends our token ids; "infill" lets the server lay out the FIM prompt
    endpoint: str = field(default="completion", metadata={"choices": ("completion", "infill")})
    # "auto": the server's own tokenize endpoint where it has one, else the model.path GGUF's vocabulary
    tokenizer: str = field(default="auto", metadata={"choices": ("auto", "server", "local")})
    connect_timeout_ms: int = 2000
    retries: int = 2  # new connections tried again after a connect error (never once text has arrived)
    probe_max_ms: int = 30000  # the longest wait between health probes of an unreachable server


@dataclass(frozen=True)
class Settings:
    model: ModelSettings = field(default_factory=ModelSettings)
    completion: CompletionSettings = field(default_factory=CompletionSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _coerce(value: Any, default: Any, annotation: str) -> Any:
    """Coerce a wire/env value to the type of the default; raise ValueError when impossible."""
    if "bool" in annotation:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        raise ValueError("expected true or false")
    if "int" in annotation:
        if isinstance(value, bool):
            raise ValueError("expected a whole number")
        number = int(value)
        if number < 0 and not (number == -1 and isinstance(default, int) and default == -1):
            raise ValueError("must not be negative" + (" (or -1: automatic)" if default == -1 else ""))
        return number
    if "str" in annotation:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return value or None
    return value


def _apply(section: Any, values: Mapping[str, Any], where: str, warnings: list[str]) -> Any:
    changes: dict[str, Any] = {}
    fields = {f.name: f for f in dataclasses.fields(section)}
    for key, value in values.items():
        name = _snake(key)
        if name not in fields:
            warnings.append(f"{where}: unknown setting '{key}' ignored")
            continue
        try:
            coerced = _coerce(value, getattr(section, name), str(fields[name].type))
            choices = fields[name].metadata.get("choices")
            if choices is not None and coerced not in choices:
                raise ValueError("expected one of " + ", ".join(map(str, choices)))
            changes[name] = coerced
        except (TypeError, ValueError) as exc:
            warnings.append(f"{where}.{key}: bad value {value!r} ({exc}); using {getattr(section, name)!r}")
    return dataclasses.replace(section, **changes)


def load_settings(options: Mapping[str, Any] | None, environ: Mapping[str, str]) -> tuple[Settings, list[str]]:
    """Build the effective settings; the list holds one readable warning per rejected value."""
    warnings: list[str] = []
    settings = Settings()
    options = options or {}
    if not isinstance(options, Mapping):
        return settings, ["initializationOptions is not an object; using defaults"]
    sections = {"model": settings.model, "completion": settings.completion, "engine": settings.engine}
    for key, value in options.items():
        if key not in sections:
            warnings.append(f"initializationOptions: unknown section '{key}' ignored")
        elif not isinstance(value, Mapping):
            warnings.append(f"initializationOptions.{key}: expected an object")
        else:
            sections[key] = _apply(sections[key], value, f"initializationOptions.{key}", warnings)
    env_values: dict[str, dict[str, str]] = {"model": {}, "completion": {}, "engine": {}}
    if environ.get("HUSHCODE_MODEL"):
        env_values["model"]["path"] = environ["HUSHCODE_MODEL"]
    for name, value in environ.items():
        match = re.fullmatch(r"HUSHCODE_(MODEL|COMPLETION|ENGINE)_([A-Z_]+)", name)
        if match:
            section = match.group(1).lower()
            key = match.group(2).lower()
            env_values[section][key] = value
    for section, values in env_values.items():
        if values:
            sections[section] = _apply(sections[section], values, "environment", warnings)
    return Settings(**sections), warnings
