"""benchmarks/unbound_names.py on a made-up run: the holes, where names were found, and misses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "unbound_names.py"


def test_it_counts_the_holes_whose_missing_line_defines_a_found_name(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def f(x):\n    ret = ''\n    while x:\n        ret = str(x) + ret\n"
                                   "        x -= 1\n    return ret\n\n\ndef g(s):\n    t = 1\n    return s * t\n"
                                   "\n\ndef h(xs):\n    n = len(xs)\n    return n * 2\n\n\ndef k(xs):\n    xs.sort()\n"
                                   "    print(xs)\n")

    def task(line: int, expected: str, tested: bool = True) -> dict[str, object]:
        return {"id": f"line:m.py:{line}:5", "kind": "line", "path": "m.py", "line": line, "column": 5,
                "expected": expected, "results": {"default": {"tested": tested}}}

    # line 2 lacks `ret` (found, right); line 10 lacks `t` (found; say the expected line were
    # something else: a miss); line 5 lacks nothing the code below reads; line 6 was not tested
    # line 16 ends h, which lacks its result without it (it returns: right); line 21 ends k, which
    # returns nothing (the missing line does not return: a miss)
    results = {"tasks": [task(2, "ret = ''"), task(10, "pass"), task(5, "x -= 1"), task(6, "return ret", False),
                         task(16, "return n * 2"), task(21, "print(xs)")]}
    (tmp_path / "results.json").write_text(json.dumps(results))
    out = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), str(tmp_path / "results.json")],
                         capture_output=True, text=True, check=True).stdout
    assert "5 line holes, names found at 2, the missing line defines one at 1; a function's end lacking its " \
        "result at 2, the missing line returns a value at 1" in out
    assert "line:m.py:21:5: expected 'print(xs)', a function's end lacking its result" in out
    assert "line:m.py:10:5: expected 'pass', found ['t']" in out
