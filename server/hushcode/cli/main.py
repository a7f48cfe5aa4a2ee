"""The `hushcode` command: serve, complete, config, models, bench."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

from hushcode import __version__
from hushcode.isolation import forget_user_paths


def _serve(args: argparse.Namespace) -> int:
    from hushcode import netguard

    netguard.install_if_requested("the language server")  # before anything could open a socket
    from hushcode.logs import setup_logging
    from hushcode.lsp.stdio import claim_stdout

    protocol_out = claim_stdout() if args.tcp is None else None
    setup_logging(args.log_file, args.log_level)
    from hushcode.lsp.server import build_server

    server = build_server()
    if args.tcp is not None:
        server.start_tcp("127.0.0.1", args.tcp)  # loopback only: code never leaves the machine
    else:
        server.start_io(sys.stdin.buffer, protocol_out)
    return 0


def _parse_location(spec: str) -> tuple[Path, int, int]:
    path, _, rest = spec.rpartition(":")
    file, _, line = path.rpartition(":")
    if not file or not line.isdigit() or not rest.isdigit():
        raise ValueError("expected FILE:LINE:COL (1-based line and column)")
    return Path(file), int(line), int(rest)


async def _complete(path: Path, line: int, col: int, verbose: bool) -> int:
    from hushcode.completion.service import CompletionService, DocumentSnapshot
    from hushcode.config.load import load_effective
    from hushcode.engine.factory import create_engine

    # the user file, the current folder's project files and the environment, as `hushcode config` shows
    effective = load_effective([Path.cwd()], None, os.environ)
    settings, warnings = effective.settings, effective.warnings
    for warning in warnings:
        print(f"hushcode: warning: {warning}", file=sys.stderr)
    text = path.read_text(encoding="utf-8")

    def notify(level: str, message: str) -> None:
        print(f"hushcode: {level}: {message}", file=sys.stderr)

    started = time.perf_counter()
    engine, error = await create_engine(settings, notify, lambda: None)  # local, or HUSHCODE_ENGINE_*
    if engine is None:
        print(f"hushcode: {error}", file=sys.stderr)
        return 1
    engine.start()
    try:
        if not await engine.wait_ready(120):
            print(f"hushcode: the engine did not start: {engine.last_error}", file=sys.stderr)
            return 1
        load_ms = (time.perf_counter() - started) * 1000
        service = CompletionService(settings, engine)
        doc = DocumentSnapshot(uri=path.resolve().as_uri(), version=None, text=text)
        suggestion = await service.suggest(doc, line - 1, col - 1, "utf-32", "cli")
        stats = service.stats.last
        print(f"hushcode: model {engine.model.name if engine.model else '?'} loaded in {load_ms:.0f} ms; "
              + " ".join(f"{k}={v}" for k, v in stats.items()), file=sys.stderr)
        if suggestion is None:
            print(f"hushcode: no suggestion here ({stats.get('result')})", file=sys.stderr)
            return 2
        print(suggestion.text)
        return 0
    finally:
        await engine.stop()


def _run_plugin(name: str, argv: list[str]) -> int:
    """A command that another package adds (the benchmarks: `hushcode_bench`, an entry point in
    the group `hushcode.commands`): the product itself never imports it."""
    found = [ep for ep in entry_points(group="hushcode.commands") if ep.name == name]
    if not found:
        print(f"hushcode: `hushcode {name}` is not installed (pip install 'hushcode[{name}]')", file=sys.stderr)
        return 2
    run: Callable[[list[str]], int] = found[0].load()
    return run(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `hushcode` command."""
    forget_user_paths()  # an editor starts us in the workspace: import nothing from it
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["models"]:
        from hushcode.cli.models import run

        return run(argv[1:])
    if argv[:1] == ["config"]:
        from hushcode.cli.config import run_config

        return run_config(argv[1:])
    if argv[:1] == ["bench"]:
        return _run_plugin("bench", argv[1:])
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
    sub.add_parser("models", help="list, pull and verify models (see: hushcode models --help)")
    sub.add_parser("config", help="print the effective settings for a folder, with their sources")
    sub.add_parser("bench", help="measure quality and latency (see: hushcode bench --help)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "complete":
        try:
            path, line, col = _parse_location(args.location)
        except ValueError as exc:
            parser.error(str(exc))
        if not path.is_file():
            print(f"hushcode: no such file: {path}", file=sys.stderr)
            return 1
        from hushcode import netguard

        netguard.install_if_requested("hushcode complete")
        return asyncio.run(_complete(path, line, col, verbose=False))
    return 1
