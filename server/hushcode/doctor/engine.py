"""The engine starts, and completes a built-in sample, as `hushcode complete` would.

The engine is the real supervised engine process (engine/factory.py, engine/process.py), and the
suggestion goes through the real completion service: what fails here fails in the editor too.
The sample is a string of our own (nothing is read from or written to the user's folders). A
remote engine (``engine.kind``) is not contacted: the doctor never uses the network.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass

from hushcode.completion.service import CompletionService
from hushcode.config.settings import Settings
from hushcode.doctor.report import CheckResult
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import EngineState
from hushcode.engine.factory import REMOTE_KINDS, create_engine
from hushcode.engine.interface import CompletionEngine

ENGINE, COMPLETION = "engine", "completion"
SAMPLE_URI = "untitled:hushcode-doctor-sample.py"
SAMPLE = '''"""A sample for hushcode doctor."""


def fibonacci(n: int) -> int:
    """Return the n-th Fibonacci number."""
    
'''
SAMPLE_LINE, SAMPLE_COLUMN = 5, 4  # 0-based: the blank line of the function's body, indented
LOAD_TIMEOUT_S = 120.0
SUGGEST_TIMEOUT_MS = 120_000  # a slow machine still gets its answer; the time is compared with the setting


@dataclass(frozen=True)
class EngineReport:
    results: list[CheckResult]
    network_audit: bool | None  # the engine's audit hook, as it reported (None: no engine loaded)


def _skip(reason: str) -> EngineReport:
    return EngineReport([CheckResult(ENGINE, "skip", reason), CheckResult(COMPLETION, "skip", reason)], None)


async def wait_settled(engine: CompletionEngine, timeout_s: float) -> bool:
    """Wait until the engine is ready, has given up, or `timeout_s` passed; whether it is ready.
    (``wait_ready`` alone would wait out its whole timeout for an engine that failed to load.)"""
    deadline = time.monotonic() + timeout_s
    while engine.state not in (EngineState.READY, EngineState.FAILED) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return engine.state is EngineState.READY


async def check_engine(settings: Settings, model_usable: bool) -> EngineReport:
    if settings.engine.kind in REMOTE_KINDS:
        return _skip(f"engine.kind is {settings.engine.kind} ({settings.engine.url}): the doctor does not "
                     "connect to a remote engine")
    if not model_usable:
        return _skip("needs a usable model (see the model lines)")
    errors: list[str] = []
    started = time.perf_counter()
    engine, error = await create_engine(settings, lambda level, message: errors.append(message), lambda: None)
    if engine is None:
        return EngineReport([CheckResult(ENGINE, "fail", f"not started: {error}", "see the model lines"),
                             CheckResult(COMPLETION, "skip", "no engine")], None)
    engine.start()
    try:
        if not await wait_settled(engine, LOAD_TIMEOUT_S):
            why = engine.last_error or (errors[-1] if errors else f"not ready after {LOAD_TIMEOUT_S:.0f} s")
            return EngineReport([CheckResult(ENGINE, "fail", f"did not start: {why}", _engine_fix(why)),
                                 CheckResult(COMPLETION, "skip", "no engine")], engine.network_audit)
        load_ms = (time.perf_counter() - started) * 1000
        first = CheckResult(ENGINE, "ok", _describe(engine, load_ms))
        return EngineReport([first, await check_completion(settings, engine)], engine.network_audit)
    finally:
        await engine.stop()


def _describe(engine: CompletionEngine, load_ms: float) -> str:
    model = engine.model
    if model is None:
        return f"ready in {load_ms:.0f} ms"
    threads = f"{model.threads[0]} threads" if model.threads else "threads ?"
    layers = model.gpu_layers or 0
    where = "CPU only" if layers == 0 else "all layers on the GPU" if layers < 0 else f"{layers} layers on the GPU"
    pid = f" pid {engine.pid}" if engine.pid else ""
    return (f"ready in {load_ms:.0f} ms (engine process{pid}): {model.name}, "
            f"template {model.markers.template}, context {model.n_ctx} tokens, {threads}, {where}")


def _engine_fix(why: str) -> str:
    lowered = why.lower()
    if "memory" in lowered:
        return "a smaller model or model.context_tokens (hushcode models advise)"
    if "illegal instruction" in lowered or "sigill" in lowered:
        return "rebuild for this CPU: CMAKE_ARGS= ./scripts/build-llama.sh (in the hushcode checkout)"
    return "the lines above say which link is broken; `hushcode serve --log-level DEBUG` logs the engine"


async def check_completion(settings: Settings, engine: CompletionEngine) -> CheckResult:
    """One real completion at the sample's position, timed."""
    budget_ms = settings.completion.timeout_ms
    patient = dataclasses.replace(settings, completion=dataclasses.replace(
        settings.completion, timeout_ms=max(budget_ms, SUGGEST_TIMEOUT_MS)))
    service = CompletionService(patient, engine)
    doc = DocumentSnapshot(uri=SAMPLE_URI, version=1, text=SAMPLE, language_id="python")
    started = time.perf_counter()
    suggestion = await service.suggest(doc, SAMPLE_LINE, SAMPLE_COLUMN, "utf-32", "doctor")
    took_ms = (time.perf_counter() - started) * 1000
    stats = service.stats.last
    figures = f"prompt {stats.get('prompt', '?')} tokens, {stats.get('generated', '?')} generated"
    if suggestion is None or not suggestion.text.strip():
        return CheckResult(COMPLETION, "fail", f"no suggestion at the sample's position after {took_ms:.0f} ms "
                                               f"(result {stats.get('result', '?')}; {figures})",
                           "`hushcode serve --log-level DEBUG` logs why; `hushcode complete FILE:LINE:COL` tries "
                           "one position of yours")
    first_line = suggestion.text.strip().splitlines()[0]
    shown = first_line if len(first_line) <= 40 else first_line[:39] + "…"
    detail = f"{took_ms:.0f} ms for {shown!r} ({figures})"
    if took_ms > budget_ms:
        return CheckResult(COMPLETION, "warn", f"{detail}: longer than completion.timeout_ms ({budget_ms} ms), so an "
                                               "editor would get nothing", "a smaller model (hushcode models advise), "
                           "or a larger completion.timeout_ms")
    return CheckResult(COMPLETION, "ok", detail)
