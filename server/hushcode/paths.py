"""Where hushcode keeps its files: the per-user cache, config and data folders, and the folders in them.

platformdirs applies the XDG base directory rules (an absolute `$XDG_CACHE_HOME`,
`$XDG_CONFIG_HOME`, `$XDG_DATA_HOME` wins; a relative one is ignored, as the specification says),
read from the environment at each call, so a test or a child process can move them. The XDG
layout (`~/.cache/hushcode`, `~/.config/hushcode`) is used on every system, macOS included: the
documentation promises these folders, and a user's settings file and models stay where they are.
hushcode's own variables come first: `HUSHCODE_MODELS_DIR`, `HUSHCODE_INDEX_DIR`.

Nothing here creates a folder: whoever writes into one creates it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from platformdirs.unix import Unix

APP = "hushcode"
_DIRS = Unix(APP)
CONFIG_HOME = "XDG_CONFIG_HOME"


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/hushcode`, else `~/.cache/hushcode`."""
    return Path(_DIRS.user_cache_dir)


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/hushcode`, else `~/.config/hushcode`.

    `environ`: the environment to read instead of this process's (the settings are loaded for a
    given environment: see config/load.py). platformdirs reads only this process's, so another
    environment's `XDG_CONFIG_HOME` is applied here by the same rule, and its absence means the default."""
    if environ is None or environ is os.environ:
        return Path(_DIRS.user_config_dir)
    value = environ.get(CONFIG_HOME, "")
    return Path(value) / APP if os.path.isabs(value) else Path.home() / ".config" / APP


def data_dir() -> Path:
    """`$XDG_DATA_HOME/hushcode`, else `~/.local/share/hushcode`: for files that are not a cache."""
    return Path(_DIRS.user_data_dir)


def _override(variable: str) -> Path | None:
    value = os.environ.get(variable)
    return Path(value).expanduser() if value else None


def models_dir() -> Path:
    """The model cache: `$HUSHCODE_MODELS_DIR`, else `<cache>/models`."""
    return _override("HUSHCODE_MODELS_DIR") or cache_dir() / "models"


def index_dir() -> Path:
    """The workspace index cache: `$HUSHCODE_INDEX_DIR`, else `<cache>/index`."""
    return _override("HUSHCODE_INDEX_DIR") or cache_dir() / "index"


def bench_dir() -> Path:
    """Where the benchmarks write their results unless told otherwise: `<cache>/bench`."""
    return cache_dir() / "bench"


def user_config_file(environ: Mapping[str, str] | None = None) -> Path:
    """The user's settings file: `<config>/config.toml`."""
    return config_dir(environ) / "config.toml"
