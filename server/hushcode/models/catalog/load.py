"""Reading the catalog: the copy packaged in the wheel, else the source checkout's, then ``parse``."""

from __future__ import annotations

import importlib.resources
import tomllib
from pathlib import Path

from hushcode.models.catalog.entries import Catalog, CatalogError
from hushcode.models.catalog.parse import parse_catalog


def _packaged_catalog_text() -> tuple[str, str] | None:
    """Read the catalog shipped inside an installed wheel (hushcode/catalog/catalog.toml)."""
    try:
        resource = importlib.resources.files("hushcode") / "catalog" / "catalog.toml"
        if resource.is_file():
            return resource.read_text(encoding="utf-8"), str(resource)
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    return None


def default_catalog_path() -> Path:
    """Path of catalog.toml in a source checkout (``<repo>/models/catalog.toml``)."""
    # server/hushcode/models/catalog/load.py -> parents[4] is the repository root.
    return Path(__file__).resolve().parents[4] / "models" / "catalog.toml"


def load_catalog(path: Path | None = None) -> Catalog:
    """Load and validate the catalog.

    With no ``path``: the copy packaged in the wheel if there is one, else the source checkout's
    ``models/catalog.toml``. Raises ``CatalogError`` with the offending entry and field named.
    """
    if path is not None:
        text, origin = _read(path), str(path)
    else:
        packaged = _packaged_catalog_text()
        if packaged is not None:
            text, origin = packaged
        else:
            source_path = default_catalog_path()
            text, origin = _read(source_path), str(source_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{origin}: not valid TOML: {exc}") from exc
    return parse_catalog(data, origin)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"cannot read model catalog {path}: {exc.strerror or exc}") from exc
