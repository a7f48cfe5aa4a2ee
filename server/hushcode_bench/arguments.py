"""What the ``hushcode bench`` commands share on their command line.

Flags that mean the same in several commands are added here (``--out``, ``--model``, ``--seed``,
initializationOptions as JSON, ``--ready-timeout``, the typist's ``--cps``, ``--cap`` and
``--files``), and read here: the output folder, a JSON
object, a model file, the model the server would load. A bad argument is a ``UsageError`` (exit
status 2, one message, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hushcode.config.settings import Settings, load_settings
from hushcode.models.choice import choose_model
from hushcode.paths import bench_dir
from hushcode_bench.client import BenchError


class UsageError(Exception):
    """A bad argument: the message, exit status 2."""


class Parser(argparse.ArgumentParser):
    # argparse prints usage and calls sys.exit(2) itself; raise instead so run() returns a code.
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see: {self.prog} --help)")


def say(line: str) -> None:
    """Progress: to stderr, so that stdout holds only the table and the paths."""
    print(line, file=sys.stderr, flush=True)


def add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, help="where to write results (default: a new folder under ~/.cache/hushcode/bench/)"
    )


def add_model(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--model", type=Path, help=help)


def add_seed(parser: argparse.ArgumentParser, chooses: str) -> None:
    parser.add_argument("--seed", type=int, default=0, help=f"chooses {chooses} (default: %(default)s)")


def add_config(parser: argparse.ArgumentParser, help: str = "initializationOptions for the server, as JSON") -> None:
    parser.add_argument("--config", default="{}", help=help)


def add_cps(parser: argparse.ArgumentParser, default: float, help: str) -> None:
    parser.add_argument("--cps", type=float, default=default, help=f"{help} (default: %(default)s)")


def add_cap(parser: argparse.ArgumentParser, default: float, help: str) -> None:
    parser.add_argument("--cap", type=float, default=default, help=f"{help} (default: %(default)s)")


def add_files(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--files", nargs="+", type=Path, help=help)


def add_ready_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ready-timeout", type=float, default=180.0, help="seconds to wait for the model to load")


def out_folder(out: Path | None, name: str) -> Path:
    """`out`, or ``<hushcode's cache>/bench/<name>-<timestamp>`` (hushcode.paths); absolute."""
    folder = out or bench_dir() / time.strftime(f"{name}-%Y%m%d-%H%M%S")
    return folder.expanduser().resolve()


def json_object(text: str, flag: str) -> dict[str, Any]:
    """The JSON object a flag was given (initializationOptions)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{flag}: not JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise UsageError(f"{flag} must be a JSON object")
    return value


def model_file(path: Path | str | None, flag: str = "--model") -> str | None:
    """The absolute path of a GGUF named on the command line (None when none was)."""
    if not path:
        return None
    model = Path(path).expanduser()
    if not model.is_file():
        raise UsageError(f"{flag}: no such file: {path}")
    return str(model.resolve())


def server_model(options: Mapping[str, Any], env: dict[str, str]) -> tuple[str, Settings, list[str]]:
    """The model the server will load with these options and environment, its settings, warnings."""
    settings, warnings = load_settings(options, env)
    choice = choose_model(settings)
    if choice.path is None:
        raise BenchError(str(choice.error))
    return choice.path, settings, warnings
