"""What an editor's "choose model" menu offers (``hushcode/listModels``): the catalog and the GGUFs
already on this machine.

Every entry has the same keys: ``id``, ``name``, ``source`` (``catalog``, or where the file was
found: ``hushcode``, ``ollama``, ``lmstudio``, ``huggingface``), ``path``, ``installed``,
``default``, ``fim`` (the FIM template whose tokens the model has, ``None`` when it has none),
``usable`` (hushcode can complete with it: it has FIM tokens), ``license`` (``"unknown"`` when
neither the catalog nor the file says), ``licenseFrom``, and, as far as known, ``params``,
``variant``, ``quant``, ``sizeBytes``, ``ramMb`` and ``catalog`` (the catalog file a found
file looks like).

A found file that *is* a catalog file's installed copy (the same file on disk) is not listed a
second time: the catalog entry stands for it. Files that could not be read are left out (``hushcode
models list`` shows them with the reason). Nothing here touches the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hushcode.models.catalog import Catalog
from hushcode.models.discovery import Found
from hushcode.models.listing import Row, build_rows
from hushcode.models.store import installed_path, quick_status

UNKNOWN_LICENCE = "unknown"


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path


def catalog_entries(catalog: Catalog) -> list[dict[str, Any]]:
    """One entry per catalog file (every catalog model has FIM tokens)."""
    return [
        {"id": e.id, "name": e.name, "source": "catalog", "path": str(installed_path(e)),
         "installed": quick_status(e) == "yes", "default": e.default, "fim": e.fim_template,
         "usable": True, "license": e.license or UNKNOWN_LICENCE, "licenseFrom": "catalog",
         "params": e.params, "variant": e.variant, "quant": e.quant, "sizeBytes": e.size_bytes,
         "ramMb": e.ram_mb, "catalog": e.id}
        for e in catalog
    ]


def _found_entry(row: Row) -> dict[str, Any]:
    return {"id": f"{row.source}:{row.name}", "name": row.name, "source": row.source, "path": row.path,
            "installed": True, "default": False, "fim": row.fim, "usable": row.fim is not None,
            "license": row.license or UNKNOWN_LICENCE, "licenseFrom": row.license_from,
            "params": None, "variant": None, "quant": row.quant, "sizeBytes": row.size_bytes,
            "ramMb": None, "catalog": row.catalog}


def menu_entries(catalog: Catalog | None, found: list[Found]) -> list[dict[str, Any]]:
    """The catalog's files, then each readable file found on the machine that is not one of them."""
    entries = catalog_entries(catalog) if catalog is not None else []
    catalog_files = {_real(Path(e["path"])) for e in entries}
    for row in build_rows(found, catalog):
        if row.error is None and _real(Path(row.path)) not in catalog_files:
            entries.append(_found_entry(row))
    return entries
