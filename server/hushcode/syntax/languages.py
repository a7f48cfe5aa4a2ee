"""Tree-sitter grammars, chosen by LSP languageId or file extension.

The grammars are the wheels named in pyproject.toml. Node-type tables below are data, one
row per language, so that decisions and filters need no per-language code.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import PurePosixPath

import tree_sitter as ts


@dataclass(frozen=True)
class LanguageInfo:
    name: str
    module: str
    function: str = "language"
    strings: frozenset[str] = frozenset()
    comments: frozenset[str] = frozenset({"comment"})
    indentation_scoped: bool = False  # blocks end by dedent (Python) rather than by a closing brace
    # statements after which the rest of their block never runs (postprocess/reachability.py); an
    # expression type here counts when it makes up an expression statement (`return x;` in Rust)
    jumps: frozenset[str] = frozenset()
    line_comment: str = "//"  # what starts a comment that runs to the end of the line
    # how a line that opens an indented block ends, where blocks end by dedent (Python's ":")
    header_end: str | None = None


_C_STRINGS = frozenset({"string_literal", "char_literal", "raw_string_literal", "system_lib_string"})
_JS_STRINGS = frozenset({"string", "template_string", "regex"})
_C_JUMPS = frozenset({"return_statement", "break_statement", "continue_statement"})
_JS_JUMPS = _C_JUMPS | {"throw_statement"}

LANGUAGES: dict[str, LanguageInfo] = {
    "python": LanguageInfo("python", "tree_sitter_python", strings=frozenset({"string"}), indentation_scoped=True,
                           jumps=_C_JUMPS | {"raise_statement"}, line_comment="#", header_end=":"),
    "javascript": LanguageInfo("javascript", "tree_sitter_javascript", strings=_JS_STRINGS, jumps=_JS_JUMPS),
    "typescript": LanguageInfo("typescript", "tree_sitter_typescript", "language_typescript", strings=_JS_STRINGS,
                               jumps=_JS_JUMPS),
    "tsx": LanguageInfo("tsx", "tree_sitter_typescript", "language_tsx", strings=_JS_STRINGS, jumps=_JS_JUMPS),
    "go": LanguageInfo("go", "tree_sitter_go", strings=frozenset(
        {"interpreted_string_literal", "raw_string_literal", "rune_literal"}), jumps=_C_JUMPS),
    "rust": LanguageInfo("rust", "tree_sitter_rust", strings=frozenset({"string_literal", "raw_string_literal",
                                                                         "char_literal"}),
                         comments=frozenset({"line_comment", "block_comment"}),
                         jumps=frozenset({"return_expression", "break_expression", "continue_expression"})),
    "java": LanguageInfo("java", "tree_sitter_java", strings=frozenset({"string_literal", "character_literal",
                                                                         "text_block"}),
                         comments=frozenset({"line_comment", "block_comment"}), jumps=_JS_JUMPS),
    "c": LanguageInfo("c", "tree_sitter_c", strings=_C_STRINGS, jumps=_C_JUMPS),
    "cpp": LanguageInfo("cpp", "tree_sitter_cpp", strings=_C_STRINGS, jumps=_C_JUMPS | {"throw_expression"}),
}

_BY_LANGUAGE_ID = {
    "python": "python", "javascript": "javascript", "javascriptreact": "javascript",
    "typescript": "typescript", "typescriptreact": "tsx", "go": "go", "rust": "rust", "java": "java",
    "c": "c", "cpp": "cpp", "cuda-cpp": "cpp", "objective-c": "c",
}
_BY_EXTENSION = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".jsx": "javascript", ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp",
    ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
}


def detect_language(language_id: str | None, uri: str) -> LanguageInfo | None:
    """The language of a document, from the editor's languageId, else its file extension."""
    name = _BY_LANGUAGE_ID.get(language_id or "") or _BY_EXTENSION.get(PurePosixPath(uri).suffix.lower())
    return LANGUAGES.get(name) if name else None


@cache
def grammar(name: str) -> ts.Language:
    info = LANGUAGES[name]
    return ts.Language(getattr(importlib.import_module(info.module), info.function)())


def parse(info: LanguageInfo, text: str) -> ts.Tree:
    """Parse `text` (a new parser each time: parsers are cheap and not shared between threads).
    The last few trees are kept: one request parses the same document to decide, to look for
    unbound names and to check the cleanup's parse (the tree is read, never edited)."""
    return _parse(info.name, text)


@lru_cache(maxsize=4)
def _parse(name: str, text: str) -> ts.Tree:
    return ts.Parser(grammar(name)).parse(text.encode("utf-8"))


def next_statement(node: ts.Node, language: LanguageInfo) -> ts.Node | None:
    """The next statement after `node` in its block (comments skipped), if any."""
    sibling = node.next_named_sibling
    while sibling is not None and sibling.type in language.comments:
        sibling = sibling.next_named_sibling
    return sibling


def error_count(tree: ts.Tree) -> int:
    """How many ERROR or MISSING nodes the parse has."""
    count = 0
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            count += 1
        if node.has_error:
            stack.extend(node.children)
    return count
