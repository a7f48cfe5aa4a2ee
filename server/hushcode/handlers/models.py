"""hushcode/listModels: the models a client can offer in a "choose model" menu.

The catalog's files and the GGUFs already on this machine (Ollama, LM Studio, the Hugging Face
cache, hushcode's own cache), each with its source, FIM support and licence (``models/menu.py``).
Finding them walks a few folders and reads GGUF headers (remembered while a file is unchanged),
never the network, and runs in a worker thread so that completions keep being answered.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from hushcode.models.catalog import Catalog, CatalogError, load_catalog

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

LIST_MODELS = "hushcode/listModels"
log = logging.getLogger("hushcode.models")


def _list() -> list[dict[str, Any]]:
    # discovery reads GGUF headers with the gguf library (numpy): imported on the first menu only
    from hushcode.models.discovery import discover
    from hushcode.models.menu import menu_entries

    catalog: Catalog | None
    try:
        catalog = load_catalog()
    except CatalogError as exc:
        log.warning("the model catalog cannot be read: %s", exc)
        catalog = None
    return menu_entries(catalog, discover())


def register(server: HushcodeServer) -> None:
    @server.feature(LIST_MODELS)
    async def list_models(ls: HushcodeServer, params: Any) -> dict[str, Any]:
        models = await asyncio.to_thread(_list)
        engine = ls.session.engine
        current = engine.model_path if engine else None
        return {"models": models, "current": current}
