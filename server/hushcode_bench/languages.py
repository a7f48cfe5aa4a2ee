"""Per-language tables for the quality benchmark: grammars, node types, keywords.

Everything language-specific that ``holes`` and ``metrics`` need is data in ``LANGUAGES``; adding
a language is adding one ``LanguageSpec``. Node type names are those of the tree-sitter grammar
wheels pinned in pyproject (tree-sitter-python 0.25, -javascript 0.25, -typescript 0.23,
-go 0.25, -rust 0.24).
"""

from __future__ import annotations

import functools
import importlib
import keyword
from dataclasses import dataclass
from pathlib import PurePosixPath

from tree_sitter import Language, Parser, Tree


@dataclass(frozen=True)
class LanguageSpec:
    """What the hole cutter needs to know about one language."""

    name: str  # the LSP languageId
    extensions: tuple[str, ...]
    module: str  # the grammar wheel's module
    entry: str  # the function in `module` that returns the grammar
    functions: frozenset[str]  # nodes that have a body worth cutting
    containers: frozenset[str]  # nodes whose named children are statements
    strings: frozenset[str]  # string-like nodes: a cut never lands inside one
    comments: frozenset[str]
    keywords: frozenset[str]
    body_field: str = "body"
    unwrap: frozenset[str] = frozenset()  # a body's only child holding the statements (Go)
    docstrings: bool = False  # a string-only statement is documentation, not code
    neutral: str = ""  # a statement that fills an empty body without changing behaviour
    line_comment: str = "//"  # "#" or "//" (which also means /* */ block comments)

    def parser(self) -> Parser:
        """A fresh tree-sitter parser for this language."""
        return Parser(_language(self.module, self.entry))

    def parse(self, source: bytes) -> Tree:
        return self.parser().parse(source)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@functools.cache
def _language(module: str, entry: str) -> Language:
    return Language(getattr(importlib.import_module(module), entry)())


_JS_FUNCTIONS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "method_definition",
        "arrow_function",
        "generator_function_declaration",
        "generator_function",
    }
)
_JS_KEYWORDS = _words(
    "break case catch class const continue debugger default delete do else export extends "
    "false finally for function if import in instanceof let new null return super switch this "
    "throw true try typeof undefined var void while with yield async await of static get set"
)
_TS_KEYWORDS = _JS_KEYWORDS | _words(
    "interface type enum implements private protected public readonly abstract declare "
    "namespace keyof as is any unknown never number string boolean"
)
_JS_STRINGS = frozenset({"string", "template_string", "regex"})

LANGUAGES: tuple[LanguageSpec, ...] = (
    LanguageSpec(
        name="python",
        extensions=(".py", ".pyi"),
        module="tree_sitter_python",
        entry="language",
        functions=frozenset({"function_definition"}),
        containers=frozenset({"block"}),
        strings=frozenset({"string", "concatenated_string"}),
        comments=frozenset({"comment"}),
        keywords=frozenset(keyword.kwlist) | frozenset(keyword.softkwlist),
        docstrings=True,
        neutral="pass",
        line_comment="#",
    ),
    LanguageSpec(
        name="javascript",
        extensions=(".js", ".mjs", ".cjs", ".jsx"),
        module="tree_sitter_javascript",
        entry="language",
        functions=_JS_FUNCTIONS,
        containers=frozenset({"statement_block"}),
        strings=_JS_STRINGS,
        comments=frozenset({"comment"}),
        keywords=_JS_KEYWORDS,
    ),
    LanguageSpec(
        name="typescript",
        extensions=(".ts", ".mts", ".cts"),
        module="tree_sitter_typescript",
        entry="language_typescript",
        functions=_JS_FUNCTIONS,
        containers=frozenset({"statement_block"}),
        strings=_JS_STRINGS,
        comments=frozenset({"comment"}),
        keywords=_TS_KEYWORDS,
    ),
    LanguageSpec(
        name="typescriptreact",
        extensions=(".tsx",),
        module="tree_sitter_typescript",
        entry="language_tsx",
        functions=_JS_FUNCTIONS,
        containers=frozenset({"statement_block"}),
        strings=_JS_STRINGS,
        comments=frozenset({"comment"}),
        keywords=_TS_KEYWORDS,
    ),
    LanguageSpec(
        name="go",
        extensions=(".go",),
        module="tree_sitter_go",
        entry="language",
        functions=frozenset({"function_declaration", "method_declaration", "func_literal"}),
        containers=frozenset({"statement_list"}),
        unwrap=frozenset({"statement_list"}),
        strings=frozenset({"interpreted_string_literal", "raw_string_literal", "rune_literal"}),
        comments=frozenset({"comment"}),
        keywords=_words(
            "break case chan const continue default defer else fallthrough for func go goto if import "
            "interface map package range return select struct switch type var nil true false iota"
        ),
    ),
    LanguageSpec(
        name="rust",
        extensions=(".rs",),
        module="tree_sitter_rust",
        entry="language",
        functions=frozenset({"function_item", "closure_expression"}),
        containers=frozenset({"block"}),
        strings=frozenset({"string_literal", "raw_string_literal", "char_literal"}),
        comments=frozenset({"line_comment", "block_comment"}),
        keywords=_words(
            "as async await break const continue crate dyn else enum extern false fn for if impl in "
            "let loop match mod move mut pub ref return self Self static struct super trait true type "
            "unsafe use where while"
        ),
    ),
)

_BY_EXTENSION = {ext: spec for spec in LANGUAGES for ext in spec.extensions}
_BY_NAME = {spec.name: spec for spec in LANGUAGES}


def language_for(path: str) -> LanguageSpec | None:
    """The language of a file, by its extension; None for files we do not cut."""
    return _BY_EXTENSION.get(PurePosixPath(path).suffix.lower())


def language_named(name: str) -> LanguageSpec:
    """The language with this LSP languageId (KeyError if unknown)."""
    return _BY_NAME[name]


def parses_cleanly(spec: LanguageSpec, text: str) -> bool:
    """True when tree-sitter finds no ERROR or MISSING node in `text`."""
    return not spec.parse(text.encode("utf-8")).root_node.has_error
