"""Tree-sitter grammars, chosen by LSP languageId or file extension.

The grammars are the wheels named in pyproject.toml. Node-type tables below are data, one
row per language, so that decisions and filters need no per-language code. The benchmarks read
the same rows to cut holes in functions (hushcode_bench.languages); nothing here imports them.
"""

from __future__ import annotations

import importlib
import keyword
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import PurePosixPath
from typing import Any

import tree_sitter as ts


@dataclass(frozen=True)
class LanguageInfo:
    name: str
    module: str
    function: str = "language"
    extensions: tuple[str, ...] = ()
    lsp_id: str = ""  # the languageId editors send, where it is not `name` ("typescriptreact" for tsx)
    strings: frozenset[str] = frozenset()
    # nodes made only of adjacent strings (Python's `"a" "b"`): string-like as a whole, though the
    # space between the parts is not inside a string (so decide.py does not read them)
    joined_strings: frozenset[str] = frozenset()
    comments: frozenset[str] = frozenset({"comment"})
    keywords: frozenset[str] = frozenset()
    indentation_scoped: bool = False  # blocks end by dedent (Python) rather than by a closing brace
    # statements after which the rest of their block never runs (postprocess/reachability.py); an
    # expression type here counts when it makes up an expression statement (`return x;` in Rust)
    jumps: frozenset[str] = frozenset()
    line_comment: str = "//"  # what starts a comment that runs to the end of the line
    # how a line that opens an indented block ends, where blocks end by dedent (Python's ":")
    header_end: str | None = None
    # functions and their bodies (the benchmarks cut holes there): the nodes that have a body, the
    # field naming it, the nodes whose named children are statements, and a body's only child
    # that holds its statements (Go's statement_list)
    functions: frozenset[str] = frozenset()
    body_field: str = "body"
    blocks: frozenset[str] = frozenset()
    body_wrappers: frozenset[str] = frozenset()
    docstrings: bool = False  # a string-only statement first in a body documents it

    @property
    def language_id(self) -> str:
        return self.lsp_id or self.name


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_C_STRINGS = frozenset({"string_literal", "char_literal", "raw_string_literal", "system_lib_string"})
_JS_STRINGS = frozenset({"string", "template_string", "regex"})
_C_JUMPS = frozenset({"return_statement", "break_statement", "continue_statement"})
_JS_JUMPS = _C_JUMPS | {"throw_statement"}
_JS_FUNCTIONS = _words("function_declaration function_expression function method_definition arrow_function "
                       "generator_function_declaration generator_function")
_JS_KEYWORDS = _words(
    "break case catch class const continue debugger default delete do else export extends false finally for "
    "function if import in instanceof let new null return super switch this throw true try typeof undefined var "
    "void while with yield async await of static get set")
_TS_KEYWORDS = _JS_KEYWORDS | _words("interface type enum implements private protected public readonly abstract "
                                     "declare namespace keyof as is any unknown never number string boolean")
_JS: dict[str, Any] = {"strings": _JS_STRINGS, "jumps": _JS_JUMPS, "functions": _JS_FUNCTIONS,
                       "blocks": frozenset({"statement_block"})}

LANGUAGES: dict[str, LanguageInfo] = {
    "python": LanguageInfo("python", "tree_sitter_python", extensions=(".py", ".pyi"), strings=frozenset({"string"}),
                           joined_strings=frozenset({"concatenated_string"}), indentation_scoped=True,
                           jumps=_C_JUMPS | {"raise_statement"}, line_comment="#", header_end=":",
                           keywords=frozenset(keyword.kwlist) | frozenset(keyword.softkwlist),
                           functions=frozenset({"function_definition"}), blocks=frozenset({"block"}),
                           docstrings=True),
    "javascript": LanguageInfo("javascript", "tree_sitter_javascript", extensions=(".js", ".mjs", ".cjs", ".jsx"),
                               keywords=_JS_KEYWORDS, **_JS),
    "typescript": LanguageInfo("typescript", "tree_sitter_typescript", "language_typescript",
                               extensions=(".ts", ".mts", ".cts"), keywords=_TS_KEYWORDS, **_JS),
    "tsx": LanguageInfo("tsx", "tree_sitter_typescript", "language_tsx", extensions=(".tsx",), lsp_id="typescriptreact",
                        keywords=_TS_KEYWORDS, **_JS),
    "go": LanguageInfo("go", "tree_sitter_go", extensions=(".go",), strings=frozenset(
        {"interpreted_string_literal", "raw_string_literal", "rune_literal"}), jumps=_C_JUMPS,
        keywords=_words("break case chan const continue default defer else fallthrough for func go goto if import "
                        "interface map package range return select struct switch type var nil true false iota"),
        functions=frozenset({"function_declaration", "method_declaration", "func_literal"}),
        blocks=frozenset({"statement_list"}), body_wrappers=frozenset({"statement_list"})),
    "rust": LanguageInfo("rust", "tree_sitter_rust", extensions=(".rs",), strings=frozenset(
        {"string_literal", "raw_string_literal", "char_literal"}), comments=frozenset({"line_comment", "block_comment"}),
        jumps=frozenset({"return_expression", "break_expression", "continue_expression"}),
        keywords=_words("as async await break const continue crate dyn else enum extern false fn for if impl in let "
                        "loop match mod move mut pub ref return self Self static struct super trait true type unsafe "
                        "use where while"),
        functions=frozenset({"function_item", "closure_expression"}), blocks=frozenset({"block"})),
    "java": LanguageInfo("java", "tree_sitter_java", extensions=(".java",), strings=frozenset(
        {"string_literal", "character_literal", "text_block"}), comments=frozenset({"line_comment", "block_comment"}),
        jumps=_JS_JUMPS),
    "c": LanguageInfo("c", "tree_sitter_c", extensions=(".c", ".h"), strings=_C_STRINGS, jumps=_C_JUMPS),
    "cpp": LanguageInfo("cpp", "tree_sitter_cpp", extensions=(".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx"),
                        strings=_C_STRINGS, jumps=_C_JUMPS | {"throw_expression"}),
}

# other languageIds that editors send for a language of the table
_ALIASES = {"javascriptreact": "javascript", "cuda-cpp": "cpp", "objective-c": "c"}
_BY_LANGUAGE_ID = {info.language_id: name for name, info in LANGUAGES.items()} | _ALIASES
_BY_EXTENSION = {ext: name for name, info in LANGUAGES.items() for ext in info.extensions}


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


def parses_cleanly(info: LanguageInfo, text: str) -> bool:
    """True when tree-sitter finds no ERROR or MISSING node in `text`."""
    return not parse(info, text).root_node.has_error
