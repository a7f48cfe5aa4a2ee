"""The index on disk: one JSON file per workspace folder in a per-user cache directory.

`<cache_dir>/<sha256 of the folder's path, 16 hex>/index.json` holds, for each file relative to
the folder, its mtime, size and outline. A restart re-parses only files whose mtime or size
changed. The file also records a version made of the outline format, the outline code and the
query texts: when one changes, every entry is stale and the cache is ignored. Nothing is ever
written inside the workspace.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from hushcode.paths import index_dir
from hushcode.syntax.languages import LANGUAGES

from . import outline as outline_module
from .outline import Definition, Import, Outline, has_outline, query_source

FORMAT = 1


@dataclass(frozen=True, slots=True)
class CachedFile:
    mtime_ns: int
    size: int
    outline: Outline


def default_cache_dir() -> Path:
    """``$HUSHCODE_INDEX_DIR``, else ``${XDG_CACHE_HOME:-~/.cache}/hushcode/index`` (see paths.py)."""
    return index_dir()


def cache_file(cache_dir: Path, root: Path) -> Path:
    digest = hashlib.sha256(str(root).encode("utf-8")).hexdigest()[:16]
    return cache_dir / digest / "index.json"


@lru_cache(maxsize=1)
def cache_version() -> str:
    """Changes whenever the outline format, the outline code or any query changes."""
    digest = hashlib.sha256(str(FORMAT).encode())
    digest.update(Path(outline_module.__file__ or "").read_bytes())
    for name in sorted(n for n in LANGUAGES if has_outline(n)):
        digest.update(query_source(name).encode("utf-8"))
    return digest.hexdigest()[:16]


def load(cache_dir: Path, root: Path) -> dict[str, list[Any]]:
    """The raw records of a folder (relative path -> record); {} when absent, stale or corrupt.
    Records are decoded lazily (`decode`) so that only reused entries cost objects."""
    try:
        with cache_file(cache_dir, root).open("r", encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != cache_version() or data.get("root") != str(root):
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def decode(record: list[Any]) -> CachedFile | None:
    try:
        mtime_ns, size, outline = record
        return CachedFile(int(mtime_ns), int(size), _outline(outline))
    except (TypeError, ValueError):
        return None  # a record we do not understand is simply re-parsed


def save(cache_dir: Path, root: Path, files: dict[str, CachedFile]) -> None:
    """Write atomically (a temporary file, then rename): a crash never leaves half a cache."""
    target = cache_file(cache_dir, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(target.parent)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".index.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            # One record at a time, each with json.dumps (json.dump would use the slow Python
            # encoder; one dumps of everything would hold the whole file in memory).
            f.write(f'{{"version":{json.dumps(cache_version())},"root":{json.dumps(str(root))},"files":{{')
            for n, (rel, entry) in enumerate(sorted(files.items())):
                record = [entry.mtime_ns, entry.size, _encode(entry.outline)]
                f.write(("," if n else "") + json.dumps(rel) + ":" + json.dumps(record, separators=(",", ":")))
            f.write("}}")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


STALE_S = 600  # a writer is done in seconds: a temporary this old was left by a process that died


def _remove_stale_temporaries(folder: Path) -> None:
    """Delete what writers killed mid-write left behind (a crash never touches index.json itself)."""
    now = time.time()
    for leftover in folder.glob(".index.*.tmp"):
        try:
            if now - leftover.stat().st_mtime > STALE_S:
                leftover.unlink()
        except OSError:
            pass


def _encode(o: Outline) -> list[Any]:
    definitions = [[d.name, d.kind, d.signature, d.doc, int(d.doc_inside), d.start_byte, d.end_byte,
                    d.start_line, d.end_line, d.indent, d.parent, d.text] for d in o.definitions]
    imports = [[i.module, [list(n) for n in i.names], i.alias, i.level, i.line] for i in o.imports]
    return [o.language, definitions, imports, list(o.top_level)]


def _outline(raw: list[Any]) -> Outline:
    language, definitions, imports, top = raw
    return Outline(
        language=language,
        definitions=tuple(Definition(n, k, s, doc, bool(inside), sb, eb, sl, el, ind, p, t)
                          for n, k, s, doc, inside, sb, eb, sl, el, ind, p, t in definitions),
        imports=tuple(Import(m, tuple((a, b) for a, b in names), alias, level, line)
                      for m, names, alias, level, line in imports),
        top_level=tuple(top))
