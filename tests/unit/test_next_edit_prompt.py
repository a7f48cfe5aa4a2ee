"""nextedit/prompt.py: the layout of a next-edit prompt, as exact strings (a fake tokenizer:
one id per character, the markers as <P>, <S> and <M>)."""

from __future__ import annotations

from collections.abc import Sequence

from hushcode.documents.history import DocumentHistory
from hushcode.nextedit.prompt import MAX_DIFF_CHARS, diff_text, draft, draft_line, implied_line, lay_out
from hushcode.nextedit.region import choose_region
from hushcode.syntax.languages import LANGUAGES
from tests.unit.fake_engine import MARKERS

PY = LANGUAGES["python"]
SOURCE = "import math\n\n\ndef area(w, h):\n    s = w * h\n    return s + w\n\n\ndef other(w):\n    return w\n"
NAMES = {MARKERS.prefix: "<P>", MARKERS.suffix: "<S>", MARKERS.middle: "<M>", 9: "<BOS>"}


def tokenize(texts: Sequence[str]) -> list[list[int]]:
    return [[1000 + ord(c) for c in text] for text in texts]


def render(ids: Sequence[int]) -> str:
    return "".join(NAMES.get(i) or chr(i - 1000) for i in ids)


# the header's diff of `edited()`'s two edits, as both prompt shapes start
EDITS = ("# Recent edits to geo/area.py, oldest first:\n"
         "# --- a/geo/area.py\n"
         "# +++ b/geo/area.py\n"
         "# @@ -1,1 +1,1 @@\n"
         "# -import math\n"
         "# +import cmath\n"
         "# @@ -4,1 +4,1 @@\n"
         "# -def area(w, h):\n"
         "# +def area(width, h):\n")


def edited() -> DocumentHistory:
    history = DocumentHistory(SOURCE)
    history.update(SOURCE.replace("import math", "import cmath"), 0.0)
    history.update(history.text.replace("area(w,", "area(width,"), 10.0)
    return history


def test_the_prompt_is_a_fim_over_the_region_after_the_edits_and_the_region_as_it_is() -> None:
    history = edited()
    text = history.text
    region = choose_region(text, text.index("width") + 5, PY, history.hunks[-1])
    texts = draft(text, region, history.hunks, "geo/area.py", PY)
    assert texts.region == "def area(width, h):\n    s = w * h\n    return s + w\n"
    assert render(lay_out(tokenize(texts.texts()), MARKERS, 9)) == (
        "<BOS><P>"
        + EDITS +
        "#\n"
        "# Lines 4-6 of geo/area.py as they are now (to be rewritten in place):\n"
        "# def area(width, h):\n"
        "#     s = w * h\n"
        "#     return s + w\n"
        "import cmath\n\n\n"
        "<S>"
        "\n\ndef other(w):\n    return w\n"
        "<M>")


def test_a_line_the_rename_implies_is_a_fim_over_that_lines_code() -> None:
    history = edited()
    text = history.text
    region = choose_region(text, text.index("width") + 5, PY, history.hunks[-1])
    assert region.implied == (4, 5)  # `s = w * h` and `return s + w` still use `w`
    code = implied_line(text, 4)
    assert text[code[0]:code[1]] == "s = w * h"
    texts = draft_line(text, code, history.hunks, "geo/area.py", PY)
    assert texts.region == "s = w * h"
    assert render(lay_out(tokenize(texts.texts()), MARKERS, 9)) == (
        "<BOS><P>"
        + EDITS +
        "import cmath\n\n\ndef area(width, h):\n    "
        "<S>"
        "\n    return s + w\n\n\ndef other(w):\n    return w\n"
        "<M>")


def test_without_edits_the_header_holds_the_region_alone_in_the_languages_comments() -> None:
    text = "int add(int a, int b) {\n  return a + b;\n}\n"
    region = choose_region(text, 0, LANGUAGES["c"], None)
    texts = draft(text, region, (), "add.c", LANGUAGES["c"])
    assert render(lay_out(tokenize(texts.texts()), MARKERS, None)) == (
        "<P>"
        "// Lines 1-3 of add.c as they are now (to be rewritten in place):\n"
        "// int add(int a, int b) {\n"
        "//   return a + b;\n"
        "// }\n"
        "<S><M>")


def test_budgets_keep_the_end_of_the_prefix_and_the_start_of_the_suffix() -> None:
    parts = [[1000 + ord("h")], tokenize(["abcdef"])[0], tokenize(["uvwxyz"])[0], []]
    assert render(lay_out(parts, MARKERS, None, prefix_tokens=2, suffix_tokens=3)) == "<P>hef<S>uvw<M>"


def test_whole_line_insertions_and_the_diffs_size() -> None:
    history = DocumentHistory("a = 1\nb = 2\n")
    history.update("a = 1\nx = 0\nb = 2\n", 0.0)
    assert diff_text(history.text, history.hunks, "m.py") == ["--- a/m.py", "+++ b/m.py", "@@ -2,0 +2,1 @@",
                                                              "+x = 0"]
    history = DocumentHistory("")
    for i in range(8):
        history.update(history.text + f"v{i} = '{'x' * 900}'\n", i * 10.0)
    lines = diff_text(history.text, history.hunks, "m.py")
    assert sum(len(line) + 1 for line in lines) <= MAX_DIFF_CHARS + 100
    assert lines[-1].startswith("+v7 = ") and not any(line.startswith("+v0") for line in lines)  # newest kept
