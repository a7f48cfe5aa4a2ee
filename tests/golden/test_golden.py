"""Golden tests for the post-processing filters.

Each case is a text file in cases/: a header, then `=== raw` and `=== expected` documents in
which `├` marks the cursor and `┤` the end of the completion. In `raw` the text between the
markers is what the model wrote; in `expected` it is what the user should be offered, and the
text after `┤` is what remains of the line (an auto-closed bracket that the suggestion replaces
is gone from it). `(none)` as the expected document means "no suggestion".

Header keys: `language` (an LSP languageId), `filter` (a filter's function name, or `pipeline`),
`scope` (optional: force `line` or `block` instead of the decision at the cursor), `chat` (`true`:
the output came from a chat prompt).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hushcode.postprocess import pipeline
from hushcode.postprocess.candidate import Candidate, CompletionContext
from hushcode.syntax.decide import Decision, Scope, decide
from hushcode.syntax.languages import detect_language

CASES = sorted((Path(__file__).parent / "cases").glob("*.txt"))
FILTERS = {f.__name__: f for f in pipeline.FILTERS}


def split(doc: str) -> tuple[str, str, str]:
    start, end = doc.index("├"), doc.index("┤")
    return doc[:start], doc[start + 1:end], doc[end + 1:]


def load(path: Path) -> tuple[dict[str, str], str, str]:
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("=== raw\n", 1)
    raw, expected = rest.split("=== expected\n", 1)
    header = dict(line.split(":", 1) for line in head.strip().splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in header.items()}, raw.removesuffix("\n"), expected.removesuffix("\n")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path: Path) -> None:
    header, raw, expected = load(path)
    prefix, completion, suffix = split(raw)
    language = detect_language(header["language"], "untitled")
    text = prefix + suffix
    line_start = prefix.rfind("\n") + 1
    line_end = text.find("\n", len(prefix))
    decision = decide(text, len(prefix), line_start, len(text) if line_end == -1 else line_end, language)
    if "scope" in header:  # force a scope (e.g. inside a string, where the decision would skip)
        decision = Decision(Scope(header["scope"]), "forced", decision.min_indent)
    ctx = CompletionContext(prefix=prefix, suffix=suffix, decision=decision, language=language,
                            stop_texts=("<|file_sep|>", "<|endoftext|>"), chat=header.get("chat") == "true")
    name = header.get("filter", "pipeline")
    if name == "pipeline":
        result = pipeline.postprocess(ctx, completion)
    else:
        result = FILTERS[name](ctx, Candidate(completion))
    if expected.strip() == "(none)":
        assert result is None or not result.text.strip(), result
        return
    e_prefix, e_completion, e_suffix = split(expected)
    assert result is not None, "the filter dropped a suggestion that should be kept"
    assert e_prefix == prefix, "a golden file's expected prefix must equal its raw prefix"
    assert result.text == e_completion
    assert suffix[result.replace_end:] == e_suffix


def test_there_are_cases_for_every_filter_and_language() -> None:
    headers = [load(p)[0] for p in CASES]
    covered = {h.get("filter", "pipeline") for h in headers}
    assert set(FILTERS) <= covered, set(FILTERS) - covered
    assert {"python", "javascript", "typescript", "go", "rust"} <= {h["language"] for h in headers}
