"""Syntax-aware completion through the real server and model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lsprotocol import types

from tests.e2e import lsp


def apply(text: str, line: int, item: types.InlineCompletionItem) -> str:
    """The document after accepting `item` (single-line range, UTF-16 = code points for this ASCII text)."""
    lines = text.split("\n")
    assert item.range is not None and item.range.start.line == item.range.end.line == line
    current = lines[line]
    lines[line] = current[: item.range.start.character] + str(item.insert_text) + current[item.range.end.character:]
    return "\n".join(lines)


async def test_mid_line_never_returns_a_block(model_path: Path) -> None:
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path)}) as client:
        await lsp.wait_for_state(client, {"ready"})
        cases = [
            ("def area(w, h):\n    return w * \n", 1, len("    return w * ")),
            ("import os\nfiles = [f for f in os.listdir('.') if f.endswith('.py')]\nsizes = {f: \n", 2, 13),
            ("def greet(name):\n    print(, name)\n", 1, len("    print(")),
        ]
        for i, (text, line, character) in enumerate(cases):
            uri = f"file:///tmp/hushcode-e2e/mid{i}.py"
            lsp.open_document(client, uri, text)
            result = await lsp.inline(client, uri, line, character)
            assert result is not None
            for item in result.items:
                assert "\n" not in str(item.insert_text), item.insert_text


async def test_completion_before_a_closing_paren_does_not_double_it(model_path: Path) -> None:
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path)}) as client:
        await lsp.wait_for_state(client, {"ready"})
        answered = 0
        cases = [
            ("import os\n\nhome = os.path.join(os.path.expanduser('~'), )\n", 2, len("home = os.path.join(os.path.expanduser('~'), ")),
            ("def total(prices):\n    return sum()\n", 1, len("    return sum(")),
            ("values = [1, 2, 3]\nprint(len())\n", 1, len("print(len(")),
        ]
        for i, (text, line, character) in enumerate(cases):
            uri = f"file:///tmp/hushcode-e2e/paren{i}.py"
            lsp.open_document(client, uri, text)
            result = await lsp.inline(client, uri, line, character)
            assert result is not None
            for item in result.items:
                answered += 1
                after = apply(text, line, item).split("\n")[line]
                assert after.count("(") == after.count(")"), after
        assert answered >= 1  # the model did suggest something in at least one case


async def test_manual_trigger_offers_distinct_alternatives(model_path: Path) -> None:
    # a budget for the alternatives that a loaded test machine cannot miss: behaviour, not speed
    env = {"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_ALTERNATIVES_MS": "60000"}
    async with lsp.Session(env) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/alt.py"
        text = "def is_palindrome(word: str) -> bool:\n    \n\nprint(is_palindrome('abba'))\n"
        lsp.open_document(client, uri, text)
        automatic = await lsp.inline(client, uri, 1, 4)
        assert automatic is not None and len(automatic.items) == 1
        invoked = await lsp.inline(client, uri, 1, 4, invoked=True)
        assert invoked is not None and 2 <= len(invoked.items) <= 3
        texts = [str(item.insert_text) for item in invoked.items]
        assert len(set(texts)) == len(texts)
        # its first item is the automatic answer at the same place (same ranking, same cleanup)
        assert texts[0] == str(automatic.items[0].insert_text)


async def test_an_unsure_suggestion_is_withheld_but_a_manual_trigger_answers(model_path: Path) -> None:
    """With a threshold no output reaches, nothing is shown automatically, the status says so and
    why, and the user who asks (a manual trigger) still gets a suggestion."""
    env = {"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_MIN_CONFIDENCE": "100"}
    async with lsp.Session(env) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/unsure.py"
        text = "def is_palindrome(word: str) -> bool:\n    \n\nprint(is_palindrome('abba'))\n"
        lsp.open_document(client, uri, text)
        automatic = await lsp.inline(client, uri, 1, 4)
        assert automatic is None or not automatic.items
        status = await lsp.status(client)
        assert status["withheld"] == 1 and "low confidence" in status["lastWithheld"]
        assert status["lastConfidence"] is not None and status["lastConfidence"] < 0
        invoked = await lsp.inline(client, uri, 1, 4, invoked=True)
        assert invoked is not None and invoked.items


# Blank lines where the small model jumps ahead: it writes the function's last line (a `return`)
# where the code below still needs its first line.
JUMPING_AHEAD = [
    ('def pairs_summing_to(values, target):\n    """Return how many pairs (i < j) of values add up to target.\n\n'
    '    >>> pairs_summing_to([1, 2, 3, 4], 5)\n    2\n    """\n    \n    for i in range(len(values)):\n'
    '        for j in range(i + 1, len(values)):\n            if values[i] + values[j] == target:\n'
    '                count += 1\n    return count\n'),
    ('def middle_value(l: list):\n    """Return the median of the elements in l.\n    >>> middle_value([3, 1, 2])\n'
    '    2\n    >>> middle_value([4, 1, 3, 2])\n    2.5\n    """\n    \n    if len(l) % 2 == 1:\n'
    '        return l[len(l) // 2]\n    else:\n        return (l[len(l) // 2 - 1] + l[len(l) // 2]) / 2.0\n'),
    ('def power_mod(n: int, p: int) -> int:\n    """Return 2**n modulo p.\n    >>> power_mod(3, 5)\n    3\n    """\n'
    '    \n    for _ in range(n):\n        result = (2 * result) % p\n    return result\n'),
]
JUMPS = ("return", "raise", "break", "continue")


