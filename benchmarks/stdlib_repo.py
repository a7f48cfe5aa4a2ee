"""Make a repository of standard-library modules with their own unit tests, for `hushcode bench quality`.

`colorsys`, `fnmatch`, `shlex` and `textwrap` are copied from this Python's standard library as
`hc_colorsys.py`, ... (so that the tests exercise the copies, not the installed modules), and
their tests from `test/` into the hidden folder `.checks/` (never cut into holes), importing the
copies. Then:

    .venv/bin/python benchmarks/stdlib_repo.py /tmp/passrepo
    .venv/bin/hushcode bench quality /tmp/passrepo --kinds line --limit 40 --test-timeout 30 \\
        --test-command 'PYTHONPATH=.:.checks python -m unittest -q test_shlex test_textwrap test_fnmatch test_colorsys' \\
        --config default={} \\
        --config plain='{"completion":{"promptFormat":"psm","postprocess":"off","tokenHealing":false,"contextTokens":0,"blankLineCandidates":0}}' \\
        --first-line plain

Needs the standard library's `test` package (python3-dev's `libpython3.X-testsuite` on Debian;
pyenv and python.org builds have it). Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import re
import sys
import sysconfig
from pathlib import Path

MODULES = ("colorsys", "fnmatch", "shlex", "textwrap")


def copied_test(name: str, text: str) -> str:
    """The test module importing hc_NAME instead of NAME."""
    text = re.sub(rf"^import {name}$", f"import hc_{name} as {name}", text, flags=re.MULTILINE)
    return re.sub(rf"^from {name} import", f"from hc_{name} import", text, flags=re.MULTILINE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the folder to write (created; existing files are overwritten)")
    args = parser.parse_args()
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    checks = args.out / ".checks"
    checks.mkdir(parents=True, exist_ok=True)
    for name in MODULES:
        test = stdlib / "test" / f"test_{name}.py"
        if not test.is_file():
            print(f"stdlib_repo: {test} is missing (install the standard library's test suite)", file=sys.stderr)
            return 1
        (args.out / f"hc_{name}.py").write_text((stdlib / f"{name}.py").read_text(encoding="utf-8"), encoding="utf-8")
        (checks / f"test_{name}.py").write_text(copied_test(name, test.read_text(encoding="utf-8")), encoding="utf-8")
    tests = " ".join(f"test_{n}" for n in MODULES)
    print(f"{len(MODULES)} modules in {args.out}; tests: cd {args.out} && PYTHONPATH=.:.checks python -m unittest -q {tests}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
