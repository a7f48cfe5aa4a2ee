"""The worker thread that the pure steps of a completion run in.

Deciding, cutting the window, laying out the prompt, the ranking spec and the cleanup are
functions of an immutable snapshot, and several parse the whole document with tree-sitter: on
the event loop, a large file would hold up every didChange behind them. They run here instead,
one at a time: the syntax module keeps the last few trees for reuse (syntax/languages.parse),
and tree-sitter trees are not to be read from two threads at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from hushcode.completion.trace import elapsed_ms

P = ParamSpec("P")
T = TypeVar("T")

_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hushcode-pure")


async def off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args)` in the pure steps' thread; the event loop serves other messages meanwhile."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_THREAD, lambda: fn(*args, **kwargs))


def timed(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> tuple[T, float]:
    """`fn(*args)` and the milliseconds it took (two decimals), measured where it runs."""
    started = time.perf_counter()
    return fn(*args, **kwargs), elapsed_ms(started, 2)
