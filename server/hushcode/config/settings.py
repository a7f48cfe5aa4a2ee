"""Typed, validated settings, resolved from layers (later wins), remembering each value's source.

A layer is one source's raw values, shaped like the editor's `initializationOptions`:
`{"model": {"path": ...}, "completion": {"maxTokens": 64}}`. Keys may be camelCase (the wire)
or snake_case (TOML files); the code's names are snake_case. Each value goes through one cattrs
converter to its field's type. A bad value or an unknown key yields one readable warning naming
where it came from, and the value from the layer below is kept (the built-in default when no
layer below sets it); nothing here raises on user input.

Pure: no I/O. `config/files.py` reads the files, `config/load.py` puts the layers together.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cattrs


@dataclass(frozen=True)
class ModelSettings:
    path: str | None = None  # a GGUF file or a catalog model id; None: the catalog's default model
    context_tokens: int = 4096
    threads: int = 0  # 0: automatic (physical cores, at most 8; see engine/resources.py)
    gpu_layers: int = -1  # -1: automatic (all layers when the llama.cpp build has a GPU, else 0)


@dataclass(frozen=True)
class CompletionSettings:
    enabled: bool = True
    max_tokens: int = 96  # block completions
    max_line_tokens: int = 32  # single-line completions
    prefix_tokens: int = 512
    suffix_tokens: int = 48  # re-evaluated after every edit before it: the cost of an Enter (docs/latency.md)
    context_tokens: int = 384  # cross-file context from the workspace index; 0 turns it off
    suffix_lines: int = 30
    # the suffix of a single-line completion within a line (every suffix token is evaluated again at
    # each keystroke, and the lines below matter little to finishing the line); 0: suffix_tokens
    line_suffix_tokens: int = 0
    timeout_ms: int = 10000
    # a block asked for while typing stops at the first line end after this many ms of generation,
    # so a suggestion shows fast; the rest follows as if accepted. 0: off
    first_suggestion_ms: int = 400
    # on a CPU, a prompt that would evaluate more than this many new tokens (a file just opened, a
    # jump elsewhere) is answered from a short prompt of this size, and the full prompt is evaluated
    # in the background for the next keystrokes. 0: off
    cold_prompt_tokens: int = 160
    # the prompt ends before the last space of an indentation at the cursor, which the model's
    # tokenizer joins to the next word; the suggestion's own leading space is dropped (prompt/healing.py)
    token_healing: bool = True
    # "auto" picks the measured best format for the model's family (see prompt/formats.py)
    prompt_format: str = field(default="auto", metadata={"choices": ("auto", "psm", "psm-typed", "spm", "spm-typed", "repo", "chat")})
    alternatives: int = field(default=3, metadata={"choices": (1, 2, 3)})  # on a manual trigger
    # a manual trigger's other choices, after its first item (the automatic answer): their time
    alternatives_ms: int = 450
    # a suggestion whose first line the model wrote with less than this per-token probability
    # (the geometric mean, in percent) is not shown (completion/confidence.py). 0: show everything
    min_confidence: int = 0
    # a next edit the model wrote with less than this per-token probability (the geometric mean
    # over the tokens that write the edit, in percent) is not suggested (nextedit/confidence.py);
    # edits the server makes itself (the last edit made again) are never held back. 0: off. 80: the
    # best mean similarity on the next-edit benchmark's dev split (docs/benchmarks.md)
    next_edit_min_confidence: int = 80
    # on a blank line, when the fill-in-the-middle line and the left-to-right line differ: this many
    # fill-in-the-middle lines (the greedy one, then the prompt's next first tokens') are compared
    # with the left-to-right one, and the one that best leads into the code below is shown
    # (engine/ranking.py; local engine). 0: off; 1, the default: the two readings only (3 measured
    # 2 more HumanEval holes of 96 and no more elsewhere, for 0.6 s more at p50: docs/benchmarks.md)
    blank_line_candidates: int = 1
    # while typing, a ranked blank line shows its greedy line at once; when the ranking chooses
    # another line, the editor is asked to ask again and gets it from the cache (completion/later.py).
    # Off by default: it halved the time to a suggestion while typing, but the typist had read the
    # greedy line and typed on before the ranked one came, and accepted a third as often (docs/latency.md)
    show_before_ranking: bool = False
    # on a blank line at the end of a function that returns nothing yet (syntax/python/result.py): compare a
    # `return` line with the others too. Off by default: it won 4 of 282 HumanEval line holes but
    # cost 2 of 43 pauses while typing functions top-down (docs/latency.md)
    blank_line_return: bool = False
    # "full": every post-processing filter; "minimal": stop tokens and whitespace only; "off": the
    # model's text as it came, cut at its stop markers only (baselines for the benchmark)
    postprocess: str = field(default="full", metadata={"choices": ("full", "minimal", "off")})
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


SECTIONS = ("model", "completion", "engine")
DEFAULT = "default"


@dataclass(frozen=True)
class Layer:
    """One source of settings. `origin` names it in messages: a file path, "editor settings" or
    "environment". `labels` may name single keys better, e.g. ("completion", "max_tokens") ->
    "HUSHCODE_COMPLETION_MAX_TOKENS"."""

    origin: str
    values: Mapping[str, Any]
    labels: Mapping[tuple[str, str], str] = field(default_factory=dict)
    file: Path | None = None  # the file it was read from, if any

    def where(self, section: str, key: str) -> str:
        return self.labels.get((section, snake(key))) or f"{self.origin}: {section}.{key}"


@dataclass(frozen=True)
class Resolved:
    settings: Settings
    sources: dict[str, str]  # "completion.max_tokens" -> its layer ("default" when none set it)
    warnings: list[str]


def snake(name: str) -> str:
    """camelCase (the wire) or snake_case (the files) -> snake_case (the code)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# One converter turns a raw value (TOML, JSON from the editor, an environment string) into the