async def _first_lines(model: Path, env: dict[str, str], texts: list[str] = JUMPING_AHEAD) -> list[str]:
    """The first line of each text's suggestion at its blank line (after the indentation)."""
    lines = []
    async with lsp.Session({"HUSHCODE_MODEL": str(model), **env}) as client:
        await lsp.wait_for_state(client, {"ready"})
        for i, text in enumerate(texts):
            uri = f"file:///tmp/hushcode-e2e/blank{i}.py"
            lsp.open_document(client, uri, text)
            row = next(k for k, line in enumerate(text.split("\n")) if line and not line.strip(" "))
            result = await lsp.inline(client, uri, row, len(text.split("\n")[row]))
            assert result is not None
            lines.append(str(result.items[0].insert_text).split("\n")[0].strip() if result.items else "")
    return lines


async def test_a_blank_line_is_not_filled_with_a_jump_that_makes_the_code_below_dead(model_path: Path) -> None:
    # ranking off, to see the cleanup alone: with the minimal cleanup the model jumps ahead...
    off = {"HUSHCODE_COMPLETION_BLANK_LINE_CANDIDATES": "0"}
    raw = await _first_lines(model_path, {"HUSHCODE_COMPLETION_POSTPROCESS": "minimal", **off})
    assert sum(line.startswith(JUMPS) for line in raw) >= 2, raw
    # ...with the full cleanup (postprocess/reachability.py) no suggestion does
    cleaned = await _first_lines(model_path, off)
    assert not [line for line in cleaned if line.startswith(JUMPS)], cleaned
    # and with the defaults (ranking on) neither
    default = await _first_lines(model_path, {})
    assert not [line for line in default if line.startswith(JUMPS)], default


# Blank lines whose code below reads a name that nothing before it defines (syntax/python/)
UNDEFINED_BELOW = [
    (('def digits(n: int, base: int) -> str:\n    """The digits of n in base (2..9), most significant first."""\n'
     '    \n    while n > 0:\n        out = str(n % base) + out\n        n //= base\n    return out\n'), "out"),
    (('def sentence_count(text: str) -> int:\n    """How many sentences end with a full stop, ! or ?."""\n    \n'
     '    return len([s for s in re.split(r"[.!?]", text) if s.strip()])\n'), "re"),
    (('def balanced(s: str) -> bool:\n    """Are the parentheses of s balanced?"""\n    \n    for ch in s:\n'
     '        if ch == "(":\n            depth += 1\n        elif ch == ")":\n            depth -= 1\n'
     '            if depth < 0:\n                return False\n    return depth == 0\n'), "depth"),
    (JUMPING_AHEAD[0], "count"),
    (JUMPING_AHEAD[2], "result"),
]


async def test_a_blank_line_before_code_reading_an_undefined_name_defines_it(model_path: Path) -> None:
    from hushcode.syntax.lines import defines

    lines = await _first_lines(model_path, {}, [text for text, _ in UNDEFINED_BELOW])
    defined = [name for (_, name), line in zip(UNDEFINED_BELOW, lines, strict=True) if defines(line, name)]
    assert len(defined) >= 4, lines


