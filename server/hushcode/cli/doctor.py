"""`hushcode doctor [FOLDER] [--json]`: check the whole chain, one verdict a line.

Text: each line as soon as its check is done (the engine takes seconds), then a summary. JSON: a
list of {check, status, detail, fix}, for editors (Neovim's `:checkhealth hushcode` reads it).
Exit status: 1 when a check failed, else 0; 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from hushcode.doctor.checks import run_checks
from hushcode.doctor.report import CheckResult, exit_status, render_line, summary, to_json


def run_doctor(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="hushcode doctor",
        description="Check Python, the llama.cpp build, the model, the engine, a real completion, the network "
                    "guard and the editors; one line each, with the fix when one fails.")
    parser.add_argument("folder", nargs="?", default=".", type=Path,
                        help="the workspace folder whose settings are checked (default: .)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of {check, status, detail, fix}")
    parser.add_argument("--no-editors", action="store_true", help="leave out the editor checks")
    args = parser.parse_args(argv)
    folder = args.folder.expanduser().resolve()
    if not folder.is_dir():
        print(f"hushcode doctor: no such folder: {args.folder}", file=sys.stderr)
        return 2

    def emit(result: CheckResult) -> None:
        if not args.json:
            print(render_line(result), flush=True)

    results = asyncio.run(run_checks(folder, os.environ, emit, editors=not args.no_editors))
    if args.json:
        print(json.dumps(to_json(results), indent=2))
    else:
        print(summary(results))
    return exit_status(results)
