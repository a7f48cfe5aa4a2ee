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


def check_gguf(path: Path) -> str | None:
    """What keeps ``path`` from loading as a GGUF (missing, a folder, unreadable, another format), or None."""
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


@dataclass(frozen=True)
class Resolved:
    """The model file the settings name, before it is checked (``hushcode doctor`` shows each step)."""

    path: Path
    entry: ModelEntry | None  # the catalog file it is, by id or by its place in the model cache
    described: str  # how the user's messages name it: "The default model ID", "The model ID (model.path)"
    pull: str | None  # the command that installs it, for a catalog model named by id or the default


def resolve_model(settings: Settings, catalog: Catalog) -> Resolved:
    """Which file the settings name: ``model.path`` as a catalog id (its file in the model cache)
    or a file (absolute: the engine runs in a folder of its own, see isolation.py), else the
    catalog default in the model cache. Reads nothing but the catalog."""
    configured = settings.model.path
    if configured and configured in catalog.ids():  # what `hushcode models use ID` writes
        entry = catalog.get(configured)
        return Resolved(installed_path(entry), entry, f"The model {entry.id} (model.path)",
                        f"hushcode models pull {entry.id}")
    if configured:
        path = Path(configured).expanduser().absolute()
        entries = [e for e in catalog if installed_path(e) == path]
        return Resolved(path, entries[0] if entries else None, f"The model file {path}", None)
    entry = catalog.default()
    return Resolved(installed_path(entry), entry, f"The default model {entry.id}", "hushcode models pull")


def choose_model(settings: Settings) -> ModelChoice:
    """Resolve and check the configured model (or the catalog default)."""
    try:
        catalog: Catalog | None = load_catalog()
    except CatalogError as exc:
        catalog, catalog_error = None, str(exc)
    if catalog is None:
        if settings.model.path:  # a file still loads without the catalog; it is just not checked against it
            return _file(Path(settings.model.path).expanduser().absolute())
        return ModelChoice(None, f"The model catalog cannot be read: {catalog_error}")
    resolved = resolve_model(settings, catalog)
    if resolved.pull is not None and resolved.entry is not None:
        return _installed(resolved.entry, resolved.described, resolved.pull)
    if resolved.entry is not None:  # a file named by model.path that is a catalog model's file
        result = verify_file(resolved.path, resolved.entry)
        if not result.ok:
            return ModelChoice(None, _damaged(resolved.entry.id, result.reason))
        return ModelChoice(str(resolved.path), None)
    return _file(resolved.path)


def _installed(entry: ModelEntry, described: str, pull: str) -> ModelChoice:
    """A catalog model's file in the model cache, checked; `pull` is the command that installs it."""
    result = verify_file(installed_path(entry), entry)
    if result.status is VerifyStatus.MISSING:
        return ModelChoice(None, f"{described} is not installed (expected at {result.path}). Run: {pull}")
    if not result.ok:
        return ModelChoice(None, _damaged(entry.id, result.reason))
    return ModelChoice(str(result.path), None)


def _file(path: Path) -> ModelChoice:
    """A file named by model.path that is no catalog model's file: present, readable, a GGUF."""
    error = check_gguf(path)
    return ModelChoice(None if error else str(path), error)


def _damaged(model_id: str, reason: str) -> str:
    return (f"The model file for {model_id} cannot be used: {reason}. "
            f"Run: hushcode models pull --force {model_id}")
