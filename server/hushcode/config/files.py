"""The settings files: where they are, and reading them into layers (tomllib; never written here).

- the user file: `$XDG_CONFIG_HOME/hushcode/config.toml` (default `~/.config/hushcode/config.toml`),
  which alone may also hold `model_dirs` and `trusted_folders`;
- a workspace folder's project files: `[tool.hushcode]` in `pyproject.toml`, then `.hushcode.toml`
  (read in that order, so `.hushcode.toml` wins where both set a key).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hushcode.config.settings import Layer, snake
from hushcode.paths import user_config_file

PROJECT_FILE = ".hushcode.toml"
PYPROJECT = "pyproject.toml"
USER_ONLY = ("model_dirs", "trusted_folders")  # lists of folders, only in the user file


def project_paths(root: Path) -> list[Path]:
    """The files that may hold a folder's project settings, lowest precedence first."""
    return [root / PYPROJECT, root / PROJECT_FILE]


@dataclass(frozen=True)
class UserFile:
    """What the user file holds beyond settings."""

    path: Path
    layer: Layer | None = None  # None: the file does not exist or cannot be read
    model_dirs: tuple[Path, ...] = ()
    trusted_folders: tuple[Path, ...] = ()
    warnings: list[str] = field(default_factory=list)


# The last version of each file that parsed: while the user edits a file, a save with a syntax
# error keeps the settings it had (no model reload back and forth), with a message.
_last_good: dict[Path, dict[str, Any]] = {}


def read_toml(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The parsed file, or None and a message (None, None when the file does not exist)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        _last_good.pop(path, None)
        return None, None
    except OSError as exc:
        return None, f"{path}: cannot be read ({exc.strerror or exc}); it is ignored"
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        problem = "is not UTF-8 text"
    except tomllib.TOMLDecodeError as exc:
        problem = f"TOML syntax error: {exc}"  # tomllib's message ends with "(at line N, column M)"
    else:
        _last_good[path] = parsed
        return parsed, None
    if path in _last_good:
        return _last_good[path], f"{path}: {problem}; keeping its previous settings until it is fixed"
    return None, f"{path}: {problem}; the file is ignored until it is fixed"


def _folders(value: Any, where: str, base: Path, warnings: list[str]) -> tuple[Path, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        warnings.append(f"{where}: bad value {value!r} (expected a list of folders); ignored")
        return ()
    folders = []
    for item in value:
        path = Path(item).expanduser()
        folders.append(path if path.is_absolute() else base / path)
    return tuple(folders)


def read_user_file(path: Path) -> UserFile:
    data, error = read_toml(path)
    if data is None:
        return UserFile(path, warnings=[error] if error else [])
    warnings: list[str] = []
    lists: dict[str, tuple[Path, ...]] = {}
    values = {}
    for key, value in data.items():
        name = snake(key)
        if name in USER_ONLY:
            lists[name] = _folders(value, f"{path}: {key}", path.parent, warnings)
        else:
            values[key] = value
    return UserFile(path, Layer(str(path), values, file=path), lists.get("model_dirs", ()),
                    lists.get("trusted_folders", ()), warnings)


def read_project(root: Path) -> tuple[list[Layer], list[str]]:
    """A workspace folder's project layers (lowest first) and the problems found reading them."""
    layers: list[Layer] = []
    warnings: list[str] = []
    for path in project_paths(root):
        if path.name == PYPROJECT:
            try:
                if "hushcode" not in path.read_text(encoding="utf-8", errors="replace"):
                    continue  # a pyproject.toml without our table is none of our business
            except OSError:
                continue
        data, error = read_toml(path)
        if error:
            warnings.append(error)
        if data is None:
            continue
        origin = str(path)
        if path.name == PYPROJECT:
            table = data.get("tool", {}).get("hushcode") if isinstance(data.get("tool"), dict) else None
            if table is None:
                continue
            if not isinstance(table, dict):
                warnings.append(f"{path}: [tool.hushcode] must be a table; ignored")
                continue
            data, origin = table, f"{path} [tool.hushcode]"
        values = dict(data)
        for key in list(values):
            if snake(key) in USER_ONLY:
                warnings.append(f"{origin}: {key} is only read from your user file "
                                f"({user_config_file()}); ignored here")
                del values[key]
        layers.append(Layer(origin, values, file=path))
    return layers, warnings
