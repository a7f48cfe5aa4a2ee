"""`hushcode complete FILE:LINE:COL`: one suggestion, printed, as the server would make it there.

The settings are those `hushcode config` shows for the current folder (the user file, its
project files, the environment). The suggestion goes to stdout; the timings and every message
to stderr. Exit status: 0 a suggestion, 2 none here, 1 the engine could not start.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from hushcode.completion.service import CompletionService
from hushcode.config.load import load_effective
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.factory import create_engine
from hushcode.engine.interface import CompletionEngine


def complete(path: Path, line: int, col: int) -> int:
    """Print the suggestion at 1-based `line` and `col` of `path`; return the exit status."""
    return asyncio.run(_complete(path, line, col))


def _notify(level: str, message: str) -> None:
    print(f"hushcode: {level}: {message}", file=sys.stderr)


async def _complete(path: Path, line: int, col: int) -> int:
    effective = load_effective([Path.cwd()], None, os.environ)
    for warning in effective.warnings:
        print(f"hushcode: warning: {warning}", file=sys.stderr)
    text = path.read_text(encoding="utf-8")
    started = time.perf_counter()
    engine, error = await create_engine(effective.settings, _notify, lambda: None)  # local, or HUSHCODE_ENGINE_*
    if engine is None:
        print(f"hushcode: {error}", file=sys.stderr)
        return 1
    engine.start()
    try:
        if not await engine.wait_ready(120):
            print(f"hushcode: the engine did not start: {engine.last_error}", file=sys.stderr)
            return 1
        load_ms = (time.perf_counter() - started) * 1000
        return await _suggest(CompletionService(effective.settings, engine), engine, load_ms,
                              DocumentSnapshot(uri=path.resolve().as_uri(), version=None, text=text), line, col)
    finally:
        await engine.stop()


async def _suggest(service: CompletionService, engine: CompletionEngine, load_ms: float,
                   doc: DocumentSnapshot, line: int, col: int) -> int:
    suggestion = await service.suggest(doc, line - 1, col - 1, "utf-32", "cli")
    stats = service.stats.last
    print(f"hushcode: model {engine.model.name if engine.model else '?'} loaded in {load_ms:.0f} ms; "
          + " ".join(f"{k}={v}" for k, v in stats.items()), file=sys.stderr)
    if suggestion is None:
        print(f"hushcode: no suggestion here ({stats.get('result')})", file=sys.stderr)
        return 2
    print(suggestion.text)
    return 0