# field's type, or raises ValueError or TypeError with the message the user sees. Its hooks are
# forgiving where the sources differ (an environment variable is always a string), strict otherwise.
CONVERTER = cattrs.Converter(detailed_validation=False)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _to_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
        return value.lower() in _TRUE
    raise ValueError("expected true or false")


def _to_int(value: Any, _: type) -> int:
    """12, 12.0 and "12"; not true, 2.5 or "lots"."""
    if isinstance(value, bool) or not isinstance(value, int | float | str) or (
            isinstance(value, float) and not value.is_integer()):
        raise ValueError("expected a whole number")
    try:
        return int(value)
    except ValueError:
        raise ValueError("expected a whole number") from None


def _to_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _to_optional_str(value: Any, _: type) -> str | None:
    """An empty string is no value, as an absent key (`HUSHCODE_MODEL=`, an emptied editor field)."""
    return None if value is None else _to_str(value, str) or None


CONVERTER.register_structure_hook(bool, _to_bool)
CONVERTER.register_structure_hook(int, _to_int)
CONVERTER.register_structure_hook(str, _to_str)
CONVERTER.register_structure_hook(str | None, _to_optional_str)
_SECTION_TYPES: tuple[type, ...] = (ModelSettings, CompletionSettings, EngineSettings)
_TYPES: dict[type, dict[str, Any]] = {cls: typing.get_type_hints(cls) for cls in _SECTION_TYPES}
_FIELDS: dict[type, dict[str, dataclasses.Field[Any]]] = {
    cls: {f.name: f for f in dataclasses.fields(cls)} for cls in _SECTION_TYPES}


def _convert(section: type, name: str, value: Any) -> Any:
    """`value` as the setting `name` of `section` holds it; ValueError or TypeError saying why not.

    Beyond its type, a setting's value obeys its field: a number is not negative (but -1 where -1,
    "automatic", is the default), and a field with `choices` takes one of them."""
    f = _FIELDS[section][name]
    choices = f.metadata.get("choices")
    if value is None and choices is not None and _TYPES[section][name] is str:  # no value: say what is accepted
        raise ValueError("expected one of " + ", ".join(map(str, choices)))
    converted = CONVERTER.structure(value, _TYPES[section][name])
    automatic = f.default == -1
    if isinstance(converted, int) and not isinstance(converted, bool) and converted < 0 and not (
            converted == -1 and automatic):
        raise ValueError("must not be negative" + (" (or -1: automatic)" if automatic else ""))
    if choices is not None and converted not in choices:
        raise ValueError("expected one of " + ", ".join(map(str, choices)))
    return converted


