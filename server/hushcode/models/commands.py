"""``hushcode models list|pull|path|verify|use``.

Results go to stdout (so ``$(hushcode models path)`` works); progress, notes and errors go to
stderr. Every failure is one clear message and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from types import FrameType
from typing import TextIO

from hushcode.config.commands import add_use_parser, run_use
from hushcode.models.catalog import Catalog, CatalogError, ModelEntry, load_catalog
from hushcode.models.pull import PullError, pull
from hushcode.models.store import installed_path, quick_status, verify_file


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse prints usage and calls sys.exit(2) itself; raise instead so run() returns a code.
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{message} (see: {self.prog} --help)")


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="hushcode models",
        description="List, fetch and check the local models hushcode can use.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    sub.add_parser("list", help="show the catalog and what is installed")
    p_pull = sub.add_parser("pull", help="download a model (the default one if no ID)")
    p_pull.add_argument("id", nargs="?", metavar="ID")
    p_pull.add_argument("--force", action="store_true", help="fetch again even if installed")
    p_pull.add_argument(
        "--allow-unverified",
        action="store_true",
        help="allow a model whose sha256 the catalog does not record",
    )
    p_path = sub.add_parser("path", help="print the installed file's path")
    p_path.add_argument("id", nargs="?", metavar="ID")
    p_verify = sub.add_parser("verify", help="re-hash an installed model and check it")
    p_verify.add_argument("id", nargs="?", metavar="ID")
    p_verify.add_argument("--quick", action="store_true", help="trust a matching stamp file")
    add_use_parser(sub)  # hushcode models use NAME (config/commands.py)
    return parser


def run(argv: list[str], *, catalog: Catalog | None = None) -> int:
    """Run ``hushcode models <argv>``; return the process exit status (0 ok, 1 error, 2 usage)."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(f"hushcode models: {exc}", file=sys.stderr)
        return 2
    try:
        cat = catalog if catalog is not None else load_catalog()
        if args.command == "list":
            return _cmd_list(cat, sys.stdout)
        if args.command == "use":
            return run_use(args, cat)
        entry = cat.get(args.id) if args.id else cat.default()
        if args.command == "pull":
            return _cmd_pull(entry, force=args.force, allow_unverified=args.allow_unverified)
        if args.command == "path":
            return _cmd_path(entry)
        return _cmd_verify(entry, full=not args.quick)
    except KeyError as exc:
        _error(str(exc.args[0]) if exc.args else str(exc))
    except (CatalogError, PullError) as exc:
        _error(str(exc))
    except OSError as exc:
        _error(str(exc))
    except KeyboardInterrupt:
        _error("interrupted; nothing was installed")
        return 130
    return 1


def _error(message: str) -> None:
    print(f"hushcode models: error: {message}", file=sys.stderr)


def _fmt_size(mb: int | None) -> str:
    if mb is None:
        return "?"
    return f"{mb / 1000:.2f}".rstrip("0").rstrip(".") + " GB" if mb >= 1000 else f"{mb} MB"


def _cmd_list(cat: Catalog, out: TextIO) -> int:
    headers = ("ID", "PARAMS", "VARIANT", "QUANT", "SIZE", "RAM", "LICENCE", "INSTALLED")
    rows: list[tuple[str, ...]] = []
    for entry in cat:
        licence = entry.license if entry.commercial_use else f"{entry.license} (non-commercial)"
        rows.append(
            (
                ("* " if entry.default else "  ") + entry.id,
                entry.params,
                entry.variant,
                entry.quant,
                _fmt_size(entry.display_size_mb),
                _fmt_size(entry.ram_mb),
                licence,
                quick_status(entry),
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    header_cells = [
        ("  " + headers[0]).ljust(widths[0]),
        *(h.ljust(w) for h, w in zip(headers[1:], widths[1:], strict=True)),
    ]
    print("  ".join(header_cells).rstrip(), file=out)
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip(), file=out)
    print("\n* default model. RAM is an estimate at a 4k context.", file=out)
    return 0


class _ProgressPrinter:
    """Prints at most one line per 5 % of the transfer (or per 50 MB when the size is unknown).

    A stage change (next chunk package) is shown too, but only if nothing was printed in the
    last few seconds, so slow per-package downloads still show life without flooding the terminal.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._last_bucket = -1
        self._last_stage = ""
        self._last_time = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        bucket = done * 20 // total if total > 0 else done // 50_000_000
        now = time.monotonic()
        stage_news = stage != self._last_stage and now - self._last_time >= 5.0
        if bucket <= self._last_bucket and not stage_news:
            return
        self._last_bucket = max(bucket, self._last_bucket)
        self._last_stage = stage
        self._last_time = now
        if total > 0:
            line = f"{done * 100 // total:3d}%  {done / 1e6:7.1f} / {total / 1e6:.1f} MB  {stage}"
        else:
            line = f"{done / 1e6:7.1f} MB  {stage}"
        print(line, file=self._stream, flush=True)


def _cmd_pull(entry: ModelEntry, *, force: bool, allow_unverified: bool) -> int:
    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.monotonic()
    # SIGTERM would end the process without running pull's cleanup; treat it like Ctrl-C.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        path = pull(
            entry,
            progress=_ProgressPrinter(sys.stderr),
            force=force,
            log=log,
            allow_unverified=allow_unverified,
        )
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    log(f"done in {time.monotonic() - started:.1f} s")
    print(path)
    return 0


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _cmd_path(entry: ModelEntry) -> int:
    path = installed_path(entry)
    if not path.is_file():
        _error(f"{entry.id} is not installed (expected at {path}); run: hushcode models pull {entry.id}")
        return 1
    print(path)
    return 0


def _cmd_verify(entry: ModelEntry, *, full: bool) -> int:
    result = verify_file(installed_path(entry), entry, full=full)
    if not result.ok:
        _error(f"{entry.id}: {result.reason}; run: hushcode models pull --force {entry.id}")
        return 1
    print(f"{entry.id}: {result.reason}")
    return 0
