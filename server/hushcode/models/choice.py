"""Which model file the server loads, and whether it is fit to load.

Checked in the server before an engine is started, so a missing, truncated or wrong
file gets a message naming the file and the fix instead of a crash in llama.cpp.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hushcode.config.settings import Settings
from hushcode.models.catalog import Catalog, CatalogError, ModelEntry, load_catalog
from hushcode.models.store import GGUF_MAGIC, VerifyStatus, installed_path, verify_file


@dataclass(frozen=True)
class ModelChoice:
    path: str | None
    error: str | None  # a message for the user when the model cannot be used


def _check_gguf(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except FileNotFoundError:
        return f"The model file {path} does not exist. Check the model.path setting or HUSHCODE_MODEL."
    except IsADirectoryError:
        return f"The model path {path} is a folder, not a GGUF file."
    except OSError as exc:
        return f"The model file {path} cannot be read: {exc.strerror or exc}."
    if magic != GGUF_MAGIC:
        return f"The model file {path} is not a GGUF file (it starts with {magic!r})."
    return None


def choose_model(settings: Settings) -> ModelChoice:
    """Resolve and check the configured model (or the catalog default)."""
    try:
        catalog: Catalog | None = load_catalog()
    except CatalogError as exc:
        catalog, catalog_error = None, str(exc)
    configured = settings.model.path
    if configured and catalog is not None and configured in catalog.ids():
        # a catalog model's id (what `hushcode models use ID` writes): its file in the model cache
        entry = catalog.get(configured)
        return _installed(entry, f"The model {entry.id} (model.path)", f"hushcode models pull {entry.id}")
    if configured:
        # absolute: the engine runs in a folder of its own (isolation.py), not in the server's
        return _file(Path(configured).expanduser().absolute(), catalog)
    if catalog is None:
        return ModelChoice(None, f"The model catalog cannot be read: {catalog_error}")
    entry = catalog.default()
    return _installed(entry, f"The default model {entry.id}", "hushcode models pull")


def _installed(entry: ModelEntry, described: str, pull: str) -> ModelChoice:
    """A catalog model's file in the model cache, checked; `pull` is the command that installs it."""
    result = verify_file(installed_path(entry), entry)
    if result.status is VerifyStatus.MISSING:
        return ModelChoice(None, f"{described} is not installed (expected at {result.path}). Run: {pull}")
    if not result.ok:
        return ModelChoice(None, _damaged(entry.id, result.reason))
    return ModelChoice(str(result.path), None)


def _file(path: Path, catalog: Catalog | None) -> ModelChoice:
    """A file named by model.path: checked against the catalog when it is a catalog model's file."""
    entries = [e for e in catalog if installed_path(e) == path] if catalog else []
    if entries:
        result = verify_file(path, entries[0])
        if not result.ok:
            return ModelChoice(None, _damaged(entries[0].id, result.reason))
        return ModelChoice(str(path), None)
    error = _check_gguf(path)
    return ModelChoice(None if error else str(path), error)


def _damaged(model_id: str, reason: str) -> str:
    return (f"The model file for {model_id} cannot be used: {reason}. "
            f"Run: hushcode models pull --force {model_id}")
