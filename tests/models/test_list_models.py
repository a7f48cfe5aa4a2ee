"""``hushcode/listModels``: the catalog and the GGUFs found on the machine, through the handler.

The machine is a fake home folder (LM Studio, the Hugging Face cache, hushcode's cache) holding
tiny real GGUF files with and without FIM tokens; the handler is registered on a stand-in server
and called as pygls would call it.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hushcode.handlers import models as handler
from hushcode.models import discovery, gguf_info
from hushcode.models.catalog import load_catalog
from hushcode.models.store import installed_path
from tests.fixtures.tiny_gguf import write_tiny_gguf
from tests.models.helpers import write_gguf

REV = "0123456789abcdef0123456789abcdef01234567"


class FakeServer:
    """What ``register`` and the handler use of the language server."""

    def __init__(self, current: str | None) -> None:
        self.features: dict[str, Callable[..., Any]] = {}
        self.session = SimpleNamespace(engine=SimpleNamespace(model_path=current) if current else None)

    def feature(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.features[name] = fn
            return fn
        return register


async def list_models(current: str | None = None) -> dict[str, Any]:
    server = FakeServer(current)
    handler.register(server)  # type: ignore[arg-type]
    result: dict[str, Any] = await server.features[handler.LIST_MODELS](server, {})
    return result


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    home = tmp_path / "home"
    lms = home / ".lmstudio" / "models" / "someone" / "tiny-GGUF"
    fim = write_tiny_gguf(lms / "tiny-fim.gguf", fim=True, name="Tiny FIM")
    chat = write_tiny_gguf(lms / "tiny-chat.gguf", fim=False, name="Tiny Chat")

    hub = tmp_path / "hf-home" / "hub"
    snapshot = hub / "models--org--coder-GGUF" / "snapshots" / REV
    blob = write_gguf(hub / "models--org--coder-GGUF" / "blobs" / ("a" * 64), name="Org Coder",
                      fim="starcoder2", arch="starcoder2", license="bigcode-openrail-m")
    snapshot.mkdir(parents=True)
    (snapshot / "coder-q4_k_m.gguf").symlink_to(os.path.relpath(blob, snapshot))

    cache = tmp_path / "hushcode-models"
    default = load_catalog().default()
    cache.mkdir()
    installed = shutil.copyfile(fim, cache / default.file)  # the catalog's file, as far as the name goes
    own = shutil.copyfile(chat, cache / "my-own.gguf")

    for key, value in {"HOME": home, "HF_HOME": tmp_path / "hf-home", "HUSHCODE_MODELS_DIR": cache}.items():
        monkeypatch.setenv(key, str(value))
    for key in ("OLLAMA_MODELS", "HF_HUB_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(discovery, "OLLAMA_SERVICE_HOME", tmp_path / "no-ollama-service")
    return {"fim": fim, "chat": chat, "hf": snapshot / "coder-q4_k_m.gguf", "installed": Path(installed),
            "own": Path(own)}


def _by_path(models: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for model in models:
        out.setdefault(model["path"], []).append(model)
    return out


async def test_catalog_and_found_models_with_source_fim_and_licence(machine: dict[str, Path]) -> None:
    result = await list_models(current=str(machine["fim"]))
    assert result["current"] == str(machine["fim"])
    models = result["models"]
    keys = {"id", "name", "source", "path", "installed", "default", "fim", "usable", "license",
            "licenseFrom", "params", "variant", "quant", "sizeBytes", "ramMb", "catalog"}
    assert all(set(m) == keys for m in models)

    catalog = [m for m in models if m["source"] == "catalog"]
    assert len(catalog) == len(load_catalog()) and all(m["usable"] and m["fim"] for m in catalog)
    default = next(m for m in catalog if m["default"])
    assert default["license"] == "Apache-2.0" and default["licenseFrom"] == "catalog"

    paths = _by_path(models)
    assert machine["installed"] == installed_path(load_catalog().default())
    # the catalog file's installed copy is the catalog entry, not a second "hushcode" entry
    assert [m["source"] for m in paths[str(machine["installed"])]] == ["catalog"]

    fim = paths[str(machine["fim"])][0]
    assert (fim["source"], fim["name"], fim["fim"], fim["usable"], fim["installed"]) == (
        "lmstudio", "someone/tiny-GGUF/tiny-fim.gguf", "qwen", True, True)
    assert fim["license"] == "unknown" and fim["licenseFrom"] is None  # the tiny model names none

    chat = paths[str(machine["chat"])][0]
    assert (chat["source"], chat["fim"], chat["usable"]) == ("lmstudio", None, False)

    hf = paths[str(machine["hf"])][0]
    assert (hf["source"], hf["name"]) == ("huggingface", "org/coder-GGUF/coder-q4_k_m.gguf")
    assert (hf["fim"], hf["usable"], hf["license"], hf["licenseFrom"]) == (
        "starcoder2", True, "bigcode-openrail-m", "gguf")

    own = paths[str(machine["own"])][0]
    assert (own["source"], own["usable"], own["default"]) == ("hushcode", False, False)
    assert len({m["id"] for m in models}) == len(models)


async def test_headers_are_read_off_the_event_loop_and_once_per_unchanged_file(
        machine: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[tuple[Path, str]] = []
    real = gguf_info.safe_read

    def counting(path: Path) -> tuple[gguf_info.GGUFInfo | None, str | None]:
        reads.append((path, threading.current_thread().name))
        return real(path)

    monkeypatch.setattr(gguf_info, "safe_read", counting)
    gguf_info._cache.clear()
    await list_models()
    assert len(reads) == 5 and all(name != threading.main_thread().name for _, name in reads)

    reads.clear()
    await list_models()
    assert reads == []  # nothing changed: nothing is read again

    st = machine["chat"].stat()
    os.utime(machine["chat"], ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    await list_models()
    assert [path for path, _ in reads] == [machine["chat"]]


async def test_an_unreadable_catalog_still_lists_the_machine(
        machine: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from hushcode.models.catalog import CatalogError

    def broken() -> None:
        raise CatalogError("bad catalog")

    monkeypatch.setattr(handler, "load_catalog", broken)
    models = (await list_models())["models"]
    assert models and all(m["source"] != "catalog" for m in models)
    assert {m["source"] for m in models} == {"lmstudio", "huggingface", "hushcode"}
