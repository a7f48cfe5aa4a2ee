"""Fill-in-the-middle templates, detected from a model's own vocabulary.

Each family marks the prefix, suffix and middle of a FIM prompt with its own special
tokens. We never trust a file name: we look the markers up in the GGUF's vocabulary
(as control tokens) and take the first template whose markers all exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal


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
        families="Qwen2.5-Coder",
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


def detect_markers(lookup: TokenLookup) -> FimMarkers | None:
    """Find the first template whose markers exist in the vocabulary; None if the model has no FIM."""
    for template in TEMPLATES:
        if any(lookup(s) is None for s in template.signature):
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
