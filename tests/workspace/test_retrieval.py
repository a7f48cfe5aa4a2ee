"""Retrieval: imported definitions first, similar code, recent edits, the local window left out,
the budget kept, the order deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushcode.workspace.edits import RecentEdits
from hushcode.workspace.index import WorkspaceIndex
from hushcode.workspace.related import related_files
from hushcode.workspace.retrieval import Snippet, current_outline, fit, retrieve, used_names
from hushcode.workspace.similar import STRONG_SIMILAR
from hushcode.workspace.snippet import RetrievalSettings

GEOMETRY = '''\
"""Geometry helpers."""


def rectangle_area(width: float, height: float) -> float:
    """The area of a width x height rectangle."""
    return width * height


def unrelated(x):
    return x
'''

SHAPES = '''\
class Polygon:
    """A polygon with equal sides."""

    def __init__(self, sides: int, length: float) -> None:
        self.sides = sides
        self.length = length

    def perimeter(self) -> float:
        """The sum of the sides."""
        return self.sides * self.length

    def scaled(self, factor: float) -> "Polygon":
        return Polygon(self.sides, self.length * factor)

    def describe(self) -> str:
        return f"{self.sides} sides of {self.length}"
'''

REPORT = '''\
from .geometry import rectangle_area
from .shapes import Polygon as Poly
from . import geometry


def report(rooms):
    total = 0.0
    for width, height in rooms:
        total += rectangle_area(width, height)
    fence = Poly(4, 2.0)
    return total + fence.'''

SIMILAR = '''\
def summarize(rooms):
    total = 0.0
    for width, height in rooms:
        total += width * height
    return total
'''


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, WorkspaceIndex]:
    root = tmp_path.resolve()
    for name, text in {"app/__init__.py": "", "app/geometry.py": GEOMETRY, "app/shapes.py": SHAPES,
                       "app/report.py": REPORT, "app/other.py": SIMILAR}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    index = WorkspaceIndex([root])
    index.build()
    return root, index


def window_of(text: str, lines: int) -> tuple[int, int]:
    """The last `lines` lines of `text` as the local window."""
    start = len(text)
    for _ in range(lines):
        start = text.rfind("\n", 0, start)
    return max(start, 0), len(text)


def test_the_imported_definition_comes_first(workspace: tuple[Path, WorkspaceIndex]) -> None:
    root, index = workspace
    snippets = retrieve(index, root / "app/report.py", REPORT, len(REPORT), 4000, window_of(REPORT, 6))
    definitions = [s for s in snippets if s.kind == "definition"]
    assert [s.path for s in definitions][:2] == ["app/shapes.py", "app/geometry.py"]  # Poly is nearer
    # only a strongly similar window (the sibling module app/other.py) may come before them
    ahead = snippets[:snippets.index(definitions[0])]
    assert all(s.kind == "similar" and s.score >= STRONG_SIMILAR for s in ahead)
    polygon, area = definitions[0].text, definitions[1].text
    assert polygon.startswith("class Polygon:") and '"""A polygon with equal sides."""' in polygon
    assert "def perimeter(self) -> float: ..." in polygon and "return self.sides" not in polygon  # big: elided
    assert area.startswith("def rectangle_area(width: float, height: float) -> float:")
    assert "return width * height" in area  # small: whole
    assert not any("unrelated" in s.text for s in definitions)


def test_module_attribute_use(workspace: tuple[Path, WorkspaceIndex]) -> None:
    root, index = workspace
    text = "from . import geometry\n\n\ndef g():\n    return geometry.unrelated(1) + "
    snippets = retrieve(index, root / "app/x.py", text, len(text), 4000, (0, len(text)))
    assert [s.text.split("\n")[0] for s in snippets if s.kind == "definition"] == ["def unrelated(x):"]


def test_similar_code_from_open_files(workspace: tuple[Path, WorkspaceIndex]) -> None:
    root, index = workspace
    index.set_open_document(root / "app/other.py", SIMILAR)
    index.set_open_document(root / "app/report.py", REPORT)
    snippets = retrieve(index, root / "app/report.py", REPORT, len(REPORT), 4000, window_of(REPORT, 3))
    similar = [s for s in snippets if s.kind == "similar"]
    assert similar and similar[0].path == "app/other.py" and similar[0].text.startswith("def summarize")
    assert all(s.kind != "similar" or s.path != "app/report.py" or s.line + 20 < 9 for s in snippets)


def test_local_window_text_is_never_returned(workspace: tuple[Path, WorkspaceIndex]) -> None:
    root, index = workspace
    text = SIMILAR + "\n\n" + REPORT  # the similar function now stands in the local window itself
    index.set_open_document(root / "app/other.py", SIMILAR)
    snippets = retrieve(index, root / "app/report.py", text, len(text), 4000, (0, len(text)))
    window = text
    assert snippets and all(s.text.strip() not in window for s in snippets)
    assert not any(s.kind == "similar" and s.text.startswith("def summarize") for s in snippets)


def test_budget_is_respected(workspace: tuple[Path, WorkspaceIndex]) -> None:
    root, index = workspace
    index.set_open_document(root / "app/other.py", SIMILAR)
    full = retrieve(index, root / "app/report.py", REPORT, len(REPORT), 10_000, window_of(REPORT, 3))
    for budget in (0, 50, 200, 400, 700):
        got = retrieve(index, root / "app/report.py", REPORT, len(REPORT), budget, window_of(REPORT, 3))
        assert sum(len(s.text) + len(s.path) + 16 for s in got) <= budget
        assert all(s in full for s in got)
    assert retrieve(index, root / "app/report.py", REPORT, len(REPORT), 0, (0, 0)) == []


def test_order_is_deterministic(workspace: tuple[Path, WorkspaceIndex]) -> None:
    root, index = workspace
    index.set_open_document(root / "app/other.py", SIMILAR)
    runs = {tuple(retrieve(index, root / "app/report.py", REPORT, len(REPORT), 4000, window_of(REPORT, 3)))
            for _ in range(3)}
    assert len(runs) == 1


def test_recent_edits_in_other_files(workspace: tuple[Path, WorkspaceIndex]) -> None:
    root, index = workspace
    edits = RecentEdits()
    edits.record((root / "app/shapes.py").as_uri(), 15, 15, "        return f\"{self.sides} sides\"")
    edits.record((root / "app/report.py").as_uri(), 3, 3, "x")  # the current file: not an "edit" snippet
    snippets = retrieve(index, root / "app/report.py", REPORT, len(REPORT), 4000, window_of(REPORT, 3),
                        edits.regions())
    found = [s for s in snippets if s.kind == "edit"]
    assert [s.path for s in found] == ["app/shapes.py"]
    assert "def describe(self) -> str:" in found[0].text


def test_typescript_imports_are_followed(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    (root / "src").mkdir()
    (root / "src/format.ts").write_text(
        "/** Pads a number. */\nexport function pad(n: number, width: number): string {\n"
        "  return String(n).padStart(width, '0');\n}\n")
    (root / "src/index.ts").write_text("export { pad as zeroPad } from './format';\n")
    text = "import { zeroPad } from './index';\n\nexport const stamp = (h: number) => zeroPad("
    index = WorkspaceIndex([root])
    index.build()
    snippets = retrieve(index, root / "src/clock.ts", text, len(text), 4000, (0, len(text)))
    assert snippets[0].path == "src/format.ts"
    assert snippets[0].text.startswith("/** Pads a number. */\nexport function pad(n: number, width: number)")


def test_go_finds_definitions_in_the_same_package(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    (root / "geo.go").write_text("package geo\n\n// Abs is |x|.\nfunc Abs(x int) int {\n\tif x < 0 {\n"
                                 "\t\treturn -x\n\t}\n\treturn x\n}\n")
    text = "package geo\n\nfunc Dist(a, b int) int {\n\treturn Abs("
    index = WorkspaceIndex([root])
    index.build()
    snippets = retrieve(index, root / "dist.go", text, len(text), 4000, (0, len(text)))
    assert snippets[0].path == "geo.go" and snippets[0].text.startswith("// Abs is |x|.\nfunc Abs(x int) int")


COPIED = "if self._loop.get_debug():\n    logger.debug('%r pauses reading', self._pipe, self._fileno)"


def test_fit_prefers_strong_similar_then_definitions_then_similar_then_edits() -> None:
    candidates = [Snippet("b", "edit text", "edit", 1.0), Snippet("a", "similar text", "similar", 0.2),
                  Snippet("c", "def f(): ...", "definition", 3.0), Snippet("d", "def g(): ...", "definition", 4.0),
                  Snippet("e", COPIED, "similar", 0.6, strong=True), Snippet("f", "from x import y", "similar", 0.9)]
    # a strong window goes first; a close one that similar.py did not call strong (few identifiers:
    # an import line, see the TypeScript test) keeps its kind's place
    assert [s.path for s in fit(candidates, 1000)] == ["e", "d", "c", "f", "a", "b"]
    assert [s.path for s in fit(candidates, 130)] == ["e"]


LOG = "import logging\n\nlogger = logging.getLogger('net')\n"
UNIX = """from .log import logger
from . import transports


