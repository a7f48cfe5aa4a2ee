"""Names the code below a blank line reads that nothing before it defines (syntax/python/unbound.py):
a decision table over Python's binding forms, on real tree-sitter parses."""

from __future__ import annotations

import pytest

from hushcode.syntax.languages import LANGUAGES, parse
from hushcode.syntax.python.early_reads import read_before_bound
from hushcode.syntax.python.unbound import unbound_below

PY = LANGUAGES["python"]


def names(text: str, language: str = "python") -> list[tuple[str, bool]]:
    """The unbound names at the `|` marker (a blank line's cursor), as (name, module)."""
    cursor = text.index("|")
    return [(u.name, u.module) for u in unbound_below(text.replace("|", "", 1), cursor, LANGUAGES[language])]


@pytest.mark.parametrize(("text", "expected"), [
    # read before any definition: the right side of an assignment is read before its target binds
    (("def f(x, base):\n    |\n    while x > 0:\n        ret = str(x % base) + ret\n        x //= base\n"
     "    return ret\n"), [("ret", False)]),
    # an augmented assignment reads its target first
    ("def f(xs):\n    |\n    for x in xs:\n        total += x\n    return total\n", [("total", False)]),
    # defined above, a parameter, a builtin, a name of the module (defined later in the file: it runs first)
    (("def f(xs):\n    total = 0\n    |\n    for x in xs:\n        total += helper(x, len(xs))\n    return total\n"
     "\n\ndef helper(a, n):\n    return a * n\n"), []),
    # bound below before it is read: a loop variable, a comprehension's, an `as` target, a walrus
    (("def f(xs):\n    |\n    for i in range(3):\n        print(i)\n    ys = [y * 2 for y in xs if y]\n"
     "    with open(xs) as fh:\n        fh.read()\n    if (n := len(xs)) > 1:\n        return n\n"), []),
    # attribute names and keyword arguments are not names read
    ("def f(self, xs):\n    |\n    self.items.extend(xs)\n    return sorted(xs, key=self.key)\n", []),
    # a lambda's parameters are its own; what its body reads besides them is not
    ("def f(xs):\n    |\n    return sorted(xs, key=lambda k: (k.size, order[k]))\n", [("order", False)]),
    # a standard-library module read as `re.split` and never imported
    ("def words(s):\n    |\n    return re.split(r'\\s+', s)\n", [("re", True)]),
    # ... imported at the module's top, or in the function above the cursor
    ("import re\n\ndef words(s):\n    |\n    return re.split(r'\\s+', s)\n", []),
    ("def words(s):\n    import re\n    |\n    return re.split(r'\\s+', s)\n", []),
    # in the order first read, once each; names of the enclosing function count (closures)
    ("def outer(a):\n    b = 1\n    def inner(c):\n        |\n        return a + b + c + d + e + d\n    return inner\n",
     [("d", False), ("e", False)]),
    # a `case` pattern's captures
    (("def f(cmd):\n    |\n    match cmd:\n        case [name, *rest]:\n            return name, rest\n"
     "        case {\"k\": v} as whole:\n            return v, whole, missing\n"), [("missing", False)]),
    # an exception's name, an import alias, a class defined in the module
    (("import numpy as np\n\nclass Box:\n    pass\n\ndef f(x):\n    |\n    try:\n        return np.array(Box())\n"
     "    except ValueError as err:\n        raise err\n"), []),
])
def test_names_read_below_and_defined_nowhere_before(text: str, expected: list[tuple[str, bool]]) -> None:
    assert names(text) == expected


def test_nothing_outside_a_function_for_a_star_import_or_another_language() -> None:
    assert names("|\nprint(undefined_here)\n") == []  # module level: the name may come from anywhere
    assert names("from os.path import *\n\ndef f(p):\n    |\n    return join(p, sep)\n") == []
    assert names("function f(x) {\n  |\n  return ret + x;\n}\n", "javascript") == []


def test_a_cursor_below_the_functions_last_line_has_no_code_of_it_below() -> None:
    assert names("def f(x):\n    return y\n|\n") == []


def test_code_nested_too_deep_to_walk_finds_nothing_and_raises_nothing() -> None:
    deep = "(" * 3000 + "x" + ")" * 3000
    assert names(f"def f():\n    |\n    return {deep} + undefined_name\n") == []


def test_one_document_is_parsed_once_for_the_requests_several_readings() -> None:
    text = "def f(x):\n    \n    return y\n"
    assert parse(PY, text) is parse(PY, "".join([text[:10], text[10:]]))  # equal text, another string
    assert parse(PY, text) is not parse(PY, text + "\n")


def reads(text: str) -> list[str]:
    """The names that the text between `├` and `┤` (lines a suggestion wrote) reads before its
    function assigns them (read_before_bound), as the text from each such read to its line's end."""
    start = text.index("├")
    text = text.replace("├", "", 1)
    end = text.index("┤")
    text = text.replace("┤", "", 1)
    return [text[offset:text.find("\n", offset)] for offset in read_before_bound(text, start, end, PY)]