# Blank lines at the end of a function that returns nothing yet (syntax/python/result.py)
LACKS_RESULT = [
    ('def remove_vowels(text: str) -> str:\n    """text without its vowels.\n    >>> remove_vowels("hello")\n'
    "    'hll'\n    \"\"\"\n    \n"),
    ('def is_cube(a: int) -> bool:\n    """Is a the cube of some integer?\n    >>> is_cube(8)\n    True\n'
    '    >>> is_cube(-1)\n    True\n    """\n    \n'),
    ('def longest_word(words: list[str]) -> str:\n    """The longest of words; the first one on a tie.\n'
    '    >>> longest_word(["a", "abc", "ab"])\n    \'abc\'\n    """\n    \n'),
    ('def extremes(values: list[int]) -> tuple:\n    """(smallest, largest) of values, or (None, None) when empty."""\n'
    '    \n'),
    ('def last_is_letter(txt: str) -> bool:\n    """Is the last character of txt a letter on its own (not the end of a'
    ' word)?"""\n    \n'),
    ('def is_sorted(xs: list[int]) -> bool:\n    """Is xs in ascending order?\n    >>> is_sorted([1, 2, 2, 5])\n'
    '    True\n    """\n    \n\n\ndef main():\n    print(is_sorted([3, 1]))\n'),
]


async def test_a_blank_line_ending_a_function_without_its_result_compares_its_return_line(model_path: Path) -> None:
    # each function needs its result, and the model knows a one-line one. With
    # `completion.blankLineReturn` the return line is compared (not preferred): 4 of these 6
    # returned, and with ranking off 4 too, not the same 4 (2026-12-07); with only the lines that
    # give the result compared, 5 of 6 (taken out: it cost the typist, docs/latency.md)
    lines = await _first_lines(model_path, {"HUSHCODE_COMPLETION_BLANK_LINE_RETURN": "1"}, LACKS_RESULT)
    assert sum(line.startswith("return ") for line in lines) >= 4, lines


# Names the code below reads several lines further down, where the model's own first guess is another
# value or another name
VALUE_BELOW = [
    (('def odd_product(n: int) -> int:\n    """The product of the odd digits of n, or 0 when all are even."""\n'
     '    product = 1\n    \n    for digit in str(n):\n        d = int(digit)\n        if d % 2 == 1:\n'
     '            product *= d\n            odd_count += 1\n    if odd_count == 0:\n        return 0\n'
     '    return product\n'), "odd_count = 0"),
    (('def count_sevens(n: int) -> int:\n    """How often the digit 7 appears in the numbers below n divisible by 11'
     ' or 13."""\n    \n    for i in range(n):\n        if i % 11 == 0 or i % 13 == 0:\n            ns.append(i)\n'
     '    s = "".join(map(str, ns))\n    return s.count("7")\n'), "ns = []"),
    (('def sum_product(numbers: list[int]) -> tuple[int, int]:\n    """(sum, product) of numbers; (0, 1) when empty."""\n'
     '    total = 0\n    \n    for n in numbers:\n        total += n\n        prod_value *= n\n'
     '    return total, prod_value\n'), "prod_value = 1"),
    (('def series(n: int) -> list[int]:\n    """Element i (1..n) is i! for even i, else 1 + 2 + ... + i."""\n'
     '    ret = []\n    for i in range(1, n + 1):\n        if i % 2 == 0:\n            \n'
     '            for j in range(1, i + 1): x *= j\n            ret += [x]\n        else:\n            x = 0\n'
     '            for j in range(1, i + 1): x += j\n            ret += [x]\n    return ret\n'), "x = 1"),
]


async def test_a_name_defined_for_the_code_below_gets_the_value_its_use_there_needs(model_path: Path) -> None:
    # with ranking off, the model wrote 2 of these 4 lines (2026-12-06): it opened the `if` below or
    # repeated the loop of the other branch
    lines = await _first_lines(model_path, {}, [text for text, _ in VALUE_BELOW])
    assert sum(line == expected for line, (_, expected) in zip(lines, VALUE_BELOW, strict=True)) >= 3, lines


