"""The `hushcode` command: serve, complete, config, models, doctor, bench.

This module only dispatches. The console script imports it before `main()` runs, so its top
imports nothing beyond the standard library's argument parsing and hushcode's own isolation:
each command's module is imported once `forget_user_paths()` has dropped the user's folders
from the import path (issue 23), which also keeps `hushcode models` from loading the server.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

from hushcode import __version__
from hushcode.isolation import forget_user_paths


def _parse_location(spec: str) -> tuple[Path, int, int]:
    path, _, rest = spec.rpartition(":")
    file, _, line = path.rpartition(":")
    if not file or not line.isdigit() or not rest.isdigit():
        raise ValueError("expected FILE:LINE:COL (1-based line and column)")
    return Path(file), int(line), int(rest)


def _run_plugin(name: str, argv: list[str]) -> int:
    """A command that another package adds (the benchmarks: `hushcode_bench`, an entry point in
    the group `hushcode.commands`): the product itself never imports it."""
    found = [ep for ep in entry_points(group="hushcode.commands") if ep.name == name]
    if not found:
        print(f"hushcode: `hushcode {name}` is not installed (pip install 'hushcode[{name}]')", file=sys.stderr)
        return 2
    run: Callable[[list[str]], int] = found[0].load()
    return run(argv)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hushcode", description="Private inline code completion.")
    parser.add_argument("--version", action="version", version=f"hushcode {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the language server (LSP over stdio)")
    serve.add_argument("--tcp", type=int, metavar="PORT", help="listen on 127.0.0.1:PORT instead of stdio")
    serve.add_argument("--log-file", help="write the log here instead of stderr")
    serve.add_argument("--log-level", default="INFO", type=str.upper,
                       choices=["DEBUG-CODE", "DEBUG", "INFO", "WARNING", "ERROR"],
                       help="DEBUG-CODE also logs source code and suggestions (never logged otherwise)")
    complete = sub.add_parser("complete", help="print the suggestion at FILE:LINE:COL (1-based)")
    complete.add_argument("location")
    complete.add_argument("--in-place", action="store_true",
                          help="print the file with the suggestion in it, its lines marked with +")
    complete.add_argument("--again", action="store_true",
                          help="ask again at the same place (twice): what the caches make of it")
    complete.add_argument("--figures", action="store_true", help="every figure of the server's log line")
    sub.add_parser("models", help="list, pull and verify models (see: hushcode models --help)")
    sub.add_parser("config", help="print the effective settings for a folder, with their sources")
    sub.add_parser("doctor", help="check the whole chain (build, model, engine, a completion, editors); --json")
    sub.add_parser("bench", help="measure quality and latency (see: hushcode bench --help)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `hushcode` command."""
    forget_user_paths()  # an editor starts us in the workspace: import nothing from it
    argv = list(sys.argv[1:] if argv is None else argv)
    # Each command's module is imported here, after forget_user_paths() (see the docstring).
    if argv[:1] == ["models"]:
        from hushcode.cli.models import run

        return run(argv[1:])
    if argv[:1] == ["config"]:
        from hushcode.cli.config import run_config

        return run_config(argv[1:])
    if argv[:1] == ["doctor"]:
        from hushcode import netguard

        netguard.install("hushcode doctor")  # always, before the engine's modules are imported (doctor/network.py)
        from hushcode.cli.doctor import run_doctor

        return run_doctor(argv[1:])
    if argv[:1] == ["bench"]:
        return _run_plugin("bench", argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        from hushcode.cli.serve import serve

        return serve(args.tcp, args.log_file, args.log_level)
    try:
        path, line, col = _parse_location(args.location)
    except ValueError as exc:
        parser.error(str(exc))
    if not path.is_file():
        print(f"hushcode: no such file: {path}", file=sys.stderr)
        return 1
    from hushcode import netguard

    netguard.install_if_requested("hushcode complete")  # before the engine's modules are imported
    from hushcode.cli.complete import Options, complete

    return complete(path, line, col, Options(in_place=args.in_place, again=args.again, figures=args.figures))
