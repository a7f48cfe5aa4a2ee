"""hushcode/getStatus: the status bar's figures on request (plus the engine's own counters)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

GET_STATUS = "hushcode/getStatus"


def register(server: HushcodeServer) -> None:
    @server.feature(GET_STATUS)
    async def get_status(ls: HushcodeServer, params: Any) -> dict[str, Any]:
        status = ls.status()
        want_engine = bool(getattr(params, "engineStats", False) or (
            isinstance(params, dict) and params.get("engineStats")))
        engine = ls.session.engine
        if want_engine and engine is not None:
            status["engine"] = await engine.stats()
        return status
