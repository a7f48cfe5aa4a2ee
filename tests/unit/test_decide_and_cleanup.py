"""The foundation's scope decision and minimal cleanup."""

from __future__ import annotations

import pytest

from hushcode.postprocess.cleanup import clean_completion
from hushcode.syntax.decide import Scope, decide_scope


@pytest.mark.parametrize(
    "before,after,scope",
    [
        ("    ", "", Scope.BLOCK),  # empty body
        ("def f(x):", "", Scope.BLOCK),
        ("function f() {", "", Scope.BLOCK),
        ("    return fo", "o(x)", Scope.SKIP),  # inside an identifier
        ("    x = compute(", ")", Scope.BLOCK),  # only closers to the right
        ("    x = compute(a, ", "b)", Scope.LINE),  # code to the right: mid-line
        ("    total = ", "", Scope.LINE),
        ("", "", Scope.BLOCK),
    ],
)
def test_decide_scope(before: str, after: str, scope: Scope) -> None:
    assert decide_scope(before, after) is scope


@pytest.mark.parametrize(
    "raw,scope,expected",
    [
        ("a + b\n    return c", Scope.LINE, "a + b"),
        ("return a + b\n\n", Scope.BLOCK, "return a + b"),
        ("   \n  ", Scope.BLOCK, None),
        ("", Scope.LINE, None),
        ("x = 1<|file_sep|>junk", Scope.BLOCK, "x = 1"),
        ("\nreturn 1", Scope.LINE, None),  # a line completion that starts a new line is empty
        ("if x:\r\n    y()", Scope.BLOCK, "if x:\n    y()"),
    ],
)
def test_clean_completion(raw: str, scope: Scope, expected: str | None) -> None:
    assert clean_completion(raw, scope, ["<|file_sep|>"]) == expected
