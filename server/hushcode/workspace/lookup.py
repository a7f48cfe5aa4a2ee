"""From a name used in a file to its definition in another file, through the index.

A file's imports bind local names (`from .geo import area as a` binds `a`; `import * as ns`
binds `ns` to a module). `find_definition` looks a name up in a module file and, when the file
only re-exports it (`from .mod import name` in an `__init__.py`, `export { x } from "./x"`,
wildcards), follows the chain a few steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hushcode.syntax.languages import LANGUAGES

from .imports import resolve_import, resolve_submodule
from .outline import Definition, Import, Outline

MAX_HOPS = 4  # re-export chains longer than this are rare, and a cycle must end
MAX_MEMBERS = 20


class IndexView(Protocol):
    """What lookup needs from the index (the index implements it; tests may fake it)."""

    @property
    def roots(self) -> tuple[Path, ...]: ...
    def __contains__(self, path: object) -> bool: ...
    def outline_of(self, path: Path) -> Outline | None: ...


@dataclass(frozen=True, slots=True)
class Binding:
    local: str  # the name as used in the file
    name: str | None  # the imported name; None when the local name stands for the module
    imp: Import


def bindings(outline: Outline) -> tuple[dict[str, Binding], list[Import]]:
    """The names a file's imports bind, and its wildcard imports (`*`, C/C++ includes)."""
    bound: dict[str, Binding] = {}
    wildcards: list[Import] = []
    for imp in outline.imports:
        for name, alias in imp.names:
            if name == "*":
                wildcards.append(imp)
            else:
                bound.setdefault(alias or name, Binding(alias or name, name, imp))
        if imp.alias:
            bound.setdefault(imp.alias, Binding(imp.alias, None, imp))
        elif not imp.names and imp.module:
            if outline.language in ("c", "cpp"):
                wildcards.append(imp)  # an include brings in every name of the header
            else:  # `import a.b` binds `a.b`; Go's `import "x/y"` binds `y`
                local = imp.module.rsplit("/", 1)[-1] if "/" in imp.module else imp.module
                bound.setdefault(local, Binding(local, None, imp))
    return bound, wildcards


def resolve(index: IndexView, imp: Import, importer: Path, language: str) -> Path | None:
    return resolve_import(imp, importer, language, index.roots, index.__contains__)


def find_definition(index: IndexView, path: Path, name: str, hops: int = 0) -> tuple[Path, Definition] | None:
    """The top-level definition of `name` in the module file `path`, following re-exports."""
    outline = index.outline_of(path)
    if outline is None:
        return None
    found = _own_definition(outline, name)
    if found is not None:
        return path, found
    if hops >= MAX_HOPS:
        return None
    for imp in outline.imports:
        for imported, alias in imp.names:
            if imported != "*" and (alias or imported) == name:
                target = resolve(index, imp, path, outline.language)
                hit = find_definition(index, target, imported, hops + 1) if target is not None else None
                if hit is not None:
                    return hit
    for imp in outline.imports:
        if ("*", None) in imp.names:
            target = resolve(index, imp, path, outline.language)
            hit = find_definition(index, target, name, hops + 1) if target is not None else None
            if hit is not None:
                return hit
    return None


def find_module(index: IndexView, binding: Binding, importer: Path, language: str) -> Path | None:
    """The module file a binding stands for: `import a.b as m`, or `from pkg import mod`."""
    if binding.name is None:
        return resolve(index, binding.imp, importer, language)
    return resolve_submodule(binding.imp, binding.name, importer, language, index.roots, index.__contains__)


def _own_definition(outline: Outline, name: str) -> Definition | None:
    candidates = [d for d in outline.definitions if d.parent is None]
    if name == "default":  # `import x from "./m"`: whatever `export default` names
        return next((d for d in candidates if d.signature.startswith("export default")), None)
    named = [d for d in candidates if d.name == name]
    # Prefer a definition with a body over a prototype or a forward declaration.
    named.sort(key=lambda d: (d.kind == "constant", not d.text and d.signature.endswith(";")))
    return named[0] if named else None


def render(definition: Definition, outline: Outline) -> str:
    """A definition as the model should see it: whole when small; else its signature, doc and,
    for a class, its members' signatures, with the body elided."""
    doc_before = definition.doc and not definition.doc_inside
    if definition.text:
        return f"{definition.doc}\n{definition.text}" if doc_before else definition.text
    indented = LANGUAGES[outline.language].indentation_scoped
    lines = [definition.doc] if doc_before else []
    lines.append(_dedent(definition.signature, definition.indent))
    inner = " " * 4
    if definition.doc_inside:
        lines.append(_reindent(definition.doc, inner))
    members = [m for m in outline.definitions if m.parent == definition.name
               and definition.start_byte < m.start_byte < definition.end_byte][:MAX_MEMBERS]
    if indented:
        lines += [_reindent(_member(m, " ..."), inner) for m in members] or [inner + "..."]
        return "\n".join(lines)
    if not members:
        lines[-1] += " { ... }"
        return "\n".join(lines)
    lines[-1] += " {"
    lines += [_reindent(_member(m, ";"), inner) for m in members]
    return "\n".join([*lines, "}"])


def _member(member: Definition, end: str) -> str:
    signature = _dedent(member.signature, member.indent)
    if member.doc_inside or not member.doc or len(member.doc) > 200:
        head = ""
    else:
        head = member.doc + "\n"
    return head + signature + ("" if signature.endswith(";") else end)


def _dedent(text: str, indent: int) -> str:
    """Later lines of a signature keep their file indentation; remove the first line's."""
    first, *rest = text.split("\n")
    return "\n".join([first, *(line[indent:] if line[:indent].isspace() else line.lstrip() for line in rest)])


def _reindent(text: str, prefix: str) -> str:
    lines = text.split("\n")
    # The first line of a doc starts at its node; later lines keep the file's indentation.
    widths = [len(x) - len(x.lstrip()) for x in lines[1:] if x.strip()]
    cut = min(widths) if widths else 0
    return "\n".join([prefix + lines[0], *(prefix + x[cut:] if x.strip() else "" for x in lines[1:])])