@pytest.mark.parametrize(("text", "expected"), [
    # assigned only below: UnboundLocalError
    ("def f(arr, k):\n    ├ans.sort()┤\n    ans = arr[-k:]\n    return ans\n", ["ans.sort()"]),
    ("def f(n):\n    ├even = n - odd┤\n    odd = 0\n    return even, odd\n", ["odd"]),
    # a module's name counts too: assigning it anywhere in the function makes it local
    ("X = 1\n\ndef f():\n    ├y = X┤\n    X = 0\n    return y\n", ["X"]),
    # ... and a function the body defines further down
    ("def f():\n    ├y = g()┤\n    def g():\n        return 1\n    return y\n", ["g()"]),
    # the written line assigns it first, or a line above does, or it is a parameter
    ("def f(arr):\n    ├ans = list(arr)\n    ans.sort()┤\n    ans = ans[1:]\n    return ans\n", []),
    ("def f(arr):\n    ans = []\n    ├ans.sort()┤\n    ans = arr\n    return ans\n", []),
    ("def f(ans):\n    ├ans.sort()┤\n    ans = ans[1:]\n    return ans\n", []),
    # a later assignment in a loop around the read may have run (from the second turn on)
    ("def f(xs):\n    for i, x in enumerate(xs):\n        ├if i and x > prev: print(x)┤\n        prev = x\n", []),
    # a lambda's body runs later; a comprehension's runs now
    ("def f(xs):\n    ├ys = sorted(xs, key=lambda k: order[k])┤\n    order = {}\n    return ys\n", []),
    ("def f(xs):\n    ├ys = [o for o in order]┤\n    order = {}\n    return ys\n", ["order]"]),
    # names bound only in a nested function, a class body or a comprehension are not the function's
    ("def f():\n    ├y = z┤\n    def g():\n        z = 1\n    return y\n", []),
    ("def f(xs):\n    ├y = x┤\n    ys = [x for x in xs]\n    return y\n", []),
    # never assigned in the function: not this rule's doubt (a global, a builtin, a typo)
    ("def f():\n    ├y = undefined_here + len([])┤\n    return y\n", []),
    # `global` above makes the later assignment the module's
    ("def f():\n    global X\n    ├y = X┤\n    X = 0\n    return y\n", []),
])
def test_reads_of_a_local_before_the_function_assigns_it(text: str, expected: list[str]) -> None:
    assert reads(text) == expected


def test_no_reads_outside_a_function_for_a_broken_parse_or_another_language() -> None:
    assert read_before_bound("├y = x┤\nx = 1\n".replace("├", "").replace("┤", ""), 0, 5, PY) == []
    text = "def f():\n    y = x)\n    x = 1\n"
    assert read_before_bound(text, text.index("y"), text.index(")"), PY) == []
    text = "function f() {\n  y = x;\n  let x = 1;\n}\n"
    assert read_before_bound(text, text.index("y"), text.index(";"), LANGUAGES["javascript"]) == []


@pytest.mark.parametrize(("text", "expected"), [
    # bound below only inside a loop's `if`, then read after the loop: the blank line gives its first value
    (("def f(s):\n    |\n    for ch in s:\n        if ch.isalpha():\n            seen = 1\n    if seen == 0:\n"
     "        return s[::-1]\n    return s\n"), ["seen"]),
    # the cursor is in the branch of an `if` whose `else` binds it, and it is read after the `if`
    ("def f(n):\n    if n % 2 == 0:\n        |\n    else:\n        odd = [n]\n    return sorted(odd)\n", ["odd"]),
    # bound in every branch (or the branch leaves), in a `with` body, or by a `for` target: bound
    ("def f(xs):\n    |\n    if xs:\n        a = 1\n    else:\n        a = 2\n    return a\n", []),
    (("def f(xs):\n    |\n    if xs:\n        a = 1\n    elif len(xs) > 3:\n        raise ValueError\n    else:\n"
     "        a = 2\n    return a\n"), []),
    ("def f(p):\n    |\n    with open(p) as fh:\n        data = fh.read()\n    return data\n", []),
    ("def f(xs):\n    |\n    for i in xs:\n        pass\n    return i\n", []),
    # an `elif` that binds nothing leaves it unbound on that path
    (("def f(xs):\n    |\n    if xs:\n        a = 1\n    elif len(xs) > 3:\n        pass\n    else:\n        a = 2\n"
     "    return a\n"), ["a"]),
    # read only in a body under a later statement (`if verbose:` twice): not this kind of doubt
    (("def f(verbose):\n    |\n    if verbose:\n        start = 1\n    n = 2\n    if verbose:\n        print(start)\n"
     "    return n\n"), []),
    # bound first on every path, then bound again in a branch
    ("def f(xs):\n    |\n    best = 0\n    for x in xs:\n        if x > best:\n            best = x\n    return best\n", []),
])
def test_names_the_code_below_binds_only_on_some_paths_before_reading_them(text: str, expected: list[str]) -> None:
    assert [name for name, _ in names(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("def f(xs):\n    |\n    for x in xs:\n        if best is None or x > best:\n            best = x\n    return best\n",
     "None"),
    ("def f(keys):\n    |\n    for k in keys:\n        if state == \"start\":\n            state = k\n    return state\n",
     '"start"'),
    (("def f(s):\n    |\n    for ch in s:\n        if ch.isalpha():\n            seen = 1\n    if 0 == seen:\n"
     "        return s\n    return s[::-1]\n"), "0"),
    # read otherwise first, or compared with a name, an f-string, or in a chain: no value
    ("def f(xs):\n    |\n    total += 1\n    if total == 0:\n        return 0\n    return total\n", None),
    ("def f(xs, limit):\n    |\n    if count == limit:\n        return 0\n    return count\n", None),
    ("def f(xs):\n    |\n    if name == f\"{xs}\":\n        return 0\n    return name\n", None),
    ("def f(xs):\n    |\n    if 0 < n < 3:\n        return 0\n    return n\n", None),
])
def test_the_literal_the_code_below_first_compares_a_name_with(text: str, expected: str | None) -> None:
    cursor = text.index("|")
    found = unbound_below(text.replace("|", "", 1), cursor, PY)
    assert len(found) == 1 and found[0].value == expected
