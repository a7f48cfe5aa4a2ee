"""A local engine's outward state, for fakes that stand in for the engine process in unit tests
of the completion service (each fake adds its own tokenize and generate)."""

from __future__ import annotations

from typing import Any

from hushcode.engine.contracts import EngineState, LoadedModel
from hushcode.engine.interface import Capabilities
from hushcode.prompt.templates import FimMarkers

MARKERS = FimMarkers(template="qwen", prefix=1, suffix=2, middle=3, order="psm", stop_ids=(4,),
                     marker_texts=("<P>", "<S>", "<M>", "<E>"), end_of_text=5)


class FakeLocalEngine:
    """Ready, local, on a CPU unless `gpu_layers` says otherwise."""

    kind = "local"
    url = None
    state = EngineState.READY
    last_error = None
    pid = None
    restarts = 0
    generating = False
    model_path = None
    waiting = max_waiting = 0
    network_audit = None

    def __init__(self, gpu_layers: int = 0) -> None:
        self.model = LoadedModel(name="fake", markers=MARKERS, bos=None, n_ctx=8192, load_ms=0.0, gpu_layers=gpu_layers)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(alternatives=True, ranking=True, prompt_bound=(self.model.gpu_layers or 0) == 0)

    async def stats(self) -> dict[str, Any]:
        return {}
