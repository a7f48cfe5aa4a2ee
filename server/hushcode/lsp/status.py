"""What the status bar shows (hushcode/status, hushcode/getStatus), read from the session.

The keys are the protocol's: clients and tests read them by name. The completion figures come
from the last request's record (completion/trace.py).
"""

from __future__ import annotations

import os
from typing import Any

from hushcode import netguard
from hushcode.lsp.session import Session


def build_status(session: Session, position_encoding: str | None, protocol_pending: int) -> dict[str, Any]:
    """Model, state, last latency and token counts, the index, the queues and the audit."""
    engine, stats, context = session.engine, session.completions.stats, session.context
    model = engine.model if engine else None
    last = stats.last
    return {
        "state": "error" if session.model_error else (engine.state.value if engine else "stopped"),
        "model": model.name if model else None,
        "template": model.markers.template if model else None,
        "modelPath": engine.model_path if engine else None,
        "engineKind": engine.kind if engine else session.settings.engine.kind,
        "engineUrl": engine.url if engine else None,
        "threads": list(model.threads) if model and model.threads else None,
        "gpuLayers": model.gpu_layers if model else None,
        "message": session.model_error or (engine.last_error if engine else None),
        "enginePid": engine.pid if engine else None,
        "generating": bool(engine and engine.generating),
        "restarts": engine.restarts if engine else 0,
        "requests": stats.requests,
        "answered": stats.answered,
        "lastLatencyMs": last.total_ms,
        "latencyP50Ms": stats.p50_ms,  # median time to the model's last 100 suggestions shown, on this machine
        "reusedTokens": last.reused,
        "evaluatedTokens": last.evaluated,
        "generatedTokens": last.generated,
        "controlTokens": last.control,
        "lastResult": last.result,
        "lastColdPrompt": last.cold,  # answered from the short prompt (a cold KV cache)
        "lastHeldBack": last.held or 0,  # characters before the cursor left out of the prompt (healing)
        "lastRanked": last.ranked or 0,  # candidate lines compared on a blank line (completion/ranking/)
        "lastSpeculativeResult": stats.speculative.result,
        "shiftedTokens": last.shifted,
        "warmups": stats.warmups,
        "withheld": stats.withheld,  # suggestions not shown for low confidence (completion.minConfidence)
        "lastWithheld": stats.last_withheld,  # ...and why, the last time
        "lastConfidence": last.confidence,  # mean log-probability per token of the last first line
        "indexedFiles": context.files_indexed if context else None,
        "indexReady": bool(context and context.ready),
        "contextSnippets": last.context_snippets,
        "positionEncoding": position_encoding,
        "inFlight": stats.in_flight,  # completion requests being handled
        "maxInFlight": stats.max_in_flight,
        "queueDepth": engine.waiting if engine else 0,  # generations waiting for the engine
        "maxQueueDepth": engine.max_waiting if engine else 0,
        "protocolPending": protocol_pending,  # handlers not yet done, both ways
        "pid": os.getpid(),
        # whether the network audit hook runs here and in the engine (HUSHCODE_AUDIT_NETWORK=1)
        "networkAudit": {"server": netguard.installed(), "engine": engine.network_audit if engine else None},
    }