class PipeReader(transports.ReadTransport):
    def pause_reading(self):
        if self._closing or self._paused:
            return
        self._paused = True
        self._loop._remove_reader(self._fileno)
        if self._loop.get_debug():
            logger.debug("%r pauses reading", self)

    def resume_reading(self):
        if self._closing or not self._paused:
            return
        self._paused = False
        self._loop._add_reader(self._fileno, self._read_ready)
        if self._loop.get_debug():
            logger.debug("%r resumes reading", self)
"""
# the sibling module being written: the same start, and the cursor where unix.py logs the pause
PROACTOR = (UNIX[:UNIX.index("        self._loop._remove_reader")].replace("PipeReader", "ReadPipe")
            + "        if self._loop.get_debug():\n            ")


@pytest.fixture
def siblings(tmp_path: Path) -> tuple[Path, WorkspaceIndex]:
    root = tmp_path.resolve()
    files = {"net/__init__.py": "", "net/log.py": LOG, "net/transports.py": "class ReadTransport:\n    pass\n",
             "net/unix.py": UNIX, "net/proactor.py": PROACTOR, "net/notes.md": UNIX,
             "other/unix_copy.py": UNIX}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    index = WorkspaceIndex([root])
    index.build()
    return root, index


def test_similar_code_from_a_sibling_module_that_is_not_open(siblings: tuple[Path, WorkspaceIndex]) -> None:
    """The line being written is the sibling module's: retrieval finds it without the user having
    opened that module, and puts it ahead of the imported definitions."""
    root, index = siblings
    here = root / "net/proactor.py"
    snippets = retrieve(index, here, PROACTOR, len(PROACTOR), 1200, window_of(PROACTOR, 4))
    assert snippets[0].kind == "similar" and snippets[0].path == "net/unix.py"
    assert 'logger.debug("%r pauses reading", self)' in snippets[0].text
    # without the related files, nothing but the imported definitions (no file is open)
    alone = retrieve(index, here, PROACTOR, len(PROACTOR), 1200, window_of(PROACTOR, 4),
                     settings=RetrievalSettings(related_files=0))
    assert alone and all(s.kind == "definition" for s in alone)


def test_related_files_are_imports_then_neighbours(siblings: tuple[Path, WorkspaceIndex]) -> None:
    root, index = siblings
    here = root / "net/proactor.py"
    outline = current_outline(index, here, PROACTOR)
    related = related_files(index, index.files_in(here.parent), here, outline, 10)
    # imported modules first, in import order; then the same folder's Python files, those that
    # share the most imports first; never the file itself, another folder, or another language
    assert related[:2] == [root / "net/log.py", root / "net/transports.py"]
    assert related[2:] == [root / "net/unix.py", root / "net/__init__.py"]
    assert related_files(index, index.files_in(here.parent), here, outline, 3) == related[:3]
    assert related_files(index, index.files_in(here.parent), here, None, 10) == []


def test_used_names_nearest_first() -> None:
    text = "a = load()\nb = geo.area(a)\nc = "
    assert used_names(text, len(text), 40)[:3] == ["c", "a", "geo.area"]


def test_recent_edits_merge_shift_and_stay_bounded(tmp_path: Path) -> None:
    edits = RecentEdits(max_regions=3, merge_lines=2)
    f, g = tmp_path / "f.py", tmp_path / "g.py"
    edits.record(f, 10, 10, "x")
    edits.record(f, 11, 11, "y")  # next to the first: merged
    assert [(r.start_line, r.end_line) for r in edits.regions()] == [(10, 11)]
    edits.record(f, 2, 2, "a\nb\nc")  # two lines added above: the region moves down
    assert [(r.start_line, r.end_line) for r in edits.regions()] == [(2, 4), (12, 13)]
    for line in (50, 60, 70):
        edits.record(g, line, line, "z")
    assert len(edits.regions()) == 3 and {r.path for r in edits.regions()} == {g}
    edits.record_full(f, "a\nb\nc\n", "a\nB\nc\n")
    assert (edits.regions()[0].path, edits.regions()[0].start_line) == (f, 1)
    edits.forget(g)
    assert {r.path for r in edits.regions()} == {f}


def test_c_includes_bring_in_the_header_prototypes(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    (root / "geo.h").write_text("/* Manhattan distance. */\nint distance(int ax, int ay, int bx, int by);\n")
    text = '#include <stdio.h>\n#include "geo.h"\n\nint main(void) {\n    return distance('
    index = WorkspaceIndex([root])
    index.build()
    snippets = retrieve(index, root / "main.c", text, len(text), 4000, (0, len(text)))
    assert [(s.path, s.text) for s in snippets] == [
        ("geo.h", "/* Manhattan distance. */\nint distance(int ax, int ay, int bx, int by);")]