# Blank lines where the small model writes what tree-sitter parses and Python rejects: a header with
# no body above code of its own block, or a read of a local that the code below assigns first
PYTHON_REJECTS = [
    (('def top_k(arr: list, k: int) -> list:\n    """The k largest numbers in arr, in ascending order.\n\n'
     '    >>> top_k([-3, -4, 5], 3)\n    [-4, -3, 5]\n    >>> top_k([4, -4, 4], 2)\n    [4, 4]\n    """\n'
     '    if k == 0:\n        return []\n    \n    ans = arr[-k:]\n    return ans\n'), "top_k([3, 1, 2], 2)"),
    (('def palindrome_counts(n: int) -> tuple:\n    """How many even and how many odd numbers in 1..n read the same'
     ' backwards.\n\n    >>> palindrome_counts(12)\n    (4, 6)\n    """\n    def is_palindrome(x):\n'
     '        return str(x) == str(x)[::-1]\n\n    \n    odd_count = 0\n    for i in range(1, n + 1):\n'
     '        if i % 2 == 1 and is_palindrome(i):\n            odd_count += 1\n'
     '        elif i % 2 == 0 and is_palindrome(i):\n            even_count += 1\n'
     '    return (even_count, odd_count)\n'), "palindrome_counts(12)"),
    (('def alternate_min_max(lst: list) -> list:\n    """Order lst as min, max, min of the rest, max of the rest...\n\n'
     '    >>> alternate_min_max([1, 2, 3, 4])\n    [1, 4, 2, 3]\n    """\n    out, take_min = [], True\n'
     '    while lst:\n        \n        lst.remove(out[-1])\n        take_min = not take_min\n    return out\n'),
     "alternate_min_max([1, 2, 3, 4])"),
    (('def swap_case(s: str) -> str:\n    """Swap the case of every letter in s; if s has no letters, reverse it.\n\n'
     '    >>> swap_case("#a@C")\n    \'#A@c\'\n    """\n    \n    idx = 0\n    chars = list(s)\n    for ch in s:\n'
     '        if ch.isalpha():\n            chars[idx] = ch.swapcase()\n            seen = 1\n        idx += 1\n'
     '    if seen == 0:\n        return s[::-1]\n    return "".join(chars)\n'), 'swap_case("ab")'),
    (('def largest_prime_digit_sum(lst: list) -> int:\n    """The sum of the digits of the largest prime in lst."""\n'
     '    def is_prime(n):\n        if n < 2:\n            return False\n        for d in range(2, int(n ** 0.5) + 1):\n'
     '            if n % d == 0:\n                return False\n        return True\n    best = 0\n    \n'
     '    while i < len(lst):\n        if lst[i] > best and is_prime(lst[i]):\n            best = lst[i]\n'
     '        i += 1\n    return sum(int(c) for c in str(best))\n'), "largest_prime_digit_sum([3, 11, 4])"),
]


def python_rejects(text: str, call: str) -> str | None:
    """What Python itself says about the completed file: a SyntaxError (IndentationError included)
    when compiling it, an UnboundLocalError when running `call`; None for anything else (a wrong
    result, another error, a loop that does not end are not this test's business)."""
    try:
        compile(text, "completed.py", "exec")
    except SyntaxError as error:
        return type(error).__name__
    try:
        run = subprocess.run([sys.executable, "-c", f"{text}\n{call}\n"], capture_output=True, text=True, timeout=20,
                             check=False)
    except subprocess.TimeoutExpired:
        return None
    return "UnboundLocalError" if "UnboundLocalError" in run.stderr else None


async def _rejected(model: Path, env: dict[str, str]) -> list[str | None]:
    """Python's verdict on each PYTHON_REJECTS text with its suggestion at the blank line accepted whole."""
    verdicts = []
    async with lsp.Session({"HUSHCODE_MODEL": str(model), **env}) as client:
        await lsp.wait_for_state(client, {"ready"})
        for i, (text, call) in enumerate(PYTHON_REJECTS):
            uri = f"file:///tmp/hushcode-e2e/rejects{i}.py"
            lsp.open_document(client, uri, text)
            lines = text.split("\n")
            row = next(k for k, line in enumerate(lines) if line and not line.strip(" "))
            result = await lsp.inline(client, uri, row, len(lines[row]))
            assert result is not None
            if not result.items:
                verdicts.append(None)
                continue
            lines[row] += str(result.items[0].insert_text)
            verdicts.append(python_rejects("\n".join(lines), call))
    return verdicts


async def test_a_blank_line_is_not_filled_with_what_python_rejects_though_tree_sitter_parses_it(model_path: Path) -> None:
    # ranking off and the minimal cleanup: the model writes such lines here (4 of 5 on 2026-12-07:
    # 2 UnboundLocalError, 2 IndentationError)
    off = {"HUSHCODE_COMPLETION_BLANK_LINE_CANDIDATES": "0"}
    raw = await _rejected(model_path, {"HUSHCODE_COMPLETION_POSTPROCESS": "minimal", **off})
    assert sum(verdict is not None for verdict in raw) >= 2, raw
    # the full cleanup (postprocess/parse_check.py, postprocess/unbound_local.py) rejects them all
    assert await _rejected(model_path, off) == [None] * len(PYTHON_REJECTS)
    # and with the defaults (the ranking does not compare them) neither is shown
    assert await _rejected(model_path, {}) == [None] * len(PYTHON_REJECTS)
