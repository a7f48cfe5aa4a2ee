"""The benchmarks' workspace holds files named like standard modules, as real projects do.

The typing replay and the storm start the server the way an editor does, in this folder. A
process of hushcode's that imported from it (the regression of docs/security.md, "Your code is
never run") would stop there with the message below, and the benchmark would fail on it instead of
measuring a server whose engine never started.
"""

from __future__ import annotations

from pathlib import Path

SHADOWING = ("types.py", "json.py", "random.py", "enum.py", "typing.py", "queue.py", "signal.py",
             "ctypes/__init__.py", "logging/__init__.py", "sitecustomize.py", "usercustomize.py")


def typing_workspace(out: Path) -> Path:
    """The folder the typed documents' URIs point into (out/workspace), with the files of SHADOWING.

    The documents exist only in the editor's buffers: nothing is written into a repository.
    """
    root = out / "workspace"
    root.mkdir(parents=True, exist_ok=True)
    add_shadowing_files(root)  # a server that imported from its workspace would fail here
    return root


def add_shadowing_files(root: Path) -> None:
    """Write the files of SHADOWING into `root` (a benchmark's own folder, never the user's)."""
    for name in SHADOWING:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'raise SystemExit("hushcode imported {name} from the workspace: see docs/security.md")\n',
                        encoding="utf-8")
