"""Decision table for skip / one line / block, with real tree-sitter parses."""

from __future__ import annotations

import pytest

from hushcode.syntax.decide import Scope, decide, decide_scope
from hushcode.syntax.languages import detect_language


@pytest.mark.parametrize(
    "before,after,scope",
    [
        ("    ", "", Scope.BLOCK),  # empty body
        ("def f(x):", "", Scope.BLOCK),
        ("function f() {", "", Scope.BLOCK),
        ("    return fo", "o(x)", Scope.SKIP),  # inside an identifier
        ("    x = compute(", ")", Scope.LINE),  # only auto-closed closers to the right: finish the line
        ("    x = compute(a, ", "b)", Scope.LINE),  # code to the right: mid-line
        ("    total = ", "", Scope.LINE),
        ("", "", Scope.BLOCK),
    ],
)
def test_decide_scope_by_line(before: str, after: str, scope: Scope) -> None:
    assert decide_scope(before, after) is scope


# (language id, document with ‸ at the cursor, expected scope, expected reason)
TABLE = [
    ("python", 'def f():\n    """Doc‸ string."""\n', Scope.SKIP, "in_string"),
    ("python", "x = 'abc‸'\n", Scope.SKIP, "in_string"),
    ("python", "x = 'abc'‸\n", Scope.LINE, "end_of_line"),
    ("python", "# a comment‸\nx = 1\n", Scope.SKIP, "in_comment"),
    ("python", "x = 1  # trailing ‸\n", Scope.SKIP, "in_comment"),
    ("python", "def f(x):\n    ‸\n", Scope.BLOCK, "empty_line"),
    ("python", "def f(x):‸\n", Scope.BLOCK, "after_opener"),
    ("python", "def f(x):\n    return gr‸id(x)\n", Scope.SKIP, "inside_identifier"),
    ("python", "def f(x):\n    return g(x‸)\n", Scope.LINE, "before_closers"),
    ("python", "def f(x):\n    return g(‸x)\n", Scope.LINE, "mid_line"),
    ("javascript", "const s = `tmpl ‸`;\n", Scope.SKIP, "in_string"),
    ("javascript", "// note ‸\n", Scope.SKIP, "in_comment"),
    ("javascript", "function f(a) {\n  ‸\n}\n", Scope.BLOCK, "empty_line"),
    ("typescript", "const xs: number[] = [‸];\n", Scope.LINE, "before_closers"),
    ("typescriptreact", "const a = <div>{‸}</div>;\n", Scope.LINE, "mid_line"),
    ("go", 'package main\n\nvar s = "go ‸"\n', Scope.SKIP, "in_string"),
    ("go", "package main\n\nfunc f() {\n\t‸\n}\n", Scope.BLOCK, "empty_line"),
    ("rust", "fn main() {\n    let s = \"r‸\";\n}\n", Scope.SKIP, "in_string"),
    ("rust", "/* block ‸ comment */\nfn main() {}\n", Scope.SKIP, "in_comment"),
    ("rust", "fn main() {\n    ‸\n}\n", Scope.BLOCK, "empty_line"),
    ("java", "class A {\n  String s = \"j‸\";\n}\n", Scope.SKIP, "in_string"),
    ("c", "int main() {\n  ‸\n}\n", Scope.BLOCK, "empty_line"),
    ("cpp", "// c++ ‸\nint x;\n", Scope.SKIP, "in_comment"),
    ("plaintext", "some words ‸\n", Scope.LINE, "end_of_line"),  # no grammar: line rules only
]


@pytest.mark.parametrize("language_id,doc,scope,reason", TABLE, ids=[f"{t[0]}-{t[3]}-{i}" for i, t in enumerate(TABLE)])
def test_decision_table(language_id: str, doc: str, scope: Scope, reason: str) -> None:
    offset = doc.index("‸")
    text = doc.replace("‸", "")
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    decision = decide(text, offset, line_start, line_end if line_end != -1 else len(text),
                      detect_language(language_id, "untitled"))
    assert (decision.scope, decision.reason) == (scope, reason)


def test_block_min_indent() -> None:
    language = detect_language("python", "x.py")
    text = "class A:\n    def f(self):\n        \n"
    offset = text.index("        \n") + 8
    decision = decide(text, offset, offset - 8, offset, language)
    assert decision.scope is Scope.BLOCK and decision.min_indent == 8


def test_strings_and_comments_can_be_allowed() -> None:
    language = detect_language("python", "x.py")
    text = "# a comment "
    decision = decide(text, len(text), 0, len(text), language, complete_in_comments=True)
    assert decision.scope is Scope.LINE
