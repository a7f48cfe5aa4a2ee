"""Resolve an import to the workspace file it names.

Pure functions: the caller passes `exists`, usually "is this path in the index", so resolution never
touches the disk and never leaves the workspace (a package from PyPI or npm resolves to nothing).

- Python: absolute (`a.b.c` -> `a/b/c.py` or `a/b/c/__init__.py`, from the importer's top package,
  each root, or a `src/` layout) and relative (`from ..x import y`, by level).
- JavaScript/TypeScript ES modules: `./x`, `../y/z`, with the usual extensions, `/index.*`, and
  TypeScript's `./x.js` that means `./x.ts`.
- C/C++ `#include "x.h"`, Java `import a.b.C`, Rust `mod m;` and `use crate::a::b`.
Go imports name packages (folders), not files; the same-folder lookup in retrieval covers Go.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .outline import Import

Exists = Callable[[Path], bool]

PYTHON_SUFFIXES = (".py", ".pyi")
JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
# TypeScript in ESM mode imports `./x.js` to mean the file that compiles to it.
JS_TO_TS = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}


def resolve_import(imp: Import, importer: Path, language: str, roots: Sequence[Path],
                   exists: Exists) -> Path | None:
    """The workspace file an import statement names, or None (a library, or not found)."""
    resolver = _RESOLVERS.get(language)
    return resolver(imp.module, imp.level, importer, roots, exists) if resolver else None


def resolve_submodule(imp: Import, name: str, importer: Path, language: str, roots: Sequence[Path],
                      exists: Exists) -> Path | None:
    """`from pkg import mod`: the name may be a module of its own (Python, Rust)."""
    if language == "python":
        module = f"{imp.module}.{name}" if imp.module else name
        return resolve_python(module, imp.level, importer, roots, exists)
    if language == "rust":
        return resolve_rust(f"{imp.module}::{name}", 0, importer, roots, exists)
    return None


def resolve_python(module: str, level: int, importer: Path, roots: Sequence[Path],
                   exists: Exists) -> Path | None:
    parts = [p for p in module.split(".") if p]
    if level > 0:
        base = importer.parent
        for _ in range(level - 1):
            base = base.parent
        return _python_module(base, parts, exists)
    for base in _python_bases(importer, roots, exists):
        found = _python_module(base, parts, exists)
        if found is not None:
            return found
    return None


def _python_module(base: Path, parts: list[str], exists: Exists) -> Path | None:
    target = base.joinpath(*parts)
    candidates = [target.with_name(target.name + s) for s in PYTHON_SUFFIXES] if parts else []
    candidates += [target / f"__init__{s}" for s in PYTHON_SUFFIXES]
    return _first(candidates, exists)


def _python_bases(importer: Path, roots: Sequence[Path], exists: Exists) -> list[Path]:
    """Where absolute imports start: the folder above the importer's top package (what
    `sys.path` would hold when running it), each root, and each root's `src/`."""
    top = importer.parent
    while any(exists(top / f"__init__{s}") for s in PYTHON_SUFFIXES) and top.parent != top:
        top = top.parent
    bases = [top, *roots, *(r / "src" for r in roots)]
    return list(dict.fromkeys(bases))


def resolve_js(spec: str, level: int, importer: Path, roots: Sequence[Path], exists: Exists) -> Path | None:
    if not spec.startswith((".", "/")):
        return None  # a package from node_modules
    base = Path(os.path.normpath(importer.parent / spec))
    candidates = [base]
    for js, ts_suffixes in JS_TO_TS.items():
        if base.name.endswith(js):
            stem = base.name[: -len(js)]
            candidates += [base.with_name(stem + s) for s in ts_suffixes]
    candidates += [base.with_name(base.name + ext) for ext in JS_EXTENSIONS]
    candidates += [base / f"index{ext}" for ext in JS_EXTENSIONS]
    return _first(candidates, exists)


def resolve_include(spec: str, level: int, importer: Path, roots: Sequence[Path], exists: Exists) -> Path | None:
    bases = [importer.parent, *roots, *(r / "include" for r in roots)]
    return _first((Path(os.path.normpath(b / spec)) for b in bases), exists)


def resolve_java(module: str, level: int, importer: Path, roots: Sequence[Path], exists: Exists) -> Path | None:
    relative = Path(*module.split(".")).with_suffix(".java") if module else None
    if relative is None:
        return None
    # The importer's own source root is one of its ancestors (the folder above its package path).
    bases = [*importer.parents, *(r / "src" / "main" / "java" for r in roots)]
    return _first((b / relative for b in bases), exists)


def resolve_rust(module: str, level: int, importer: Path, roots: Sequence[Path], exists: Exists) -> Path | None:
    parts = module.split("::")
    if parts[0] == "crate":
        crate = next((p for p in importer.parents if p.name == "src"), importer.parent)
        base, parts = crate, parts[1:]
    elif parts[0] in ("super", "self"):
        base = _rust_module_dir(importer)
        while parts and parts[0] in ("super", "self"):
            base = base.parent if parts[0] == "super" else base
            parts = parts[1:]
    else:  # `mod m;` or a path relative to the current module
        base = _rust_module_dir(importer)
    # The last parts may name items, not modules: try the longest module path first.
    for end in range(len(parts), 0, -1):
        target = base.joinpath(*parts[:end])
        found = _first([target.with_suffix(".rs"), target / "mod.rs"], exists)
        if found is not None:
            return found
    return None


def _rust_module_dir(importer: Path) -> Path:
    """Where a file's child modules live: beside `mod.rs`/`lib.rs`/`main.rs`, else in `name/`."""
    if importer.name in ("mod.rs", "lib.rs", "main.rs"):
        return importer.parent
    return importer.with_suffix("")


def _first(candidates: Iterable[Path], exists: Exists) -> Path | None:
    return next((c for c in candidates if exists(c)), None)


_RESOLVERS: dict[str, Callable[[str, int, Path, Sequence[Path], Exists], Path | None]] = {
    "python": resolve_python, "javascript": resolve_js, "typescript": resolve_js, "tsx": resolve_js,
    "c": resolve_include, "cpp": resolve_include, "java": resolve_java, "rust": resolve_rust,
}
