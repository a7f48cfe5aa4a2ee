"""Find the GGUF models already on this machine, without any network.

Four places are searched:

- **hushcode's own cache** (``models_dir()``): ``*.gguf``.
- **Ollama**: ``$OLLAMA_MODELS`` if set, ``~/.ollama/models``, and the Linux service's
  ``/usr/share/ollama/.ollama/models``. Ollama names its files by
  digest: ``manifests/<registry>/<namespace>/<model>/<tag>`` is a JSON manifest whose layer of
  media type ``application/vnd.ollama.image.model`` names the GGUF blob
  (``blobs/sha256-<hex>``); a ``...image.license`` layer holds the licence text.
- **LM Studio**: ``~/.lmstudio/models`` and ``~/.cache/lm-studio/models``, laid out as
  ``<publisher>/<repository>/<file>.gguf``.
- **The Hugging Face hub cache**: ``$HF_HUB_CACHE``, else ``$HF_HOME/hub``, else
  ``${XDG_CACHE_HOME:-~/.cache}/huggingface/hub``: ``models--<org>--<name>/snapshots/<rev>/``
  holds links to ``../../blobs/<hash>``.

Every file is described from its own GGUF metadata (``gguf_info``; remembered while the file's
size and mtime do not change, for the language server's model menu). A folder that cannot be read,
a manifest that does not parse, a broken link or a broken GGUF is listed with its reason;
nothing here raises for bad input on disk.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from hushcode.models.gguf_info import GGUFInfo, cached_read
from hushcode.models.store import STAMP_SUFFIX
from hushcode.paths import models_dir

OLLAMA_MODEL_MEDIA = "application/vnd.ollama.image.model"
OLLAMA_LICENSE_MEDIA = "application/vnd.ollama.image.license"
# Ollama's Linux installer runs the server as the user "ollama", whose home is here.
OLLAMA_SERVICE_HOME = Path("/usr/share/ollama/.ollama/models")
_MAX_DEPTH = 6  # LM Studio and HF snapshots nest a few folders deep; never walk a whole disk
_MAX_MANIFEST_BYTES = 1 << 20


@dataclass(frozen=True)
class Location:
    """One folder searched, and which kind of store it is."""

    source: str  # "hushcode", "ollama", "lmstudio", "huggingface"
    path: Path


@dataclass(frozen=True)
class Found:
    """One model file found (``info`` set), or one thing that could not be read (``error`` set)."""

    source: str
    label: str  # how the user knows it: "qwen2.5-coder:1.5b", "org/name/file.gguf", a file name
    path: Path
    info: GGUFInfo | None = None
    error: str | None = None
    license_text: str | None = None  # Ollama's licence layer (first line), when the GGUF has none


def locations(env: Mapping[str, str] | None = None, home: Path | None = None) -> list[Location]:
    """The folders to search, from the environment (``os.environ`` and ``Path.home()`` by default)."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    found: list[Location] = [Location("hushcode", models_dir())]
    if env.get("OLLAMA_MODELS"):
        found.append(Location("ollama", Path(env["OLLAMA_MODELS"]).expanduser()))
    found.append(Location("ollama", home / ".ollama" / "models"))
    found.append(Location("ollama", OLLAMA_SERVICE_HOME))
    found.append(Location("lmstudio", home / ".lmstudio" / "models"))
    found.append(Location("lmstudio", home / ".cache" / "lm-studio" / "models"))
    found.append(Location("huggingface", _hf_hub_cache(env, home)))
    unique: dict[Path, Location] = {}
    for location in found:
        unique.setdefault(location.path, location)
    return list(unique.values())


def _hf_hub_cache(env: Mapping[str, str], home: Path) -> Path:
    if env.get("HF_HUB_CACHE"):
        return Path(env["HF_HUB_CACHE"]).expanduser()
    if env.get("HF_HOME"):
        return Path(env["HF_HOME"]).expanduser() / "hub"
    xdg = env.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache"
    return base / "huggingface" / "hub"


def discover(locs: list[Location] | None = None) -> list[Found]:
    """Every model file in ``locs`` (``locations()`` by default), each read once."""
    results: list[Found] = []
    seen: set[Path] = set()
    for location in locations() if locs is None else locs:
        try:
            if not location.path.exists():
                continue
        except OSError as exc:  # a parent folder that may not be searched (EACCES)
            reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror or exc
            results.append(Found(location.source, str(location.path), location.path,
                                 error=f"folder not readable: {reason}"))
            continue
        scan = {"hushcode": _scan_hushcode, "ollama": _scan_ollama, "lmstudio": _scan_files,
                "huggingface": _scan_hf}[location.source]
        for found in scan(location):
            key = _real(found.path)
            if found.error is None and key in seen:
                continue  # the same blob reached twice (two tags, two snapshots)
            seen.add(key)
            results.append(_describe(found))
    return results


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path


def _describe(found: Found) -> Found:
    if found.error is not None:
        return found
    info, error = cached_read(found.path)
    return Found(found.source, found.label, found.path, info, error, found.license_text)


def _listdir(folder: Path, source: str) -> tuple[list[Path], Found | None]:
    try:
        return sorted(folder.iterdir()), None
    except PermissionError:
        return [], Found(source, str(folder), folder, error="folder not readable: permission denied")
    except OSError as exc:
        return [], Found(source, str(folder), folder, error=f"folder not readable: {exc.strerror or exc}")


