"""Does the cursor's function still lack its result (syntax/python/result.py)? A decision table on real
tree-sitter parses; `|` marks a blank line's cursor."""

from __future__ import annotations

import pytest

from hushcode.syntax.languages import LANGUAGES
from hushcode.syntax.python.result import lacks_result

PY = LANGUAGES["python"]


def lacks(text: str, language: str = "python") -> bool:
    cursor = text.index("|")
    return lacks_result(text.replace("|", "", 1), cursor, LANGUAGES[language])


@pytest.mark.parametrize(("text", "expected"), [
    # the end of a body that computes something and returns nothing yet: the end of the file...
    ("def mad(xs: list[float]) -> float:\n    mean = sum(xs) / len(xs)\n    |", True),
    # ...before the next definition, or after a docstring alone
    ('def mad(xs):\n    """Mean absolute deviation."""\n    |\n\n\ndef other():\n    return 1\n', True),
    # a method, at its body's end, before the next method
    (("class A:\n    def size(self):\n        n = len(self.items)\n        |\n\n    def other(self):\n"
     "        pass\n"), True),
    # an async function, a decorated one
    ("async def fetch(url):\n    body = await get(url)\n    |", True),
    ("@cache\ndef fib(n: int) -> int:\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    |", True),
    # the function already returns a value, or yields
    ("def f(xs):\n    if not xs:\n        return 0\n    total = sum(xs)\n    |", False),
    ("def f(xs):\n    for x in xs:\n        yield x * 2\n    |", False),
    # a bare `return` is not a result; a return inside a nested function is not the function's own
    ("def f(xs):\n    if not xs:\n        return\n    n = len(xs)\n    |", True),
    ("def f(xs):\n    def key(x):\n        return -x\n    xs.sort(key=key)\n    |", True),
    # code of the function below the cursor: not its end
    ("def f(xs):\n    n = len(xs)\n    |\n    print(n)\n", False),
    # inside a deeper block at the body's end: the cursor goes on with the loop, not the function
    ("def f(xs):\n    for x in xs:\n        print(x)\n        |", False),
    # deeper than the body after a one-line block is not its end either; back at the body's level is
    ("def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    |", True),
    # declared to return nothing, an initialiser, a test
    ("def f(xs) -> None:\n    xs.sort()\n    |", False),
    ("class A:\n    def __init__(self):\n        self.n = 0\n        |", False),
    ("def test_sum():\n    assert sum([1]) == 1\n    |", False),
    # not a blank line; at module level; another language
    ("def f(xs):\n    n = len(xs)\n    n|", False),
    ("import os\n|", False),
])
def test_where_a_function_lacks_its_result(text: str, expected: bool) -> None:
    assert lacks(text) is expected


def test_other_languages_are_not_judged() -> None:
    assert lacks("function f(xs) {\n  const n = xs.length;\n  |\n}\n", "javascript") is False
