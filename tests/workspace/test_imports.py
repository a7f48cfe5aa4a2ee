"""Import resolution: Python absolute, relative, `__init__` re-exports and src layouts; JS/TS ES
modules; C includes, Java, Rust."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushcode.workspace.imports import resolve_import
from hushcode.workspace.index import WorkspaceIndex
from hushcode.workspace.lookup import find_definition
from hushcode.workspace.outline import Import

ROOT = Path("/ws")


def exists_in(*relative: str):  # type: ignore[no-untyped-def]
    files = {ROOT / r for r in relative}
    return files.__contains__


def imp(module: str, level: int = 0, names: tuple[tuple[str, str | None], ...] = ()) -> Import:
    return Import(module, names, None, level, 0)


PY_FILES = exists_in("app/__init__.py", "app/models.py", "app/api/__init__.py", "app/api/views.py",
                     "app/util/__init__.py", "src/lib/core.py", "src/lib/__init__.py", "tools/run.py",
                     "stubs/typed.pyi")

PYTHON_CASES = [
    ("absolute module", imp("app.models"), "app/api/views.py", "app/models.py"),
    ("absolute package", imp("app.util"), "tools/run.py", "app/util/__init__.py"),
    ("relative level 1", imp("views", 1), "app/api/__init__.py", "app/api/views.py"),
    ("relative level 2", imp("models", 2), "app/api/views.py", "app/models.py"),
    ("relative package itself", imp("", 1), "app/api/views.py", "app/api/__init__.py"),
    ("relative parent package", imp("", 2), "app/api/views.py", "app/__init__.py"),
    ("src layout", imp("lib.core"), "tools/run.py", "src/lib/core.py"),
    ("a stub file", imp("stubs.typed"), "tools/run.py", "stubs/typed.pyi"),
    ("a library", imp("numpy.linalg"), "tools/run.py", None),
    ("relative, missing", imp("nothing", 1), "app/models.py", None),
]


@pytest.mark.parametrize(("case", "spec", "importer", "expected"), PYTHON_CASES, ids=[c[0] for c in PYTHON_CASES])
def test_python(case: str, spec: Import, importer: str, expected: str | None) -> None:
    found = resolve_import(spec, ROOT / importer, "python", [ROOT], PY_FILES)
    assert found == (ROOT / expected if expected else None)


JS_FILES = exists_in("src/app.ts", "src/util/index.ts", "src/util/format.js", "src/ui/Button.tsx",
                     "src/legacy.mjs", "src/types.d.ts", "src/esm.ts", "lib/helpers.jsx")

JS_CASES = [
    ("extension added", "./ui/Button", "src/app.ts", "src/ui/Button.tsx"),
    ("folder index", "./util", "src/app.ts", "src/util/index.ts"),
    ("parent folder", "../../lib/helpers", "src/ui/Button.tsx", "lib/helpers.jsx"),
    ("explicit extension", "./format.js", "src/util/index.ts", "src/util/format.js"),
    ("TypeScript .js means .ts", "./esm.js", "src/app.ts", "src/esm.ts"),
    ("mjs", "./legacy", "src/app.ts", "src/legacy.mjs"),
    ("declaration file", "./types", "src/app.ts", "src/types.d.ts"),
    ("a package", "react", "src/app.ts", None),
    ("missing", "./nothing", "src/app.ts", None),
]


@pytest.mark.parametrize(("case", "spec", "importer", "expected"), JS_CASES, ids=[c[0] for c in JS_CASES])
def test_javascript_and_typescript(case: str, spec: str, importer: str, expected: str | None) -> None:
    language = "tsx" if importer.endswith(".tsx") else "typescript"
    found = resolve_import(imp(spec), ROOT / importer, language, [ROOT], JS_FILES)
    assert found == (ROOT / expected if expected else None)


def test_c_java_rust() -> None:
    c_files = exists_in("src/geo.c", "src/geo.h", "include/shape.h")
    assert resolve_import(imp("geo.h"), ROOT / "src/geo.c", "c", [ROOT], c_files) == ROOT / "src/geo.h"
    assert resolve_import(imp("shape.h"), ROOT / "src/geo.c", "cpp", [ROOT], c_files) == ROOT / "include/shape.h"
    assert resolve_import(imp("stdio.h"), ROOT / "src/geo.c", "c", [ROOT], c_files) is None
    java = exists_in("src/main/java/com/ex/geo/Point.java", "src/main/java/com/ex/App.java")
    found = resolve_import(imp("com.ex.geo.Point"), ROOT / "src/main/java/com/ex/App.java", "java", [ROOT], java)
    assert found == ROOT / "src/main/java/com/ex/geo/Point.java"
    rust = exists_in("src/main.rs", "src/shapes/mod.rs", "src/shapes/circle.rs", "src/util.rs")
    assert resolve_import(imp("util"), ROOT / "src/main.rs", "rust", [ROOT], rust) == ROOT / "src/util.rs"
    assert resolve_import(imp("crate::shapes::circle"), ROOT / "src/util.rs", "rust", [ROOT], rust) \
        == ROOT / "src/shapes/circle.rs"
    assert resolve_import(imp("crate::shapes"), ROOT / "src/util.rs", "rust", [ROOT], rust) == ROOT / "src/shapes/mod.rs"
    assert resolve_import(imp("super::util"), ROOT / "src/shapes/mod.rs", "rust", [ROOT], rust) == ROOT / "src/util.rs"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_reexports_are_followed(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "from .shapes import Circle\nfrom .more import *\n",
        "pkg/shapes/__init__.py": "from ._circle import Circle as Circle\n",
        "pkg/shapes/_circle.py": "class Circle:\n    pass\n",
        "pkg/more.py": "def helper():\n    return 1\n",
        "web/index.ts": "export { format as fmt } from './format';\nexport * from './dates';\n",
        "web/format.ts": "export function format(x: number): string { return String(x); }\n",
        "web/dates.ts": "export const today = () => new Date();\n",
    })
    index = WorkspaceIndex([tmp_path])
    index.build()
    circle = find_definition(index, tmp_path / "pkg/__init__.py", "Circle")
    assert circle is not None and circle[0] == tmp_path / "pkg/shapes/_circle.py" and circle[1].kind == "class"
    helper = find_definition(index, tmp_path / "pkg/__init__.py", "helper")
    assert helper is not None and helper[0] == tmp_path / "pkg/more.py"
    fmt = find_definition(index, tmp_path / "web/index.ts", "fmt")
    assert fmt is not None and fmt[1].name == "format"
    today = find_definition(index, tmp_path / "web/index.ts", "today")
    assert today is not None and today[0] == tmp_path / "web/dates.ts"
    assert find_definition(index, tmp_path / "web/index.ts", "missing") is None


def test_a_reexport_cycle_ends(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": "from b import x\n", "b.py": "from a import x\n"})
    index = WorkspaceIndex([tmp_path])
    index.build()
    assert find_definition(index, tmp_path / "a.py", "x") is None
