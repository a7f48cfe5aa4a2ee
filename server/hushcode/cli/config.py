"""`hushcode config [FOLDER]` and `hushcode models use NAME`.

Results go to stdout; notes and errors to stderr. Failures are one clear message, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from hushcode.config.load import load_effective
from hushcode.config.project_file import ProjectFileError, use_model
from hushcode.config.report import describe, text_report
from hushcode.models.catalog import Catalog


def run_config(argv: list[str]) -> int:
    """`hushcode config [FOLDER] [--json]`: the effective settings for FOLDER with their sources."""
    parser = argparse.ArgumentParser(
        prog="hushcode config",
        description="Print the effective settings for a folder (as the server would use them with no editor "
                    "settings), with the source of each value.")
    parser.add_argument("folder", nargs="?", default=".", type=Path, help="the workspace folder (default: .)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    folder = args.folder.expanduser().resolve()
    if not folder.is_dir():
        print(f"hushcode config: no such folder: {args.folder}", file=sys.stderr)
        return 1
    effective = load_effective([folder], None, os.environ)
    report = describe(effective, folder)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(text_report(report))
    return 0


def add_use_parser(sub: Any) -> None:
    """The `use` sub-command of `hushcode models`."""
    use = sub.add_parser("use", help="write a model choice into this folder's project file (.hushcode.toml)")
    use.add_argument("name", metavar="NAME", help="a catalog model id (hushcode models list) or a GGUF file")
    use.add_argument("--folder", type=Path, default=Path("."), help="the project folder (default: .)")


def run_use(args: argparse.Namespace, catalog: Catalog) -> int:
    """Write `model.path = NAME` into the folder's project file; returns the exit status."""
    folder = args.folder.expanduser().resolve()
    if not folder.is_dir():
        print(f"hushcode models use: no such folder: {args.folder}", file=sys.stderr)
        return 1
    try:
        written = use_model(folder, args.name, catalog, os.environ)
    except ProjectFileError as exc:
        print(f"hushcode models use: {exc}", file=sys.stderr)
        return 1
    was = f" (was {written.previous!r})" if written.previous is not None else ""
    print(f"{'created' if written.created else 'updated'} {written.path}: model.path = {written.value!r}{was}")
    for note in written.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
