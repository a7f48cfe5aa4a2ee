"""Which catalog model a GGUF file found on disk is, without hashing it.

Hashing a multi-gigabyte file to list it would take minutes, so the match is a heuristic over
what the file says about itself, and it says which evidence it used:

1. **by name**: the file name is a catalog file's name and the size agrees (exactly when the
   catalog knows the size, within 3 % otherwise);
2. **by shape**: the GGUF's architecture, layer count, KV-head count and FIM template are those
   of a catalog model (base or instruct told apart by the GGUF's name, as the engine does); the
   quantisation then picks the file, and the size must agree (exactly when the catalog records
   a sha256, within 3 % otherwise). Another quantisation or conversion still matches the model,
   without a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hushcode.models.catalog import Catalog, ModelEntry, ModelSpec
from hushcode.models.gguf_info import GGUFInfo

SIZE_TOLERANCE = 0.03
_INSTRUCT = re.compile(r"instruct|chat|\bit\b", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    """A catalog model (and file, when the quantisation is in the catalog) a found file is."""

    spec: ModelSpec
    entry: ModelEntry | None
    how: str  # the evidence, for the user: "by name and size", "by shape: qwen2, 24 layers, ..."

    @property
    def label(self) -> str:
        return self.entry.id if self.entry is not None else self.spec.id


def _size_agrees(entry: ModelEntry, size: int) -> bool:
    if entry.size_bytes is not None and entry.sha256 is not None:
        return size == entry.size_bytes
    expected = entry.weights_bytes
    return expected > 0 and abs(size - expected) <= SIZE_TOLERANCE * expected


def variant_of(info: GGUFInfo) -> str:
    """"instruct" when the GGUF's own name says so (instruct, chat, it), else "base"."""
    words = " ".join(str(info.get(k, "") or "") for k in ("general.name", "general.finetune",
                                                           "general.basename"))
    return "instruct" if _INSTRUCT.search(words + " " + info.path.name) else "base"


def match_file(catalog: Catalog, info: GGUFInfo, file_name: str | None = None) -> Match | None:
    """The catalog model ``info`` is, or None. ``file_name``: the name it has on disk, if any."""
    name = (file_name or info.path.name).lower()
    for entry in catalog:
        if entry.file.lower() == name and _size_agrees(entry, info.size_bytes):
            return Match(entry.model, entry, "by file name and size")
    fim = info.fim
    layers = info.arch("block_count")
    kv_heads = info.arch("attention.head_count_kv", info.arch("attention.head_count"))
    specs = [s for s in catalog.specs
             if s.architecture == info.architecture and s.layers == layers and s.kv_heads == kv_heads
             and fim is not None and s.fim_template == fim.template]
    if not specs:
        return None
    variant = variant_of(info)
    preferred = [s for s in specs if s.variant == variant] or specs
    spec = preferred[0]
    evidence = (f"by shape: {info.architecture}, {layers} layers, {kv_heads} KV heads, "
                f"{fim.template if fim else '?'} FIM tokens, {variant} by name")
    quant = info.quant.upper()
    same_quant = [e for e in catalog if e.model is spec and e.quant.upper() == quant]
    for entry in same_quant:
        if _size_agrees(entry, info.size_bytes):
            return Match(spec, entry, f"{evidence}, {entry.quant}, same size")
    if same_quant:
        return Match(spec, None, f"{evidence}; {info.quant} but not the size of the catalog's file "
                                 "(another conversion)")
    return Match(spec, None, f"{evidence}; the catalog has no {info.quant} file of it")
