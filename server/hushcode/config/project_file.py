"""`hushcode models use NAME`: write the model choice into a folder's project file, on request only.

The file is edited with tomlkit, so the user's comments, order and formatting stay as they were.
Where it goes: the folder's `.hushcode.toml` if there is one, else its `pyproject.toml` if that
already has a `[tool.hushcode]` table, else a new `.hushcode.toml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Table

from hushcode.config.files import PROJECT_FILE, PYPROJECT


class ProjectFileError(Exception):
    """The file cannot be edited safely (unreadable, or not valid TOML)."""


@dataclass(frozen=True)
class Written:
    path: Path
    created: bool
    previous: object | None  # the model.path it replaced, if any


def target_file(folder: Path) -> Path:
    """The file `models use` edits in `folder`."""
    own = folder / PROJECT_FILE
    pyproject = folder / PYPROJECT
    if not own.exists() and pyproject.is_file():
        try:
            data = tomlkit.parse(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, TOMLKitError):
            return own
        tool = data.get("tool")
        if isinstance(tool, dict) and "hushcode" in tool:
            return pyproject
    return own


def write_model(folder: Path, value: str) -> Written:
    """Set `model.path = value` in the folder's project file (creating `.hushcode.toml` if needed)."""
    path = target_file(folder)
    created = not path.exists()
    try:
        document = tomlkit.document() if created else tomlkit.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectFileError(f"{path} cannot be read: {exc}") from exc
    except TOMLKitError as exc:
        raise ProjectFileError(f"{path} is not valid TOML ({exc}); fix it first, nothing was changed") from exc
    if created:
        document.add(tomlkit.comment("hushcode settings for this folder: docs/configuration.md"))
    table = document
    if path.name == PYPROJECT:
        table = document["tool"]["hushcode"]  # type: ignore[assignment,index]
    model = table.get("model")
    if model is None:
        model = tomlkit.table()
        table["model"] = model
    if not isinstance(model, Table | dict):
        raise ProjectFileError(f"{path}: 'model' is not a table; fix it first, nothing was changed")
    keys = [k for k in model if k in ("path", "Path")]
    previous = model.get(keys[0]) if keys else None
    model["path"] = value
    text = tomlkit.dumps(document)
    tmp = path.with_name(path.name + ".hushcode-tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # atomic: the server's watcher never sees half a file
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ProjectFileError(f"{path} cannot be written: {exc}") from exc
    return Written(path, created, previous.unwrap() if hasattr(previous, "unwrap") else previous)
