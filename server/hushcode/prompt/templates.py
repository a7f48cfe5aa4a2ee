"""Fill-in-the-middle templates, detected from a model's own vocabulary.

Each family marks the prefix, suffix and middle of a FIM prompt with its own special
tokens. We never trust a file name: we look the markers up in the GGUF's vocabulary
(as control tokens) and take the first template whose markers all exist. Where two families
spell their markers alike (Mellum and StarCoder), the GGUF's own metadata tells them apart: the
pre-tokenizer llama.cpp's converter records, or the architecture.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class FimTemplate:
    """How one model family spells a FIM prompt."""

    name: str
    families: str  # human-readable, for messages
    prefix: tuple[str, ...]  # candidate spellings of each marker, first match wins
    suffix: tuple[str, ...]
    middle: tuple[str, ...]  # empty: the model writes right after the prefix (SPM without a marker)
    order: Literal["psm", "spm"]
    stops: tuple[str, ...]  # special tokens that end a completion, besides end-of-generation
    signature: tuple[str, ...] = ()  # extra tokens that must exist, to tell look-alikes apart
    repo_name: str | None = None
    file_sep: str | None = None
    # the token that ends a document in the model's training text (where a file ends: ranking reads
    # "the file ends after this line" as that token, engine/ranking.py)
    end_of_text: tuple[str, ...] = ()
    # For a family whose markers another family spells alike: the GGUF metadata that names it.
    # `tokenizer.ggml.pre` (set by llama.cpp's converter) in `pre_tokenizers` settles it; else the
    # signature tokens must exist and `general.architecture` be one of `architectures`. Where no
    # metadata is known (a shared server's tokenize endpoint), the signature alone decides.
    pre_tokenizers: tuple[str, ...] = ()
    architectures: tuple[str, ...] = ()


TEMPLATES: tuple[FimTemplate, ...] = (
    FimTemplate(
        name="codegemma",
        families="CodeGemma",
        prefix=("<|fim_prefix|>",),
        suffix=("<|fim_suffix|>",),
        middle=("<|fim_middle|>",),
        order="psm",
        stops=("<|file_separator|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<end_of_turn>"),
        signature=("<|file_separator|>",),
        end_of_text=("<eos>",),
    ),
    FimTemplate(
        name="qwen",
        families="Qwen2.5-Coder, Qwen3-Coder",
        prefix=("<|fim_prefix|>",),
        suffix=("<|fim_suffix|>",),
        middle=("<|fim_middle|>",),
        order="psm",
        stops=(
            "<|endoftext|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>", "<|im_end|>",
            "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>",
        ),
        repo_name="<|repo_name|>",
        file_sep="<|file_sep|>",
        end_of_text=("<|endoftext|>",),
    ),
    FimTemplate(
        name="deepseek",
        families="DeepSeek-Coder (v1 and V2)",
        prefix=("<｜fim▁begin｜>",),
        suffix=("<｜fim▁hole｜>",),
        middle=("<｜fim▁end｜>",),
        order="psm",
        stops=("<|EOT|>", "<｜end▁of▁sentence｜>", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"),
        end_of_text=("<｜end▁of▁sentence｜>",),
    ),
    # JetBrains Mellum: StarCoder's marker spellings, but trained suffix first (S-P-M; the model
    # card's prompt is `<fim_suffix>…<fim_prefix>…<fim_middle>`), each file introduced by
    # `<filename>path\n`, the current file last. Before starcoder2, which it would otherwise match.
    # Its GGUFs are architecture "llama"; llama.cpp's converter names its pre-tokenizer "mellum".
    FimTemplate(
        name="mellum",
        families="Mellum (JetBrains)",
        prefix=("<fim_prefix>",),
        suffix=("<fim_suffix>",),
        middle=("<fim_middle>",),
        order="spm",
        stops=("<|endoftext|>", "<filename>", "<fim_pad>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"),
        signature=("<filename>",),
        file_sep="<filename>",
        end_of_text=("<|endoftext|>",),
        pre_tokenizers=("mellum",),
        architectures=("llama",),
    ),
    FimTemplate(
        name="starcoder2",
        families="StarCoder / StarCoder2",
        prefix=("<fim_prefix>",),
        suffix=("<fim_suffix>",),
        middle=("<fim_middle>",),
        order="psm",
        stops=("<|endoftext|>", "<file_sep>", "<fim_pad>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"),
        repo_name="<repo_name>",
        file_sep="<file_sep>",
        end_of_text=("<|endoftext|>",),
    ),
    # ByteDance Seed-Coder: markers of its own, trained suffix first (the Seed-Coder report's FIM
    # format: `<[fim-suffix]>SUFFIX<[fim-prefix]>PREFIX<[fim-middle]>MIDDLE`).
    FimTemplate(
        name="seedcoder",
        families="Seed-Coder (ByteDance)",
        prefix=("<[fim-prefix]>",),
        suffix=("<[fim-suffix]>",),
        middle=("<[fim-middle]>",),
        order="spm",
        stops=("<[end▁of▁sentence]>", "<[fim-prefix]>", "<[fim-suffix]>", "<[fim-middle]>"),
        end_of_text=("<[end▁of▁sentence]>",),
    ),
    FimTemplate(
        name="codellama",
        families="CodeLlama",
        prefix=("▁<PRE>", "<PRE>"),
        suffix=("▁<SUF>", "<SUF>"),
        middle=("▁<MID>", "<MID>"),
        order="psm",
        stops=("▁<EOT>", "<EOT>", "</s>"),
        end_of_text=("</s>",),
    ),
    FimTemplate(
        name="codestral",
        families="Codestral",
        prefix=("[PREFIX]",),
        suffix=("[SUFFIX]",),
        middle=(),
        order="spm",
        stops=("</s>", "[PREFIX]", "[SUFFIX]", "[MIDDLE]"),
        end_of_text=("</s>",),
    ),
)

TEMPLATES_BY_NAME = {t.name: t for t in TEMPLATES}

TokenLookup = Callable[[str], "int | None"]
"""Return the id of a single special token spelled exactly `text`, or None."""


@dataclass(frozen=True)
class FimMarkers:
    """A template resolved against one vocabulary: marker token ids."""

    template: str
    prefix: int
    suffix: int
    middle: int | None
    order: Literal["psm", "spm"]
    stop_ids: tuple[int, ...]
    marker_texts: tuple[str, ...]  # every special spelling we add ourselves, for tests and logs
    end_of_text: int | None = None  # see FimTemplate.end_of_text


def _first(lookup: TokenLookup, spellings: Sequence[str]) -> tuple[int, str] | None:
    for text in spellings:
        token = lookup(text)
        if token is not None:
            return token, text
    return None


def _applies(template: FimTemplate, lookup: TokenLookup, metadata: Mapping[str, Any] | None) -> bool:
    """Whether `template` may describe this model, before its markers are looked up (see
    FimTemplate.pre_tokenizers)."""
    if metadata is not None and template.pre_tokenizers and \
            metadata.get("tokenizer.ggml.pre") in template.pre_tokenizers:
        return True
    if any(lookup(s) is None for s in template.signature):
        return False
    return metadata is None or not template.architectures or \
        metadata.get("general.architecture") in template.architectures


def detect_markers(lookup: TokenLookup, metadata: Mapping[str, Any] | None = None) -> FimMarkers | None:
    """Find the first template whose markers exist in the vocabulary; None if the model has no FIM.
    `metadata` is the GGUF's (general.architecture, tokenizer.ggml.pre ...), None where unknown."""
    for template in TEMPLATES:
        if not _applies(template, lookup, metadata):
            continue
        prefix = _first(lookup, template.prefix)
        suffix = _first(lookup, template.suffix)
        middle = _first(lookup, template.middle) if template.middle else None
        if prefix is None or suffix is None or (template.middle and middle is None):
            continue
        stops = tuple(t for t in (lookup(s) for s in template.stops) if t is not None)
        texts = [prefix[1], suffix[1]] + ([middle[1]] if middle else [])
        return FimMarkers(
            template=template.name,
            prefix=prefix[0],
            suffix=suffix[0],
            middle=middle[0] if middle else None,
            order=template.order,
            stop_ids=stops,
            marker_texts=tuple(texts),
            end_of_text=end[0] if (end := _first(lookup, template.end_of_text)) else None,
        )
    return None


def all_marker_spellings() -> tuple[str, ...]:
    """Every special spelling of every template (used to build adversarial test documents)."""
    seen: dict[str, None] = {}
    for t in TEMPLATES:
        for s in (*t.prefix, *t.suffix, *t.middle, *t.stops, *t.signature, *t.end_of_text):
            seen.setdefault(s, None)
    return tuple(seen)
