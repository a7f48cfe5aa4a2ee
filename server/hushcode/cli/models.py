"""``hushcode models list|catalog|advise|pull|path|verify|use``.

Results go to stdout (so ``$(hushcode models path)`` works); progress, notes and errors go to
stderr. Every failure is one clear message and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from types import FrameType
from typing import TextIO

from hushcode.cli.config import add_use_parser, run_use
from hushcode.models.catalog import Catalog, CatalogError, ModelEntry, load_catalog
from hushcode.models.download import part_path
from hushcode.models.probe import ProbeError
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
    p_list = sub.add_parser("list", help="show the models on this machine (hushcode, Ollama, LM Studio, "
                            "Hugging Face caches)")
    p_list.add_argument("--json", action="store_true", help="print JSON")
    p_list.add_argument("--paths", action="store_true", help="print each file's path")
    p_catalog = sub.add_parser("catalog", help="show the catalog of known models and what is installed")
    p_catalog.add_argument("--json", action="store_true", help="print JSON")
    p_catalog.add_argument("--context", type=int, default=4096, metavar="TOKENS",
                           help="context length the memory column is computed for (default 4096)")
    p_advise = sub.add_parser("advise", help="recommend a model and quantisation for this machine")
    p_advise.add_argument("--json", action="store_true", help="print JSON")
    p_advise.add_argument("--probe", action="store_true",
                          help="measure the speed of an installed model here instead of estimating it")
    p_advise.add_argument("--any-licence", "--any-license", dest="any_licence", action="store_true",
                          help="also consider licences that forbid commercial use")
    p_advise.add_argument("--context", type=int, metavar="TOKENS",
                          help="context length to size the KV cache for (default: the setting, 4096)")
    p_advise.add_argument("--budget-ms", type=float, default=800.0, metavar="MS",
                          help="the most a keystroke may take (default 800)")
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
    add_use_parser(sub)  # hushcode models use NAME (cli/config.py)
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
        # `list` and `advise` read GGUF headers with the gguf library, which loads numpy (half a
        # second): their modules are imported for them only, so that `$(hushcode models path)` is quick
        if args.command == "list":
            from hushcode.cli.listing import run_list

            return run_list(cat, sys.stdout, as_json=args.json, paths=args.paths)
        if args.command == "catalog":
            return _cmd_catalog(cat, sys.stdout, as_json=args.json, n_ctx=args.context)
        if args.command == "advise":
            from hushcode.cli.advise import run_advise

            return run_advise(cat, args)
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
    except (CatalogError, PullError, ProbeError) as exc:
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


def _cmd_catalog(cat: Catalog, out: TextIO, *, as_json: bool, n_ctx: int = 4096) -> int:
    if as_json:
        data = [{"id": e.id, "name": e.name, "family": e.family, "params": e.params, "variant": e.variant,
                 "quant": e.quant, "file": e.file, "size_bytes": e.size_bytes, "approx_size_mb": e.approx_size_mb,
                 "sha256": e.sha256, "memory_mb": e.memory(n_ctx).total_mb, "context": n_ctx,
                 "license": e.license,
                 "commercial_use": e.commercial_use, "fim_template": e.fim_template, "stops": list(e.stops),
                 "sources": [s.download_url if s.kind == "huggingface" else s.describe() for s in e.sources],
                 "default": e.default, "installed": quick_status(e)} for e in cat]
        print(json.dumps({"models": data}, indent=2), file=out)
        return 0
    headers = ("ID", "PARAMS", "VARIANT", "QUANT", "SIZE", "MEMORY", "LICENCE", "INSTALLED")
    rows: list[tuple[str, ...]] = []
    for entry in cat:
        licence = entry.license if entry.commercial_use else f"{entry.license} (non-commercial)"
        rows.append(
            (
                ("* " if entry.default else "  ") + entry.id,
                entry.params,
                entry.variant,
                entry.quant,
                ("" if entry.size_bytes else "~") + _fmt_size(entry.display_size_mb),
                _fmt_size(entry.memory(n_ctx).total_mb),
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
    print(f"\n* default model. MEMORY: RAM (or GPU memory) needed at a {n_ctx}-token context, estimated "
          "(weights + KV cache + buffers). ~: approximate size.", file=out)
    return 0


def _cmd_pull(entry: ModelEntry, *, force: bool, allow_unverified: bool) -> int:
    from hushcode.cli.progress import ProgressPrinter  # tqdm: loaded for a pull only

    started = time.monotonic()
    progress = ProgressPrinter(sys.stderr)
    # SIGTERM would end the process without running pull's cleanup; treat it like Ctrl-C.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        path = pull(
            entry,
            progress=progress,
            force=force,
            log=progress.note,
            allow_unverified=allow_unverified,
        )
    except KeyboardInterrupt:
        progress.close()
        part = part_path(installed_path(entry))
        kept = f"; the partial download is kept in {part}, run the same command to resume" \
            if part.exists() else ""
        _error(f"interrupted; nothing was installed{kept}")
        return 130
    finally:
        progress.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    progress.note(f"done in {time.monotonic() - started:.1f} s")
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
