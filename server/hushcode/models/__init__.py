"""Model catalog, cache and ``hushcode models`` commands.

Nothing here downloads implicitly: only ``pull`` (``hushcode models pull``) touches the network.
"""

from hushcode.models.catalog import Catalog, CatalogError, ModelEntry, Source, load_catalog
from hushcode.models.pull import PullError, pull
from hushcode.models.store import (
    VerifyResult,
    VerifyStatus,
    installed_path,
    models_dir,
    quick_status,
    verify_file,
)

__all__ = [
    "Catalog",
    "CatalogError",
    "ModelEntry",
    "PullError",
    "Source",
    "VerifyResult",
    "VerifyStatus",
    "installed_path",
    "load_catalog",
    "models_dir",
    "pull",
    "quick_status",
    "verify_file",
]
