"""hushcode/listModels: the models a client can offer in a "choose model" menu."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from hushcode.models.catalog import CatalogError, load_catalog
from hushcode.models.store import installed_path, quick_status

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

LIST_MODELS = "hushcode/listModels"


def _list() -> list[dict[str, Any]]:
    try:
        catalog = load_catalog()
    except CatalogError:
        return []
    return [
        {"id": e.id, "name": e.name, "params": e.params, "variant": e.variant, "quant": e.quant,
         "path": str(installed_path(e)), "installed": quick_status(e) == "yes", "default": e.default,
         "license": e.license, "ramMb": e.ram_mb, "source": "catalog"}
        for e in catalog
    ]


def register(server: HushcodeServer) -> None:
    @server.feature(LIST_MODELS)
    async def list_models(ls: HushcodeServer, params: Any) -> dict[str, Any]:
        models = await asyncio.to_thread(_list)
        engine = ls.session.engine
        current = engine.model_path if engine else None
        return {"models": models, "current": current}
