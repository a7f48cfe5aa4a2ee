"""The outline of one source file: its definitions, imports and top-level names.

Everything language-specific lives in the query files under `queries/` (one per language,
tags-style captures, see `queries/python.scm`). This module only reads the captures, so adding a
language is a query file and a row in `hushcode.syntax.languages`.

An outline keeps no tree and no full text: the index holds thousands of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import tree_sitter as ts

from hushcode.syntax.languages import LANGUAGES, grammar

# Kinds whose members get a parent (methods of a class, functions of an impl block).
CONTAINER_KINDS = frozenset({"class", "struct", "interface", "trait", "enum", "scope"})
FUNCTION_KINDS = frozenset({"function", "method"})
# Nodes that wrap a definition without being one; the signature and the leading comment start
# at the wrapper (`export function f`, `@decorator def f`, `template <T> T f`).
WRAPPERS = frozenset({"export_statement", "decorated_definition", "template_declaration",
                      "ambient_declaration", "const_declaration", "var_declaration", "type_declaration"})
DECORATIONS = frozenset({"decorator"})
SMALL_LINES = 15  # a definition this short is kept whole: retrieval can show its body
SMALL_BYTES = 800
DOC_LINES = 8
DOC_CHARS = 500
NO_BODY_CHARS = 240  # signature of a definition without a body (a constant, a type alias)
SIGNATURE_LINES = 12
SIGNATURE_CHARS = 600
# A doc cut short is closed again, so that the model does not read the code after it as text.
CLOSERS = (('"""', '"""'), ("'''", "'''"), ("/*", " */"))

_INHERITS = re.compile(r"^;\s*inherits:\s*([\w,\s]+)$", re.MULTILINE)
_QUOTES = "\"'`<>"


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    kind: str  # function, method, class, struct, interface, trait, enum, type, constant, macro
    signature: str  # from the start (decorators, `export`) to the body, or the first lines
    doc: str  # the docstring or the leading comment, as written (at most DOC_LINES lines)
    doc_inside: bool  # the doc stands inside the body (a Python docstring), else before it
    start_byte: int
    end_byte: int
    start_line: int  # 0-based
    end_line: int
    indent: int  # column of the first line: rendering re-indents members and docstrings
    parent: str | None  # the enclosing class/struct/impl, for methods and members
    text: str  # the whole definition when it is small, else ""


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # as written, without quotes or leading dots (Python's level is apart)
    names: tuple[tuple[str, str | None], ...]  # (imported name, local alias); "*" for a wildcard
    alias: str | None  # the module's own local name (`import a.b as m`, `import * as ns`)
    level: int  # Python relative level: 1 for `from .`, 2 for `from ..`
    line: int


@dataclass(frozen=True, slots=True)
class Outline:
    language: str
    definitions: tuple[Definition, ...]
    imports: tuple[Import, ...]
    top_level: tuple[str, ...]  # names defined at the top of the file, in order


def query_source(language: str) -> str:
    """The query text of a language, with the files it inherits from (`; inherits: c`) first."""
    text = resources.files(__package__).joinpath("queries", f"{language}.scm").read_text("utf-8")
    parents = [p.strip() for m in _INHERITS.finditer(text) for p in m.group(1).split(",") if p.strip()]
    return "\n".join([*(query_source(p) for p in parents), text])


@cache
def outline_query(language: str) -> ts.Query:
    """The compiled outline query (compiled once: it is immutable and shared by threads)."""
    return ts.Query(grammar(language), query_source(language))


@cache
def has_outline(language: str) -> bool:
    return resources.files(__package__).joinpath("queries", f"{language}.scm").is_file()


def outline(path: str, text: str | bytes, language: str) -> Outline:
    """Parse `text` and outline it. `path` is only used in error messages."""
    source = text.encode("utf-8") if isinstance(text, str) else text
    try:
        tree = ts.Parser(grammar(language)).parse(source)
    except (ValueError, KeyError) as exc:  # an unknown language: no outline, no crash
        raise ValueError(f"cannot outline {path}: {exc}") from exc
    return outline_tree(tree, source, language)


def outline_tree(tree: ts.Tree, source: bytes, language: str) -> Outline:
    """The outline of an already parsed tree."""
    matches = ts.QueryCursor(outline_query(language)).matches(tree.root_node)
    comments = LANGUAGES[language].comments
    raw: dict[tuple[int, str], tuple[int, str, dict[str, list[ts.Node]]]] = {}
    import_parts: list[tuple[ts.Node, dict[str, list[ts.Node]]]] = []
    for pattern, caps in matches:
        if "import" in caps:
            import_parts.append((caps["import"][0], caps))
            continue
        kind, node = _definition_capture(caps)
        if node is None or "name" not in caps:
            continue
        key = (node.id, _text(source, caps["name"][0]))
        # The first pattern wins: arrow-function constants are functions, not constants.
        if key not in raw or raw[key][0] > pattern:
            raw[key] = (pattern, kind, caps)
    definitions = _definitions(raw, source, comments)
    top = tuple(dict.fromkeys(d.name for d in definitions if d.parent is None))
    return Outline(language, definitions, _imports(import_parts, source), top)


def _definition_capture(caps: dict[str, list[ts.Node]]) -> tuple[str, ts.Node | None]:
    for name, nodes in caps.items():
        if name.startswith("definition."):
            return name.removeprefix("definition."), nodes[0]
        if name == "scope":
            return "scope", nodes[0]
    return "", None


def _definitions(raw: dict[tuple[int, str], tuple[int, str, dict[str, list[ts.Node]]]], source: bytes,
                 comments: frozenset[str]) -> tuple[Definition, ...]:
    """Build definitions, give members their parent, and drop what is local to a function."""
    by_node: dict[int, tuple[str, str]] = {}  # node id -> (kind, name), for the parent walk
    for (node_id, name), (_, kind, _caps) in raw.items():
        by_node.setdefault(node_id, (kind, name))
    result: list[Definition] = []
    for (node_id, name), (_, kind, caps) in raw.items():
        if kind == "scope":
            continue
        node = _node(caps)
        enclosing = _enclosing(node, by_node)
        if enclosing is not None and enclosing[0] in FUNCTION_KINDS:
            continue  # a local helper: no other file can use it
        parent = _short_name(_text(source, caps["parent"][0])) if "parent" in caps else None
        if enclosing is not None and enclosing[0] in CONTAINER_KINDS:
            parent = _short_name(enclosing[1])
            kind = "method" if kind == "function" else kind
        result.append(_definition(name, kind, parent, node, caps, source, comments))
    result.sort(key=lambda d: (d.start_byte, d.name))
    return tuple(result)


def _node(caps: dict[str, list[ts.Node]]) -> ts.Node:
    return next(nodes[0] for key, nodes in caps.items() if key.startswith("definition."))


def _enclosing(node: ts.Node, by_node: dict[int, tuple[str, str]]) -> tuple[str, str] | None:
    parent = node.parent
    while parent is not None:
        found = by_node.get(parent.id)
        if found is not None:
            return found
        parent = parent.parent
    return None


def _definition(name: str, kind: str, parent: str | None, node: ts.Node, caps: dict[str, list[ts.Node]],
                source: bytes, comments: frozenset[str]) -> Definition:
    anchor = _anchor(node)
    body = caps.get("body", [None])[0]
    if body is not None and body.start_byte > anchor.start_byte:
        signature = _cap(_text(source, anchor, end=body.start_byte), SIGNATURE_CHARS, SIGNATURE_LINES).rstrip()
    else:
        signature = _cap(_text(source, anchor), NO_BODY_CHARS).rstrip()
    doc_node = caps.get("doc", [None])[0]
    doc = _cap(_text(source, doc_node), DOC_CHARS) if doc_node is not None else _leading_comment(
        anchor, source, comments)
    lines = anchor.end_point.row - anchor.start_point.row + 1
    small = lines <= SMALL_LINES and anchor.end_byte - anchor.start_byte <= SMALL_BYTES
    return Definition(
        name=name, kind=kind, signature=signature, doc=doc, doc_inside=doc_node is not None,
        start_byte=anchor.start_byte, end_byte=anchor.end_byte, start_line=anchor.start_point.row,
        end_line=anchor.end_point.row, indent=anchor.start_point.column, parent=parent,
        text=_text(source, anchor) if small else "")


def _anchor(node: ts.Node) -> ts.Node:
    """Climb to a wrapper that holds only this definition (plus decorators and comments)."""
    while node.parent is not None and node.parent.type in WRAPPERS:
        others = [c for c in node.parent.named_children if c.type not in DECORATIONS and not c.is_extra]
        if len(others) != 1:
            break
        node = node.parent
    return node


def _leading_comment(anchor: ts.Node, source: bytes, comments: frozenset[str]) -> str:
    """The comment lines right above a definition (no blank line between)."""
    parts: list[ts.Node] = []
    row = anchor.start_point.row
    sibling = anchor.prev_named_sibling
    while sibling is not None and sibling.type in comments and sibling.end_point.row >= row - 1:
        parts.append(sibling)
        row = sibling.start_point.row
        sibling = sibling.prev_named_sibling
    if not parts:
        return ""
    text = source[parts[-1].start_byte:parts[0].end_byte].decode("utf-8", "replace")
    return _cap(text, DOC_CHARS)


def _imports(parts: list[tuple[ts.Node, dict[str, list[ts.Node]]]], source: bytes) -> tuple[Import, ...]:
    """Group the per-name matches of each statement into one Import per (statement, module)."""
    grouped: dict[tuple[int, str, str | None], list[tuple[str, str | None]]] = {}
    lines: dict[tuple[int, str, str | None], int] = {}
    for statement, caps in parts:
        module = _text(source, caps["import.module"][0]).strip(_QUOTES) if "import.module" in caps else ""
        alias = _text(source, caps["import.alias"][0]) if "import.alias" in caps else None
        name = "default" if "import.default" in caps else (
            _text(source, caps["import.name"][0]) if "import.name" in caps else None)
        if "import.default" in caps:
            alias = _text(source, caps["import.default"][0])
        key = (statement.start_byte, module, None if name is not None else alias)
        names = grouped.setdefault(key, [])
        lines[key] = statement.start_point.row
        if name is not None and (name, alias) not in names:
            names.append((name, alias))
    result = []
    for key, names in grouped.items():
        _, module, alias = key
        # Python's relative level; a path (`./x`, `../x.h`) keeps its dots.
        dots = 0 if "/" in module else len(module) - len(module.lstrip("."))
        result.append(Import(module=module[dots:], names=tuple(names), alias=alias, level=dots,
                             line=lines[key]))
    # A side-effect pattern (`import "./x"`) also matches statements that import names: keep one.
    named = {(i.line, i.module) for i in result if i.names or i.alias}
    return tuple(i for i in result if i.names or i.alias or (i.line, i.module) not in named)


def _text(source: bytes, node: ts.Node | None, end: int | None = None) -> str:
    if node is None:
        return ""
    return source[node.start_byte:end if end is not None else node.end_byte].decode("utf-8", "replace")


def _cap(text: str, chars: int, max_lines: int = DOC_LINES) -> str:
    """At most `max_lines` lines and `chars` characters; a doc comment or string cut short is
    closed with its delimiter."""
    lines = text.split("\n")
    capped = "\n".join(lines[:max_lines]) if len(lines) > max_lines else text
    capped = capped if len(capped) <= chars else capped[:chars]
    if capped == text:
        return text
    stripped = text.lstrip()
    closer = next((close for open_, close in CLOSERS if stripped.startswith(open_)), "")
    return capped.rstrip() + (" ..." if closer else "") + closer


def _short_name(name: str) -> str:
    """`Foo<T>` or `&mut Foo` -> `Foo`: the type a member belongs to."""
    found = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", name.split("<")[0])
    return found[-1] if found else name
