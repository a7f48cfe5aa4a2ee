"""The effective settings for a set of workspace folders: every layer, trust applied, later wins.

1. defaults; 2. the user file; 3. each folder's project files (with several folders, the first
folder's value wins); 4. editor settings; 5. `HUSHCODE_*` environment variables.
Used by the server (on start, on every change) and by `hushcode config`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hushcode.config.files import project_paths, read_project, read_user_file
from hushcode.config.settings import Layer, Resolved, Settings, environment_layer, resolve
from hushcode.config.trust import Trust, decide, restrict
from hushcode.models.catalog import CatalogError, load_catalog
from hushcode.paths import models_dir, user_config_file

EDITOR = "editor settings"
TRUSTED_WORKSPACE = "trustedWorkspace"  # a top-level boolean the VS Code extension sends


@dataclass(frozen=True)
class Effective:
    settings: Settings
    sources: dict[str, str]
    warnings: list[str]  # bad values, unknown keys, unreadable files, trust refusals
    user_file: Path
    model_dirs: tuple[Path, ...]
    trust: dict[Path, Trust]  # per workspace folder
    project_files: dict[Path, list[Path]]  # per folder: the files that were read
    watched: tuple[Path, ...]  # every file whose change may change the settings


def editor_trust(options: Mapping[str, Any] | None) -> bool | None:
    value = options.get(TRUSTED_WORKSPACE) if isinstance(options, Mapping) else None
    return value if isinstance(value, bool) else None


@functools.lru_cache(maxsize=1)
def _catalog_ids() -> frozenset[str]:
    try:
        return frozenset(load_catalog().ids())
    except CatalogError:
        return frozenset()


def is_catalog_id(value: str) -> bool:
    """A `model.path` value that names a catalog model rather than a file."""
    return "/" not in value and "\\" not in value and not value.endswith(".gguf") and value in _catalog_ids()


def load_effective(roots: Sequence[Path], editor: Mapping[str, Any] | None,
                   environ: Mapping[str, str]) -> Effective:
    """Read every layer for these folders and resolve them (only small files are read)."""
    warnings: list[str] = []
    user = read_user_file(user_config_file(environ))
    warnings.extend(user.warnings)
    model_dirs = (models_dir(), *user.model_dirs)
    layers: list[Layer] = [user.layer] if user.layer is not None else []
    trust: dict[Path, Trust] = {}
    read: dict[Path, list[Path]] = {}
    for root in reversed(list(roots)):  # the first folder last, so that it wins
        project, problems = read_project(root)
        warnings.extend(problems)
        trust[root] = decide(root, editor_trust(editor), user.trusted_folders, user.path)
        read[root] = [layer.file for layer in project if layer.file is not None]
        for layer in project:
            allowed, refusal = restrict(layer, root, trust[root], model_dirs, is_catalog_id)
            layers.append(allowed)
            if refusal:
                warnings.append(refusal)
    if editor is not None and not isinstance(editor, Mapping):
        warnings.append(f"{EDITOR} are not an object; ignored")
        editor = None
    layers.append(Layer(EDITOR, {k: v for k, v in (editor or {}).items() if k != TRUSTED_WORKSPACE}))
    layers.append(environment_layer(environ))
    resolved: Resolved = resolve(layers)
    watched = (user.path, *(p for root in roots for p in project_paths(root)))
    return Effective(resolved.settings, resolved.sources, warnings + resolved.warnings, user.path, model_dirs,
                     trust, {root: read[root] for root in roots}, watched)
