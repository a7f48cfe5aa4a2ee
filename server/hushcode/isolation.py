"""hushcode's own Python processes never import code from the user's folders.

An editor starts `hushcode serve` with the workspace as its working directory. Python then
offers the workspace three ways into any Python process hushcode starts:

- `python -m module` puts the working directory first on `sys.path`, so a workspace `types.py`
  shadows the standard library's, and runs, before the module does;
- `PYTHONPATH` (and `PYTHONSTARTUP`, `PYTHONHOME`...) may name the workspace;
- `site` imports a `sitecustomize.py` or `usercustomize.py` found on that path.

So every child (the engine, the vocabulary-only engine, the model probe, the index and benchmark
helpers, the benchmark's servers, pip for `models pull`) runs in Python's isolated mode
(`python -I`: no working directory or script folder on the path, no `PYTHON*` variables, no user
site), from a working directory outside any workspace. Isolated mode would also hide a hushcode
that the parent found through `PYTHONPATH` or the user site; the child gets back those folders
(`import_roots`) when they lie outside the workspace, after the standard library: they hold the
code the parent already runs, never what the workspace holds. See docs/security.md, "Your code is never run".

The server process itself drops the working directory, and `PYTHONPATH` folders inside it, from
its own path first thing (`forget_user_paths`). What Python imports before any hushcode code runs cannot be helped
from here: plain `python -m hushcode` in a folder holding `types.py` runs that file while Python
loads `runpy`. The docs therefore give `python -I -m hushcode serve`, and the editors start the
`hushcode` command, whose path starts at its own `bin/` folder.
"""

# Only modules Python has loaded before any `-m` module runs (not even `__future__`): this file is
# imported first thing by `python -m hushcode`, while the working directory may still be on the path.
import os
import site
import sys

# Run by `python -I -c`: put back the folders hushcode runs from, then run the module as `-m` would.
# The folders go before site-packages (a copy of hushcode named on purpose wins over an installed
# one, as it does in the parent), never before the standard library.
_BOOTSTRAP = """\
import os, runpy, site, sys
_, roots, user_site, module, *args = sys.argv
if user_site:
    site.addsitedir(user_site)
first_site = next((i for i, p in enumerate(sys.path) if p.endswith(("site-packages", "dist-packages"))), len(sys.path))
sys.path[first_site:first_site] = [r for r in roots.split(os.pathsep) if r and r not in sys.path]
sys.argv = [module, *args]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""

_HERE = os.path.dirname(os.path.realpath(__file__))
_workspaces: list[str] = []  # the user's folders besides the working directory (add_workspace)


def child_cwd() -> str:
    """The working directory of every child: hushcode's own package folder, never a workspace."""
    return _HERE


def import_roots() -> list[str]:
    """The folders the child must get back: the one holding the `hushcode` package in use, and the
    `PYTHONPATH` folders outside the workspace (an install that lives there, as in a shared venv)
    that this process itself imports from: a parent in isolated mode (`python -I`) ignored
    `PYTHONPATH`, and its children must not take up what it refused."""
    own = os.path.dirname(_HERE)
    on_path = {os.path.realpath(p or ".") for p in sys.path}
    return [own, *(p for p in _pythonpath()[0] if p != own and p in on_path)]


def add_workspace(folder: str) -> None:
    """A user's folder that is not the working directory (a workspace folder the editor opened
    elsewhere, the folder `hushcode doctor` checks): `PYTHONPATH` folders inside it are not given
    to children either, and leave this process's import path (a later lazy import, a tree-sitter
    grammar say, would otherwise find a file of that folder first)."""
    path = os.path.realpath(folder)
    if path not in _workspaces:
        _workspaces.append(path)
    # nor kept on this process's own path (forget_user_paths ran before the folder was known)
    inside = {p for p in _pythonpath()[1] if _inside(p, path)}
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") not in inside]


def _working_directory() -> str | None:
    try:
        return os.path.realpath(os.getcwd())
    except OSError:  # the working directory was deleted: nothing there to import
        return None


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _pythonpath() -> tuple[list[str], list[str]]:
    """`PYTHONPATH`'s folders as absolute paths, split into those kept (outside the working
    directory, which is the workspace when an editor starts us, and the other user folders named
    with `add_workspace`) and those dropped (inside them)."""
    cwd = _working_directory()
    users = [*([cwd] if cwd is not None else []), *_workspaces]
    kept: list[str] = []
    dropped: list[str] = []
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if not entry or (cwd is None and not os.path.isabs(entry)):
            continue
        path = os.path.realpath(os.path.join(cwd or "", entry))
        inside = any(_inside(path, user) for user in users) and path != os.path.dirname(_HERE)
        (dropped if inside else kept).append(path)
    return kept, dropped


def _user_site() -> str:
    """The user site folder, when this process imports from it (a `pip install --user`)."""
    if not site.ENABLE_USER_SITE:
        return ""
    user_site = site.getusersitepackages()
    return user_site if user_site in sys.path and os.path.isdir(user_site) else ""


def python_command(module: str, *args: str) -> list[str]:
    """The argv that runs `python -m module args...` in isolated mode, with hushcode importable.

    Start it with `cwd=child_cwd()`, and pass absolute paths in `args`."""
    roots = os.pathsep.join(import_roots())
    return [sys.executable, "-I", "-c", _BOOTSTRAP, roots, _user_site(), module, *args]


def forget_user_paths() -> None:
    """Drop from this process's import path what the workspace put there: the working directory
    (`python -m`, a `PYTHONPATH` of ".") and the `PYTHONPATH` folders inside it (an editor's
    `PYTHONPATH=${workspaceFolder}/src`). Called first thing, so nothing imported from then on
    comes from the user's folders. The folder holding hushcode itself stays (a checkout run with
    `PYTHONPATH=server`), as do `PYTHONPATH` folders elsewhere: they are how this Python was told
    to find its packages, not the project being edited."""
    cwd = _working_directory()
    unsafe = set(_pythonpath()[1]) | ({cwd} if cwd else set())
    unsafe.discard(os.path.dirname(_HERE))
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") not in unsafe]


if __name__ == "__main__":  # `python -m hushcode.isolation`: the import path a child of hushcode gets
    print("\n".join(sys.path))
