"""Which prompt format each model family gets by default, chosen from measurements.

`hushcode bench quality --config psm='{"completion":{"promptFormat":"psm"}}' ...` compares them;
docs/benchmarks.md records the figures behind each choice.
"""

from __future__ import annotations

# (template, variant) -> format. Base models were trained on plain PSM; the instruct entries come
# from `hushcode bench quality` runs recorded in docs/benchmarks.md ("Prompt formats for
# Qwen2.5-Coder 0.5B Instruct": PSM 22.2% exact match, psm-typed 13.9%, spm-typed 11.1%).
# Mellum's entry follows its model card, not a measurement here: every prompt names the current
# file (`<filename>path`), as in its training, and the template puts the suffix first.
DEFAULT_FORMATS: dict[tuple[str, str], str] = {
    ("qwen", "instruct"): "psm",
    ("mellum", "base"): "repo",
}


def choose_format(setting: str, template: str, variant: str = "base") -> str:
    """The configured format, or the measured default for this family and variant ("auto")."""
    if setting != "auto":
        return setting
    return DEFAULT_FORMATS.get((template, variant), "psm")
