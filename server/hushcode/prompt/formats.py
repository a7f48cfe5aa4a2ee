"""Which prompt format each model family gets by default, chosen from measurements.

`hushcode bench quality --config psm='{"completion":{"promptFormat":"psm"}}' ...` compares them;
docs/benchmarks.md records the figures behind each choice.
"""

from __future__ import annotations

DEFAULT_FORMATS: dict[str, str] = {
    "qwen": "psm",
}


def choose_format(setting: str, template: str) -> str:
    """The configured format, or the family's measured default for "auto"."""
    if setting != "auto":
        return setting
    return DEFAULT_FORMATS.get(template, "psm")
