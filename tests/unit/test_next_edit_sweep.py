"""nextedit/prompt.py's Sweep prompt: which models get it, its sections as exact text (a fake
tokenizer), and its tokens through the engine's own loading and tokenizing code with a tiny GGUF
named as Sweep's models are (Qwen's vocabulary: <|file_sep|> is one control token)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from hushcode.documents.history import DocumentHistory
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.nextedit.prompt import (
    NextEditTexts,
    SweepTexts,
    draft_sweep,
    is_sweep,
    lay_out_sweep,
    sections_separator,
    sweep_separator,
)
from hushcode.nextedit.region import choose_region
from hushcode.nextedit.service import prepare
from hushcode.syntax.languages import LANGUAGES
from tests.fixtures.tiny_gguf import write_tiny_gguf
from tests.unit.test_fim_families import load, tokenize

PY = LANGUAGES["python"]
SOURCE = "import math\n\n\ndef area(w, h):\n    s = w * h\n    return s + w\n\n\ndef other(w):\n    return w\n"
FILE_SEP = 7


def edited() -> DocumentHistory:
    history = DocumentHistory(SOURCE)
    history.update(SOURCE.replace("import math", "import cmath"), 0.0)
    history.update(history.text.replace("area(w,", "area(width,"), 10.0)
    return history


def fake_tokens(texts: Sequence[str]) -> list[list[int]]:
    return [[1000 + ord(c) for c in text] for text in texts]


def render(ids: Sequence[int]) -> str:
    return "".join({FILE_SEP: "<|file_sep|>", 9: "<BOS>"}.get(i) or chr(i - 1000) for i in ids)


@pytest.mark.parametrize(("name", "expected"), [
    ("sweep-next-edit-1.5B", True),
    ("Sweep Next Edit 0.5B", True),
    ("sweep_next_edit_0.5b.q8_0", True),
    ("sweep-next-edit-v2-7B", True),
    ("Qwen2.5 Coder 0.5B Instruct", False),
    ("sweep-coder", False),  # a "sweep" that is not the next-edit model
])
def test_a_sweep_next_edit_model_is_known_by_its_name(name: str, expected: bool) -> None:
    assert is_sweep(name) is expected
    assert (sweep_separator(name, "qwen", 151664) == 151664) is expected
    assert sweep_separator(name, "mellum", 5) is None  # another vocabulary: the generic prompt
    assert sweep_separator(name, "qwen", None) is None


def test_the_sweep_prompt_is_the_diffs_then_the_region_before_the_last_edit_now_and_updated() -> None:
    history = edited()
    text = history.text
    region = choose_region(text, text.index("width") + 5, PY, history.hunks[-1])
    texts = draft_sweep(text, region, history.hunks, "geo/area.py")
    assert texts.region == "def area(width, h):\n    s = w * h\n    return s + w\n"
    assert render(lay_out_sweep(fake_tokens(texts.texts()), FILE_SEP, 9)) == (
        "<BOS>"
        "<|file_sep|>geo/area.py.diff\noriginal:\nimport math\nupdated:\nimport cmath\n"
        "<|file_sep|>geo/area.py.diff\noriginal:\ndef area(w, h):\nupdated:\ndef area(width, h):\n"
        "<|file_sep|>original/geo/area.py\ndef area(w, h):\n    s = w * h\n    return s + w\n"
        "<|file_sep|>current/geo/area.py\ndef area(width, h):\n    s = w * h\n    return s + w\n"
        "<|file_sep|>updated/geo/area.py\n")


def test_without_edits_or_with_an_edit_outside_the_region_original_is_the_region_as_it_is() -> None:
    text = "def f(a):\n    return a\n"
    region = choose_region(text, 0, PY, None)
    texts = draft_sweep(text, region, (), "f.py")
    assert render(lay_out_sweep(fake_tokens(texts.texts()), FILE_SEP, None)) == (
        "<|file_sep|>original/f.py\ndef f(a):\n    return a\n"
        "<|file_sep|>current/f.py\ndef f(a):\n    return a\n"
        "<|file_sep|>updated/f.py\n")
    history = edited()
    far = choose_region(history.text, history.text.index("def other"), PY, None)  # away from `area`
    assert "original/m.py\ndef other(w):" in draft_sweep(history.text, far, history.hunks, "m.py").sections[-3]


def test_only_a_sweep_model_gets_the_sweep_prompt() -> None:
    history = edited()
    doc = DocumentSnapshot(uri="file:///w/geo/area.py", version=3, text=history.text, language_id="python",
                           relative_path="geo/area.py")
    offset = history.text.index("width") + 5
    assert isinstance(prepare(doc, offset, history.hunks, True).texts, SweepTexts)
    generic = prepare(doc, offset, history.hunks)  # the rename is made with no prompt at all (repeat.py)
    assert generic.texts is None and generic.made is not None


def test_another_qwen_model_rewrites_a_region_in_the_file_sections() -> None:
    history = DocumentHistory(SOURCE)
    history.update(SOURCE.replace("import math", "import cmath"), 0.0)  # no rename: a region to rewrite
    doc = DocumentSnapshot(uri="file:///w/geo/area.py", version=2, text=history.text, language_id="python",
                           relative_path="geo/area.py")
    offset = history.text.index("s = w")
    assert isinstance(prepare(doc, offset, history.hunks, sections=True).texts, SweepTexts)
    assert isinstance(prepare(doc, offset, history.hunks).texts, NextEditTexts)
    assert sections_separator("qwen", FILE_SEP) == FILE_SEP
    assert sections_separator("deepseek", FILE_SEP) is None  # no file sections: the fill-in-the-middle


def test_a_renamed_names_uses_are_renamed_with_no_model_but_a_sweep_model_gets_its_prompt() -> None:
    history = edited()
    doc = DocumentSnapshot(uri="file:///w/geo/area.py", version=3, text=history.text, language_id="python",
                           relative_path="geo/area.py")
    prepared = prepare(doc, history.text.index("s = w"), history.hunks, sections=True)
    # the uses in `area` (repeat.py), not `other`'s own `w`
    assert prepared.made == "def area(width, h):\n    s = width * h\n    return s + width\n"
    swept = prepare(doc, history.text.index("s = w"), history.hunks, sweep=True)
    assert swept.made is None and isinstance(swept.texts, SweepTexts)


@pytest.mark.parametrize("name", ["sweep-next-edit-1.5B", "hushcode-tiny-test"])
def test_the_sweep_prompts_tokens_with_a_real_vocabulary(tmp_path: Path, name: str) -> None:
    path = write_tiny_gguf(tmp_path / "model.gguf", fim=True, name=name)
    engine, supervisor, channel = load(path)
    model = supervisor.model
    assert model is not None and model.name == name and model.markers.template == "qwen"
    file_sep = sweep_separator(model.name, model.markers.template, model.repo.file_sep)
    if name == "hushcode-tiny-test":
        assert file_sep is None  # Qwen's vocabulary, but not a Sweep model: the FIM prompt
        return
    assert file_sep is not None and file_sep == model.repo.file_sep
    assert tokenize(engine, channel, ["<|file_sep|>"]) != [[file_sep]]  # typed text never becomes the token
    history = edited()
    doc = DocumentSnapshot(uri="file:///w/geo/area.py", version=3, text=history.text, language_id="python",
                           relative_path="geo/area.py")
    prepared = prepare(doc, history.text.index("width") + 5, history.hunks, True)
    parts = tokenize(engine, channel, prepared.texts.texts())
    ids = lay_out_sweep(parts, file_sep, model.bos)
    sections = parts[:-1]
    expected = [model.bos] if model.bos is not None else []
    for section in sections:
        expected += [file_sep, *section]
    assert ids == expected
    assert ids.count(file_sep) == len(sections) == 5  # two diffs, original, current, updated
    markers = model.markers
    assert not {markers.prefix, markers.suffix, markers.middle} & set(ids)  # no FIM markers at all
    assert engine.model is not None and file_sep in engine.model.stop_ids  # the next <|file_sep|> ends the rewrite


@pytest.mark.parametrize(("model_id", "repo", "file"), [
    ("sweep-next-edit-0.5b", "sweepai/sweep-next-edit-0.5B", "sweep-next-edit-0.5b.q8_0.gguf"),
    ("sweep-next-edit-1.5b", "sweepai/sweep-next-edit-1.5B", "sweep-next-edit-1.5b.q8_0.v2.gguf"),
])
def test_the_catalog_names_sweeps_models_their_source_and_licence(model_id: str, repo: str, file: str) -> None:
    from hushcode.models.catalog import load_catalog
    from hushcode.models.pull import PullError, pull

    [entry] = [e for e in load_catalog() if e.model.id == model_id]
    spec = entry.model
    assert (spec.license, spec.commercial_use, spec.fim_template, spec.family) == (
        "Apache-2.0", True, "qwen", "sweep-next-edit")
    assert entry.sources[0].kind == "huggingface" and (entry.sources[0].repo, entry.file) == (repo, file)
    assert is_sweep(entry.file) and is_sweep(spec.name)  # the server knows it by its name
    assert entry.sha256 is None and entry.approx_size_mb and not entry.default  # nothing invented
    with pytest.raises(PullError, match="--allow-unverified"):
        pull(entry)  # refused before any download
