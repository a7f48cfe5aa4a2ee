"""The languages the benchmarks cut holes in: those of hushcode's own table (``hushcode.syntax.
languages``) that say which nodes are functions and blocks. The facts about a language (grammar,
extensions, node types, keywords) live there; what is a benchmark's choice lives here.

A task stores, and the benchmark sends, the LSP languageId (``typescriptreact`` for tsx).
"""

from __future__ import annotations

from hushcode.syntax.languages import LANGUAGES, LanguageInfo, detect_language

# What fills a hole to check whether the tests notice it (quality/testrun.py): a statement that
# does nothing where the language has one, else nothing.
NEUTRAL = {"python": "pass"}

_BY_LANGUAGE_ID = {info.language_id: info for info in LANGUAGES.values() if info.functions}


def language_for(path: str) -> LanguageInfo | None:
    """The language of a file, by its extension; None for files we do not cut."""
    info = detect_language(None, path)
    return info if info is not None and info.functions else None


def language_named(language_id: str) -> LanguageInfo:
    """The language with this LSP languageId (KeyError if unknown)."""
    return _BY_LANGUAGE_ID[language_id]


def string_nodes(info: LanguageInfo) -> frozenset[str]:
    """The nodes a cut never lands inside and a name is never read from: strings, joined or not."""
    return info.strings | info.joined_strings


def neutral_statement(info: LanguageInfo) -> str:
    return NEUTRAL.get(info.name, "")
