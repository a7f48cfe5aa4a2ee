"""The model catalog: its entries (``entries``), their validation (``parse``) and reading it (``load``).

Each module imports only those before it: entries <- parse <- load.
"""

from hushcode.models.catalog.entries import (
    DEFAULT_MEMBER,
    RAM_CONTEXT,
    Catalog,
    CatalogError,
    ModelEntry,
    ModelSpec,
    Source,
    SourceKind,
    SpeedRow,
    Template,
    Variant,
)
from hushcode.models.catalog.load import default_catalog_path, load_catalog
from hushcode.models.catalog.parse import parse_catalog

__all__ = [
    "DEFAULT_MEMBER",
    "RAM_CONTEXT",
    "Catalog",
    "CatalogError",
    "ModelEntry",
    "ModelSpec",
    "Source",
    "SourceKind",
    "SpeedRow",
    "Template",
    "Variant",
    "default_catalog_path",
    "load_catalog",
    "parse_catalog",
]
