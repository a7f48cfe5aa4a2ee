"""`hushcode models use NAME`: write the model choice into a folder's project file, on request only.

NAME is a catalog model id, or a GGUF file (written relative to the folder when it lies inside it,
so that the file works for everyone who checks the folder out). The file is edited with tomlkit,
so the user's comments, order and formatting stay as they were. Where it goes: the folder's
`.hushcode.toml` if there is one, else its `pyproject.toml` if that already has a
`[tool.hushcode]` table, else a new `.hushcode.toml`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Table

from hushcode.config.files import PROJECT_FILE, PYPROJECT
from hushcode.config.load import load_effective
from hushcode.config.trust import inside
from hushcode.models.catalog import Catalog
from hushcode.models.store import installed_path
from hushcode.paths import models_dir


class ProjectFileError(Exception):
    """Nothing was written: NAME is no model, or the file cannot be edited safely (unreadable, or
    not valid TOML)."""


@dataclass(frozen=True)
class Written:
    path: Path
    created: bool
    previous: object | None  # the model.path it replaced, if any
    value: str  # the model.path written
    notes: tuple[str, ...] = ()  # what the user should know about the choice


def use_model(folder: Path, name: str, catalog: Catalog, environ: Mapping[str, str]) -> Written:
    """`hushcode models use NAME` in `folder`: write NAME's model.path, with notes on what the
    server will make of it (a model not installed yet, a file it uses only in a trusted folder)."""
    notes: list[str] = []
    if name in catalog.ids():
        value = name
        if not installed_path(catalog.get(value)).is_file():
            notes.append(f"{value} is not installed yet: run hushcode models pull {value}")
    else:
        file = Path(name).expanduser().resolve()
        if not file.is_file():
            raise ProjectFileError(f"{name} is neither a catalog model id nor a file "
                                   f"(known ids: {', '.join(catalog.ids())})")
        value = str(file.relative_to(folder)) if folder in file.parents else str(file)
        user = load_effective([folder], None, environ)
        if not inside(file, user.model_dirs) and not user.trust[folder].trusted:
            notes.append(f"{file} is outside your model folders ({models_dir()} and model_dirs in "
                         f"{user.user_file}): the server uses it only once you trust {folder}")
    return dataclasses.replace(write_model(folder, value), notes=tuple(notes))


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
        table = document["tool"]["hushcode"]
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
    return Written(path, created, previous.unwrap() if previous is not None and hasattr(previous, "unwrap")
                   else previous, value)
