"""How often what the code around a line hole says it lacks is what the missing line gives: the
names `syntax/python/unbound.py` finds (does the line define one?), and a function's result
`syntax/python/result.py` finds missing (does the line return a value?).

Reads the tasks of a `hushcode bench quality` run (its results.json) over a repository, blanks
each line hole as the bench does (the line cut after its indentation), and asks
`unbound_below` for the names the code below reads that nothing before defines. A found name is
right when the expected line defines it (`engine.ranking.defines`).

    .venv/bin/python benchmarks/unbound_names.py /tmp/humaneval /tmp/bench-run/results.json

Prints, per results file: the line holes (those the tests noticed when the run had tests), the
holes where names were found, and of those, the ones whose expected line defines one; the holes at
the end of a function that lacks its result, and of those, the ones whose expected line returns a
value; then every miss. Nothing here is imported by hushcode; it reads files and writes nothing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hushcode.syntax.languages import detect_language
from hushcode.syntax.lines import defines, returns
from hushcode.syntax.python.result import lacks_result
from hushcode.syntax.python.unbound import unbound_below

FOUND_NAMES = 2  # as many as the completion service passes on (completions._RANK_UNBOUND)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="the repository the run cut its holes in")
    parser.add_argument("results", type=Path, nargs="+", help="results.json of `hushcode bench quality`")
    args = parser.parse_args()
    for results in args.results:
        data = json.loads(results.read_text())
        holes = found = right = ends = returned = 0
        misses = []
        for task in data["tasks"]:
            answers = list(task["results"].values())
            if task["kind"] != "line" or (answers and answers[0].get("tested") is False):
                continue
            holes += 1
            lines = (args.root / task["path"]).read_text().split("\n")
            row, column = task["line"] - 1, task["column"] - 1
            lines[row] = lines[row][:column]
            text = "\n".join(lines)
            cursor = sum(len(line) + 1 for line in lines[:row]) + column
            language = detect_language(None, task["path"])
            if lacks_result(text, cursor, language):
                ends += 1
                if returns(task["expected"]):
                    returned += 1
                else:
                    misses.append(f"  {task['id']}: expected {task['expected']!r}, a function's end lacking its result")
            names = [u.name for u in unbound_below(text, cursor, language)][:FOUND_NAMES]
            if not names:
                continue
            found += 1
            if any(defines(task["expected"], name) for name in names):
                right += 1
            else:
                misses.append(f"  {task['id']}: expected {task['expected']!r}, found {names}")
        print(f"{results}: {holes} line holes, names found at {found}, the missing line defines one at {right}; "
              f"a function's end lacking its result at {ends}, the missing line returns a value at {returned}")
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