def _is_real_dir(path: Path) -> bool:
    """A folder, not a link to one; False when it cannot even be looked at."""
    try:
        return path.is_dir() and not path.is_symlink()
    except OSError:
        return False


def _walk(folder: Path, source: str, depth: int = 0) -> Iterator[Path | Found]:
    """Files under ``folder`` (following links to files, not to folders), or a Found per problem."""
    entries, problem = _listdir(folder, source)
    if problem is not None:
        yield problem
        return
    for entry in entries:
        if _is_real_dir(entry):
            if depth < _MAX_DEPTH:
                yield from _walk(entry, source, depth + 1)
        else:
            yield entry


def _gguf_files(location: Location) -> Iterator[tuple[Path, Found | None]]:
    for item in _walk(location.path, location.source):
        if isinstance(item, Found):
            yield item.path, item
        elif item.name.lower().endswith(".gguf") and not _is_secondary(item.name):
            yield item, None


def _is_secondary(name: str) -> bool:
    """Vision projectors and parts 2..N of a split model are not models of their own."""
    lower = name.lower()
    if "mmproj" in lower:
        return True
    stem = lower.removesuffix(".gguf")
    parts = stem.rsplit("-", 3)
    return len(parts) == 4 and parts[2] == "of" and parts[1].isdigit() and int(parts[1]) > 1


def _scan_hushcode(location: Location) -> Iterator[Found]:
    for path, problem in _gguf_files(location):
        if problem is not None:
            yield problem
        elif path.parent == location.path and not path.name.endswith(STAMP_SUFFIX):
            yield Found("hushcode", path.name, path)


def _scan_files(location: Location) -> Iterator[Found]:
    for path, problem in _gguf_files(location):
        if problem is not None:
            yield problem
            continue
        label = str(path.relative_to(location.path))
        yield _link_checked(Found(location.source, label, path))


def _link_checked(found: Found) -> Found:
    try:
        if found.path.is_symlink() and not found.path.exists():
            return Found(found.source, found.label, found.path,
                         error=f"broken link to {os.readlink(found.path)} (incomplete download?)")
    except OSError as exc:
        return Found(found.source, found.label, found.path, error=f"cannot read: {exc.strerror or exc}")
    return found


def _scan_hf(location: Location) -> Iterator[Found]:
    repos, problem = _listdir(location.path, "huggingface")
    if problem is not None:
        yield problem
    for repo in repos:
        if not repo.name.startswith("models--") or not _is_real_dir(repo):
            continue
        name = repo.name.removeprefix("models--").replace("--", "/")
        for path, item_problem in _gguf_files(Location("huggingface", repo / "snapshots")):
            if item_problem is not None:
                yield item_problem
                continue
            inside = path.relative_to(repo / "snapshots").parts[1:]  # drop the revision folder
            yield _link_checked(Found("huggingface", f"{name}/{'/'.join(inside)}", path))


def _scan_ollama(location: Location) -> Iterator[Found]:
    manifests = location.path / "manifests"
    if not manifests.exists():
        return
    for item in _walk(manifests, "ollama"):
        if isinstance(item, Found):
            yield item
        else:
            yield _from_manifest(location.path, item, manifests)


def _ollama_label(manifest: Path, root: Path) -> str:
    parts = manifest.relative_to(root).parts  # registry, namespace, model, tag
    if len(parts) >= 4:
        registry, namespace, model, tag = parts[-4], parts[-3], parts[-2], parts[-1]
        if registry == "registry.ollama.ai":
            return f"{model}:{tag}" if namespace == "library" else f"{namespace}/{model}:{tag}"
        return f"{registry}/{namespace}/{model}:{tag}"
    return "/".join(parts)


def _from_manifest(root: Path, manifest: Path, manifests: Path) -> Found:
    label = _ollama_label(manifest, manifests)
    try:
        if manifest.stat().st_size > _MAX_MANIFEST_BYTES:
            return Found("ollama", label, manifest, error="manifest too large to be an Ollama manifest")
        data = json.loads(manifest.read_text(encoding="utf-8"))
        layers = data["layers"]
        model = next(layer for layer in layers if layer.get("mediaType") == OLLAMA_MODEL_MEDIA)
        digest = str(model["digest"])
    except PermissionError:
        return Found("ollama", label, manifest, error="manifest not readable: permission denied")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return Found("ollama", label, manifest, error="not a valid Ollama manifest")
    except StopIteration:
        return Found("ollama", label, manifest, error="manifest has no model layer (an adapter?)")
    blob = root / "blobs" / digest.replace(":", "-")
    if not blob.is_file():
        return Found("ollama", label, blob, error=f"blob {digest[:19]}... is missing (incomplete pull?)")
    return Found("ollama", label, blob, license_text=_ollama_license(root, layers))


def _ollama_license(root: Path, layers: list[dict[str, object]]) -> str | None:
    for layer in layers:
        if layer.get("mediaType") != OLLAMA_LICENSE_MEDIA:
            continue
        try:
            with (root / "blobs" / str(layer.get("digest", "")).replace(":", "-")).open(
                    encoding="utf-8", errors="replace") as fh:
                head = fh.read(4096)
        except OSError:
            return None
        lines = [line.strip() for line in head.splitlines() if line.strip()]
        return lines[0][:80] if lines else None
    return None
