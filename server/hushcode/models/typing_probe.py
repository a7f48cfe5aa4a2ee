"""The time to a suggestion, measured here: a short typing probe through the real completion service.

`hushcode models advise --probe` asks it of each installed model it may recommend. A built-in sample
module is "typed" top to bottom: at each pause (the start of a line inside a function, after the
editor's auto-indent) the document is the file so far and the engine's cache holds the previous
pause's prompt, as it would after typing the line in between. The first pause is the file's first
request (a cold prompt) and is reported apart; the others give the p50 and p90 that the latency
targets are about (models/advise.py: p50 ≤ 1.0 s, p90 ≤ 2.0 s). The settings are the user's
completion settings (the ranking, the first-suggestion budget), with a deadline long enough that a
slow model is measured rather than cut off. Nothing is read from or written to the user's folders.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

from hushcode.completion.service import CompletionService
from hushcode.config.settings import Settings
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.factory import create_engine
from hushcode.engine.interface import CompletionEngine
from hushcode.models.advise import TypingTimes

PAUSES = 9  # the first (cold) and eight typing pauses
LOAD_TIMEOUT_S = 180.0
DEADLINE_MS = 120_000  # a slow model still answers; the time is what is measured
SAMPLE_URI = "untitled:hushcode-typing-probe.py"
SAMPLE = '''"""Inventory of a small shop: items, stock levels and orders."""

from dataclasses import dataclass, field


@dataclass
class Item:
    name: str
    price: float
    quantity: int = 0
    tags: list[str] = field(default_factory=list)

    def total_value(self) -> float:
        return self.price * self.quantity

    def restock(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.quantity += amount


def load_items(lines: list[str]) -> list[Item]:
    items = []
    for line in lines:
        name, price, quantity = line.split(",")
        items.append(Item(name.strip(), float(price), int(quantity)))
    return items


def low_stock(items: list[Item], threshold: int = 5) -> list[Item]:
    result = [item for item in items if item.quantity < threshold]
    result.sort(key=lambda item: item.quantity)
    return result


def inventory_value(items: list[Item]) -> float:
    total = 0.0
    for item in items:
        total += item.total_value()
    return round(total, 2)


def apply_order(items: list[Item], name: str, amount: int) -> Item:
    for item in items:
        if item.name == name:
            if item.quantity < amount:
                raise ValueError(f"not enough {name}")
            item.quantity -= amount
            return item
    raise KeyError(name)
'''


def pause_points(text: str = SAMPLE, count: int = PAUSES) -> list[str]:
    """The documents at the pauses, in typing order: the file up to the start of a line inside a
    function's body, then that line's indentation, as an editor's auto-indent leaves it. At most
    `count`, spread evenly over the file."""
    lines = text.split("\n")
    starts: list[tuple[int, str]] = []
    def_indent: int | None = None  # the indentation of the `def` whose body we are in
    offset = 0
    for line in lines:
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if stripped:
            if def_indent is not None and indent > def_indent:
                starts.append((offset, line[:indent]))
            elif stripped.startswith("def "):
                def_indent = indent
            else:
                def_indent = None
        offset += len(line) + 1
    if len(starts) > count:
        step = len(starts) / count
        starts = [starts[int(i * step)] for i in range(count)]
    return [text[:start] + indentation for start, indentation in starts]


async def measure(path: Path, settings: Settings, count: int = PAUSES) -> TypingTimes:
    """Load `path` in the real engine process and time the answers at the probe's pauses.
    Raises RuntimeError when the engine does not start."""
    patient = dataclasses.replace(settings, model=dataclasses.replace(settings.model, path=str(path)),
                                  completion=dataclasses.replace(settings.completion, timeout_ms=DEADLINE_MS))
    errors: list[str] = []
    engine, error = await create_engine(patient, lambda level, message: errors.append(message), lambda: None)
    if engine is None:
        raise RuntimeError(f"{path.name}: {error}")
    engine.start()
    try:
        if not await engine.wait_ready(LOAD_TIMEOUT_S):
            raise RuntimeError(f"{path.name} did not load: {engine.last_error or (errors[-1] if errors else '?')}")
        service = CompletionService(patient, engine)
        times, suggested = [], 0
        for number, text in enumerate(pause_points(count=count)):
            doc = DocumentSnapshot(uri=SAMPLE_URI, version=number, text=text, language_id="python")
            line = text.count("\n")
            started = time.perf_counter()
            found = await service.suggest(doc, line, len(text) - text.rfind("\n") - 1, "utf-32", f"probe{number}")
            times.append((time.perf_counter() - started) * 1000)
            suggested += found is not None
            await _idle(engine)  # the background work a pause leaves (the full prompt after a cold one)
        return TypingTimes(str(path), times[0], tuple(times[1:]), suggested)
    finally:
        await engine.stop()


async def _idle(engine: CompletionEngine, limit_s: float = 30.0) -> None:
    """Wait until the engine has no generation queued or running (a user reads before typing on)."""
    deadline = time.monotonic() + limit_s
    await asyncio.sleep(0.05)
    while (engine.waiting or engine.generating) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
