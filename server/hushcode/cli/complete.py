"""`hushcode complete FILE:LINE:COL`: one suggestion, printed, as the server would make it there.

The settings are those `hushcode config` shows for the current folder (the user file, its
project files, the environment). The command is an explicit request, as a manual trigger is: the
whole suggestion, never the first lines that typing would show first (`completion.firstSuggestionMs`),
and from the whole prompt (`completion.coldPromptTokens` is for keystrokes). The suggestion goes to
stdout (with --in-place, the file with the suggestion in it, marked); one line of timing and every
message to stderr (--figures: every figure of the server's log line). Exit status: 0 a suggestion,
2 none here, 1 the engine could not start.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from hushcode.completion.service import CompletionService
from hushcode.completion.trace import Trace
from hushcode.config.load import load_effective
from hushcode.config.settings import Settings
from hushcode.documents.positions import resolve_position
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.factory import create_engine
from hushcode.engine.interface import CompletionEngine

MARK = "+ "  # the gutter of a line the suggestion wrote (or changed)
KEPT = "  "  # ...and of the file's own lines


@dataclass(frozen=True)
class Options:
    in_place: bool = False  # print the file with the suggestion in it, marked
    again: bool = False  # ask twice more at the same place: what the caches make of it
    figures: bool = False  # every figure of the server's log line, on stderr


def complete(path: Path, line: int, col: int, options: Options = Options()) -> int:
    """Print the suggestion at 1-based `line` and `col` of `path`; return the exit status."""
    return asyncio.run(_complete(path, line, col, options))


def _notify(level: str, message: str) -> None:
    print(f"hushcode: {level}: {message}", file=sys.stderr)


def explicit(settings: Settings) -> Settings:
    """The settings of an explicit request: the whole suggestion, from the whole prompt."""
    return replace(settings, completion=replace(settings.completion, first_suggestion_ms=0, cold_prompt_tokens=0))


async def _complete(path: Path, line: int, col: int, options: Options) -> int:
    effective = load_effective([Path.cwd()], None, os.environ)
    for warning in effective.warnings:
        print(f"hushcode: warning: {warning}", file=sys.stderr)
    text = path.read_text(encoding="utf-8")
    started = time.perf_counter()
    settings = explicit(effective.settings)
    engine, error = await create_engine(settings, _notify, lambda: None)  # local, or HUSHCODE_ENGINE_*
    if engine is None:
        print(f"hushcode: {error}", file=sys.stderr)
        return 1
    engine.start()
    try:
        if not await engine.wait_ready(120):
            print(f"hushcode: the engine did not start: {engine.last_error}", file=sys.stderr)
            return 1
        load_ms = (time.perf_counter() - started) * 1000
        doc = DocumentSnapshot(uri=path.resolve().as_uri(), version=None, text=text)
        return await _suggest(CompletionService(settings, engine), engine, load_ms, doc, line, col, options)
    finally:
        await engine.stop()


async def _suggest(service: CompletionService, engine: CompletionEngine, load_ms: float,
                   doc: DocumentSnapshot, line: int, col: int, options: Options) -> int:
    suggestion = await service.suggest(doc, line - 1, col - 1, "utf-32", "cli")
    stats = service.stats.last
    name = engine.model.name if engine.model else "?"
    cursor = resolve_position(doc.text, line - 1, col - 1, "utf-32")
    if suggestion is not None:  # the suggestion first, then how long it took
        shown = in_place(doc.text, cursor.offset, suggestion.text, suggestion.replace_end) \
            if options.in_place and cursor is not None else suggestion.text + "\n"
        print(shown, end="", flush=True)
    print(f"hushcode: {name}: {timing(load_ms, stats)}", file=sys.stderr)
    if options.figures:
        print("hushcode: figures: " + " ".join(f"{k}={v}" for k, v in stats.items()), file=sys.stderr)
    if suggestion is None:
        print(f"hushcode: no suggestion here ({stats.get('result')})", file=sys.stderr)
        return 2
    if options.again:
        await service.suggest(doc, line - 1, col - 1, "utf-32", "cli-again")
        print(f"hushcode: the same place again: {again(service.stats.last)}", file=sys.stderr)
        service.cache.forget(doc.uri)
        await service.suggest(doc, line - 1, col - 1, "utf-32", "cli-again-model")
        print(f"hushcode: ...and with the suggestion cache emptied: {again(service.stats.last)}", file=sys.stderr)
    return 0


def timing(load_ms: float, trace: Trace) -> str:
    """One line: model load, prompt, generation, in all."""
    parts = [f"model ready in {load_ms:.0f} ms"]
    if "prompt" in trace:
        reused = f", {trace['reused']} already in the model's cache" if trace.get("reused") else ""
        parts.append(f"prompt of {trace['prompt']} tokens read in {float(trace.get('prompt_ms', 0)):.0f} ms{reused}")
    if "generated" in trace:
        parts.append(f"{trace['generated']} tokens written in {float(trace.get('gen_ms', 0)):.0f} ms")
    parts.append(f"the suggestion in {float(trace.get('total_ms', 0)):.0f} ms")
    return "; ".join(parts)


def again(trace: Trace) -> str:
    """What a repeated request cost, and what answered it."""
    total = float(trace.get("total_ms", 0))
    if trace.get("result") == "cache_hit":
        return f"{total:.1f} ms, from the suggestion cache (no model call)"
    if "prompt" in trace:
        return (f"{total:.0f} ms; the model's cache held {trace.get('reused', 0)} of the prompt's "
                f"{trace['prompt']} tokens, {trace.get('evaluated', 0)} read again")
    return f"{total:.0f} ms ({trace.get('result')})"


def in_place(text: str, offset: int, suggestion: str, replace_end: int = 0) -> str:
    """The file with `suggestion` at `offset` (replacing `replace_end` characters after it, as an
    editor's accept does): every line the suggestion wrote or changed marked in the gutter."""
    first_line = text.count("\n", 0, offset)
    joined = text[:offset] + suggestion + text[offset + replace_end:]
    last_line = first_line + suggestion.count("\n")
    rows = joined.split("\n")
    if rows[-1] == "" and len(rows) > 1:  # the file's last line end opens no line of its own
        rows.pop()
    out = []
    for number, row in enumerate(rows):
        gutter = MARK if first_line <= number <= last_line else KEPT
        out.append(f"{number + 1:>4} {gutter}{row}")
    return "\n".join(out) + "\n"