def _show(value: Any) -> str:
    return repr(value) if not isinstance(value, bool) else str(value).lower()


def _apply(section: Any, name: str, values: Mapping[str, Any], layer: Layer,
           sources: dict[str, str], warnings: list[str]) -> Any:
    changes: dict[str, Any] = {}
    fields = _FIELDS[type(section)]
    for key, value in values.items():
        field_name = snake(key)
        if field_name not in fields:
            warnings.append(f"{layer.where(name, key)}: unknown setting ({_show(value)}) ignored")
            continue
        try:
            changes[field_name] = _convert(type(section), field_name, value)
        except (TypeError, ValueError) as exc:
            current = changes.get(field_name, getattr(section, field_name))
            kept = sources.get(f"{name}.{field_name}", DEFAULT)
            warnings.append(f"{layer.where(name, key)}: bad value {_show(value)} ({exc}); "
                            f"using {_show(current)} ({kept})")
            continue
        sources[f"{name}.{field_name}"] = layer.where(name, key)
    return dataclasses.replace(section, **changes)


def resolve(layers: Sequence[Layer]) -> Resolved:
    """Apply `layers` in order over the defaults; later layers win key by key."""
    settings = Settings()
    current: dict[str, Any] = {name: getattr(settings, name) for name in SECTIONS}
    sources: dict[str, str] = {}
    warnings: list[str] = []
    for layer in layers:
        for key, values in layer.values.items():
            if key not in current:
                warnings.append(f"{layer.origin}: unknown section '{key}' ignored")
            elif not isinstance(values, Mapping):
                warnings.append(f"{layer.origin}: '{key}' must be a table of settings, not {_show(values)}")
            else:
                current[key] = _apply(current[key], key, values, layer, sources, warnings)
    settings = Settings(**current)
    for name in SECTIONS:
        for f in dataclasses.fields(getattr(settings, name)):
            sources.setdefault(f"{name}.{f.name}", DEFAULT)
    return Resolved(settings, sources, warnings)


# Variables that look like settings but are not (test-only fault injection, see docs/architecture.md).
_NOT_SETTINGS = {"HUSHCODE_ENGINE_FAULT", "HUSHCODE_ENGINE_TOKEN_DELAY_MS", "HUSHCODE_ENGINE_LOAD_DELAY_MS"}


def environment_layer(environ: Mapping[str, str]) -> Layer:
    """`HUSHCODE_<SECTION>_<KEY>` variables, plus `HUSHCODE_MODEL` for model.path."""
    values: dict[str, dict[str, str]] = {}
    labels: dict[tuple[str, str], str] = {}
    for name, value in sorted(environ.items()):
        match = re.fullmatch(r"HUSHCODE_(MODEL|COMPLETION|ENGINE)_([A-Z0-9_]+)", name)
        if match and name not in _NOT_SETTINGS:
            section, key = match.group(1).lower(), match.group(2).lower()
            values.setdefault(section, {})[key] = value
            labels[(section, key)] = f"environment: {name}"
    if environ.get("HUSHCODE_MODEL"):  # the short form wins over HUSHCODE_MODEL_PATH
        values.setdefault("model", {})["path"] = environ["HUSHCODE_MODEL"]
        labels[("model", "path")] = "environment: HUSHCODE_MODEL"
    return Layer("environment", values, labels)


def load_settings(options: Mapping[str, Any] | None, environ: Mapping[str, str]) -> tuple[Settings, list[str]]:
    """Defaults, editor options, then the environment (no files): for tools that want only these."""
    if options is not None and not isinstance(options, Mapping):
        return Settings(), ["editor settings are not an object; using defaults"]
    editor = {k: v for k, v in (options or {}).items() if k != "trustedWorkspace"}
    resolved = resolve([Layer("editor settings", editor), environment_layer(environ)])
    return resolved.settings, resolved.warnings
