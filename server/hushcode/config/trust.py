"""The trust rule for project files.

A project file comes with the code: anyone who can put a `.hushcode.toml` in a repository the
user opens would otherwise choose which file llama.cpp parses and where the code is sent. So,
unless the user trusts the folder, a project file may not:

- set `model.path` to a file outside the user's model folders (the model cache, plus the
  `model_dirs` of the user file); a catalog model id is always fine (it resolves into the cache);
- set `engine.kind` to anything but "local", or set `engine.url` (code would leave the machine);
- set `engine.api_key_env` (it would choose which of the user's secrets is sent, and where).

Who trusts a folder: the editor, when it says so (VS Code's workspace trust, sent by the extension
as `trustedWorkspace`); otherwise the user file's `trusted_folders` (the folder or a parent).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hushcode.config.settings import Layer, snake


@dataclass(frozen=True)
class Trust:
    trusted: bool
    how: str  # how the user trusts the folder, for the refusal message


def decide(root: Path, editor_trust: bool | None, trusted_folders: Sequence[Path], user_file: Path) -> Trust:
    """Whether `root` is trusted, and by whom (the editor's answer wins when it gives one)."""
    if editor_trust is not None:
        return Trust(editor_trust, "trust the workspace in VS Code (command: Workspaces: Manage Workspace Trust)")
    here = _real(root)
    trusted = any(here == _real(f) or _real(f) in here.parents for f in trusted_folders)
    return Trust(trusted, f"add it to trusted_folders in {user_file}, e.g. trusted_folders = [\"{root}\"]")


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path.expanduser()))


def inside(path: Path, folders: Sequence[Path]) -> bool:
    """Whether `path`, with links resolved and `..` removed, lies in one of `folders`."""
    real = _real(path)
    return any(_real(folder) in real.parents for folder in folders)


def restrict(layer: Layer, root: Path, trust: Trust, model_dirs: Sequence[Path],
             is_catalog_id: Callable[[str], bool]) -> tuple[Layer, str | None]:
    """The project layer with what it may not set removed, and a message naming what was removed.

    A relative `model.path` is taken relative to the folder (trusted or not)."""
    values = {k: dict(v) if isinstance(v, dict) else v for k, v in layer.values.items()}
    refused: list[str] = []
    model = values.get("model")
    if isinstance(model, dict):
        for key in [k for k in model if snake(k) == "path"]:
            value = model[key]
            if not isinstance(value, str) or not value or is_catalog_id(value):
                continue
            path = Path(value).expanduser()
            path = path if path.is_absolute() else root / path
            model[key] = str(path)
            if not trust.trusted and not inside(path, model_dirs):
                refused.append(f"model.path = {value!r} (a file outside your model folders: "
                               f"{', '.join(str(d) for d in model_dirs)})")
                del model[key]
    engine = values.get("engine")
    if isinstance(engine, dict) and not trust.trusted:
        for key in list(engine):
            name, value = snake(key), engine[key]
            if name == "kind" and value != "local":
                refused.append(f"engine.kind = {value!r} (completions would be computed on another machine)")
            elif name == "url":
                refused.append(f"engine.url = {value!r} (code would be sent there)")
            elif name == "api_key_env":
                refused.append(f"engine.api_key_env = {value!r} (it chooses which secret is sent)")
            else:
                continue
            del engine[key]
    if not refused:
        return Layer(layer.origin, values, layer.labels, layer.file), None
    message = (f"{layer.origin}: ignored {'; '.join(refused)}, because the folder {root} is not trusted. "
               f"To trust it, {trust.how}.")
    return Layer(layer.origin, values, layer.labels, layer.file), message
