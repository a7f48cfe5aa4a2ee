"""Discovery of the GGUFs already on a machine, on fake Ollama, LM Studio, Hugging Face-cache and
hushcode-cache folders built here, holding real small GGUF files written with the gguf package."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hushcode.models.catalog import Catalog, load_catalog
from hushcode.models.discovery import Location, discover, locations
from hushcode.models.listing import build_rows
from hushcode.models.match import match_file
from tests.models.helpers import write_gguf

REPO = Path(__file__).resolve().parents[2]
REV = "0123456789abcdef0123456789abcdef01234567"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ollama_store(root: Path, blob_source: Path, tags: dict[tuple[str, ...], Path | None]) -> None:
    """An Ollama store: one manifest per tag, naming the blob of its GGUF (None: a missing blob)."""
    (root / "blobs").mkdir(parents=True, exist_ok=True)
    licence = b"Apache License\nVersion 2.0, January 2004\n"
    licence_digest = "sha256:" + hashlib.sha256(licence).hexdigest()
    (root / "blobs" / licence_digest.replace(":", "-")).write_bytes(licence)
    for parts, gguf in tags.items():
        digest = "sha256:" + (_sha(gguf) if gguf else "f" * 64)
        if gguf is not None:
            shutil.copyfile(gguf, root / "blobs" / digest.replace(":", "-"))
        manifest = {"schemaVersion": 2, "layers": [
            {"mediaType": "application/vnd.ollama.image.model", "digest": digest, "size": 1},
            {"mediaType": "application/vnd.ollama.image.license", "digest": licence_digest, "size": 1},
        ]}
        path = root / "manifests" / Path(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest), encoding="utf-8")


def hf_cache(hub: Path, repo: str, files: dict[str, Path | None], revisions: tuple[str, ...] = (REV,)) -> None:
    """A Hugging Face hub cache entry: snapshots/<rev>/<file> links to blobs/<sha256>."""
    folder = hub / ("models--" + repo.replace("/", "--"))
    (folder / "blobs").mkdir(parents=True, exist_ok=True)
    for revision in revisions:
        snap = folder / "snapshots" / revision
        snap.mkdir(parents=True, exist_ok=True)
        for name, gguf in files.items():
            blob = folder / "blobs" / (_sha(gguf) if gguf else "e" * 64)
            if gguf is not None and not blob.exists():
                shutil.copyfile(gguf, blob)
            (snap / name).symlink_to(os.path.relpath(blob, snap))


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A home folder with models in every store, and the environment that points at it."""
    home = tmp_path / "home"
    src = tmp_path / "src"
    qwen = write_gguf(src / "qwen.gguf", name="Qwen2.5 Coder 1.5B Instruct", fim="qwen", file_type=15,
                      license="apache-2.0")
    deepseek = write_gguf(src / "ds.gguf", arch="llama", name="deepseek-coder-1.3b-base", fim="deepseek",
                          file_type=7)
    chat = write_gguf(src / "chat.gguf", name="Some Chat Model", fim="none", file_type=2)
    star = write_gguf(src / "star.gguf", arch="starcoder2", name="starcoder2-3b", fim="starcoder2")

    ollama_store(home / ".ollama" / "models", qwen, {
        ("registry.ollama.ai", "library", "qwen2.5-coder", "1.5b"): qwen,
        ("registry.ollama.ai", "library", "qwen2.5-coder", "latest"): qwen,  # same blob, listed once
        ("registry.ollama.ai", "someone", "chatty", "7b"): chat,
        ("hf.co", "bartowski", "starcoder2-3b-GGUF", "Q4_K_M"): star,
        ("registry.ollama.ai", "library", "gone", "latest"): None,  # blob deleted
    })
    bad_manifest = home / ".ollama" / "models" / "manifests" / "registry.ollama.ai" / "library" / "bad" / "x"
    bad_manifest.parent.mkdir(parents=True)
    bad_manifest.write_text("{not json", encoding="utf-8")

    lms = home / ".lmstudio" / "models" / "lmstudio-community" / "deepseek-coder-GGUF"
    lms.mkdir(parents=True)
    shutil.copyfile(deepseek, lms / "deepseek-coder-1.3b-base-Q8_0.gguf")
    shutil.copyfile(deepseek, lms / "mmproj-model-f16.gguf")  # a vision projector: not a model
    shutil.copyfile(qwen, lms / "split-00001-of-00002.gguf")
    shutil.copyfile(qwen, lms / "split-00002-of-00002.gguf")  # second part: not listed on its own
    (lms / "broken.gguf").write_bytes(qwen.read_bytes()[:700])
    (lms / "notes.txt").write_text("not a model", encoding="utf-8")
    old_cache = home / ".cache" / "lm-studio" / "models" / "TheBloke" / "x-GGUF"
    old_cache.mkdir(parents=True)
    shutil.copyfile(chat, old_cache / "chat.Q4_0.gguf")

    hub = tmp_path / "hf-home" / "hub"
    hf_cache(hub, "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
             {"qwen2.5-coder-1.5b-instruct-q4_k_m.gguf": qwen, "missing.gguf": None},
             revisions=(REV, "f" * 40))
    (hub / "version.txt").write_text("1", encoding="utf-8")

    hushcode = tmp_path / "hushcode-models"
    hushcode.mkdir()
    shutil.copyfile(star, hushcode / "starcoder2-3b-Q4_K_M.gguf")
    (hushcode / "starcoder2-3b-Q4_K_M.gguf.verified").write_text("{}", encoding="utf-8")

    env = {"HOME": str(home), "HF_HOME": str(tmp_path / "hf-home"), "HUSHCODE_MODELS_DIR": str(hushcode)}
    yield home, env


def _discover(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], object]:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("OLLAMA_MODELS", "HF_HUB_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(key, raising=False)
    root = Path(env["HOME"]).parent  # only this test's folders, never the machine's own stores
    found = discover([loc for loc in locations(home=Path(env["HOME"])) if loc.path.is_relative_to(root)])
    return {(f.source, f.label): f for f in found}


def test_every_store_is_found_with_its_names(machine: tuple[Path, dict[str, str]],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _, env = machine
    found = _discover(env, monkeypatch)
    labels = set(found)
    assert labels == {
        ("hushcode", "starcoder2-3b-Q4_K_M.gguf"),
        ("ollama", "qwen2.5-coder:1.5b"),
        ("ollama", "someone/chatty:7b"),
        ("ollama", "hf.co/bartowski/starcoder2-3b-GGUF:Q4_K_M"),
        ("ollama", "gone:latest"),
        ("ollama", "bad:x"),
        ("lmstudio", "lmstudio-community/deepseek-coder-GGUF/deepseek-coder-1.3b-base-Q8_0.gguf"),
        ("lmstudio", "lmstudio-community/deepseek-coder-GGUF/split-00001-of-00002.gguf"),
        ("lmstudio", "lmstudio-community/deepseek-coder-GGUF/broken.gguf"),
        ("lmstudio", "TheBloke/x-GGUF/chat.Q4_0.gguf"),
        ("huggingface", "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
        ("huggingface", "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/missing.gguf"),
    }


def test_each_file_is_described_from_its_gguf(machine: tuple[Path, dict[str, str]],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _, env = machine
    rows = {(r.source, r.name): r for r in build_rows(list(_discover(env, monkeypatch).values()), None)}
    qwen = rows[("ollama", "qwen2.5-coder:1.5b")]
    assert (qwen.quant, qwen.fim, qwen.license, qwen.license_from) == ("Q4_K_M", "qwen", "apache-2.0", "gguf")
    assert qwen.path.endswith("blobs/sha256-" + hashlib.sha256(Path(qwen.path).read_bytes()).hexdigest())
    chat = rows[("ollama", "someone/chatty:7b")]
    assert chat.fim is None and chat.quant == "Q4_0"
    assert (chat.license, chat.license_from) == ("Apache License", "ollama")  # from the licence layer
    deepseek = rows[("lmstudio", "lmstudio-community/deepseek-coder-GGUF/deepseek-coder-1.3b-base-Q8_0.gguf")]
    assert (deepseek.fim, deepseek.quant) == ("deepseek", "Q8_0")
    assert rows[("hushcode", "starcoder2-3b-Q4_K_M.gguf")].fim == "starcoder2"
    hf = rows[("huggingface", "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")]
    assert hf.fim == "qwen" and hf.error is None


def test_problems_are_listed_with_their_reason(machine: tuple[Path, dict[str, str]],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _, env = machine
    found = _discover(env, monkeypatch)
    errors = {label: f.error for (_, label), f in found.items() if f.error}  # type: ignore[attr-defined]
    assert "missing" in str(errors["gone:latest"])
    assert errors["bad:x"] == "not a valid Ollama manifest"
    assert "truncated" in str(errors["lmstudio-community/deepseek-coder-GGUF/broken.gguf"])
    assert "broken link" in str(errors["Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/missing.gguf"])
    assert len(errors) == 4


def test_locations_follow_the_environment(tmp_path: Path) -> None:
    env = {"OLLAMA_MODELS": str(tmp_path / "ollama"), "HF_HUB_CACHE": str(tmp_path / "hub")}
    paths = {(loc.source, loc.path) for loc in locations(env, tmp_path / "home")}
    assert ("ollama", tmp_path / "ollama") in paths
    assert ("ollama", tmp_path / "home" / ".ollama" / "models") in paths
    assert ("huggingface", tmp_path / "hub") in paths
    assert ("lmstudio", tmp_path / "home" / ".lmstudio" / "models") in paths
    assert ("lmstudio", tmp_path / "home" / ".cache" / "lm-studio" / "models") in paths
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert ("huggingface", tmp_path / "xdg" / "huggingface" / "hub") in {
        (loc.source, loc.path) for loc in locations(env, tmp_path / "home")}


# --------------------------------------------------------------------------- catalog matching

MATCH_CATALOG = """
format = 2

[templates.qwen]
prefix = "<|fim_prefix|>"
suffix = "<|fim_suffix|>"
middle = "<|fim_middle|>"
order = "psm"
stops = ["<|endoftext|>"]

[[models]]
id = "tiny-coder-instruct"
name = "Tiny Coder Instruct"
family = "qwen2.5-coder"
params = "0.1B"
params_b = 0.1
variant = "instruct"
architecture = "qwen2"
layers = 2
heads = 4
kv_heads = 2
head_dim = 16
vocab = 33
context_length = 4096
license = "Apache-2.0"
commercial_use = true
fim_template = "qwen"
repo = "example/tiny-coder-instruct"

[[models.files]]
quant = "Q4_K_M"
file = "tiny-coder-instruct-q4_k_m.gguf"
size_bytes = {size}
default = true

[[models]]
id = "tiny-coder"
name = "Tiny Coder"
family = "qwen2.5-coder"
params = "0.1B"
params_b = 0.1
variant = "base"
architecture = "qwen2"
layers = 2
heads = 4
kv_heads = 2
head_dim = 16
vocab = 33
context_length = 4096
license = "Tiny Research"
commercial_use = false
fim_template = "qwen"
repo = "example/tiny-coder"

[[models.files]]
quant = "Q8_0"
file = "tiny-coder-q8_0.gguf"
approx_size_mb = 1
"""


@pytest.fixture
def match_catalog(tmp_path: Path) -> tuple[Catalog, Path]:
    probe = write_gguf(tmp_path / "probe.gguf", name="Tiny Coder Instruct", file_type=15)
    path = tmp_path / "catalog.toml"
    path.write_text(MATCH_CATALOG.replace("{size}", str(probe.stat().st_size)), encoding="utf-8")
    return load_catalog(path), probe


def test_match_by_file_name_and_size(tmp_path: Path, match_catalog: tuple[Catalog, Path]) -> None:
    catalog, probe = match_catalog
    renamed = tmp_path / "tiny-coder-instruct-q4_k_m.gguf"
    shutil.copyfile(probe, renamed)
    from hushcode.models.gguf_info import read_gguf

    match = match_file(catalog, read_gguf(renamed))
    assert match is not None and match.label == "tiny-coder-instruct-q4_k_m"
    assert match.how == "by file name and size"


def test_match_by_shape_tells_base_from_instruct(tmp_path: Path, match_catalog: tuple[Catalog, Path]) -> None:
    catalog, probe = match_catalog
    from hushcode.models.gguf_info import read_gguf

    instruct = match_file(catalog, read_gguf(probe))  # an Ollama-style blob: the name says nothing
    assert instruct is not None and instruct.label == "tiny-coder-instruct-q4_k_m"
    assert instruct.how.startswith("by shape: qwen2, 2 layers, 2 KV heads, qwen FIM tokens, instruct")
    base = match_file(catalog, read_gguf(write_gguf(tmp_path / "b.gguf", name="Tiny Coder", file_type=2)))
    assert base is not None and base.spec.id == "tiny-coder" and base.entry is None
    assert "no Q4_0 file" in base.how
    other = match_file(catalog, read_gguf(write_gguf(tmp_path / "o.gguf", layers=3)))
    assert other is None  # another shape is another model
    no_fim = match_file(catalog, read_gguf(write_gguf(tmp_path / "n.gguf", fim="none")))
    assert no_fim is None


def test_licence_comes_from_the_catalog_match_when_the_gguf_has_none(
        tmp_path: Path, match_catalog: tuple[Catalog, Path]) -> None:
    catalog, _ = match_catalog
    base = write_gguf(tmp_path / "m" / "tiny-base.gguf", name="Tiny Coder", file_type=7)
    rows = build_rows(discover([Location("lmstudio", tmp_path / "m")]), catalog)
    assert len(rows) == 1
    row = rows[0]
    assert (row.license, row.license_from, row.commercial_use) == ("Tiny Research", "catalog", False)
    assert row.catalog == "tiny-coder" and base.exists()


# --------------------------------------------------------------------------- the command


def _hushcode(args: list[str], env: dict[str, str], user: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("OLLAMA_MODELS", "HF_HUB_CACHE", "XDG_CACHE_HOME", "HF_HOME")}
    full_env.update(env, PYTHONPATH=os.pathsep.join([str(REPO / "server"), str(REPO)]))
    prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user else []
    return subprocess.run([*prefix, sys.executable, "-m", "hushcode", "models", *args], env=full_env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_models_list_json(machine: tuple[Path, dict[str, str]]) -> None:
    _, env = machine
    proc = _hushcode(["list", "--json"], env)
    assert proc.returncode == 0, proc.stderr
    root = Path(env["HOME"]).parent
    rows = {(m["source"], m["name"]): m for m in json.loads(proc.stdout)["models"]
            if Path(m["path"]).is_relative_to(root)}  # not a store this machine may have itself
    assert len(rows) == 12
    qwen = rows[("ollama", "qwen2.5-coder:1.5b")]
    assert qwen["fim"] == "qwen" and qwen["quant"] == "Q4_K_M" and qwen["size_bytes"] > 0
    assert rows[("ollama", "gone:latest")]["error"]
    assert "Traceback" not in proc.stderr


def test_models_list_table(machine: tuple[Path, dict[str, str]]) -> None:
    _, env = machine
    proc = _hushcode(["list", "--paths"], env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.splitlines()[0].split() == ["SOURCE", "NAME", "SIZE", "QUANT", "FIM", "LICENCE", "CATALOG"]
    line = next(li for li in out.splitlines() if "someone/chatty:7b" in li)
    assert " no " in line and "Apache License" in line
    assert "Could not read:" in out and "gone:latest" in out and "not a valid Ollama manifest" in out


def test_unreadable_folder_is_listed_not_fatal() -> None:
    """A folder the user may not read (tested as an unprivileged user: root reads everything)."""
    root = Path(tempfile.mkdtemp(prefix="hushcode-unreadable-"))
    try:
        root.chmod(0o755)
        home = root / "home"
        models = home / ".lmstudio" / "models"
        write_gguf(models / "pub" / "ok" / "ok.gguf", name="ok", fim="qwen")
        locked = models / "pub" / "locked"
        write_gguf(locked / "secret.gguf")
        for folder in (home, home / ".lmstudio", models, models / "pub", models / "pub" / "ok"):
            folder.chmod(0o755)
        (models / "pub" / "ok" / "ok.gguf").chmod(0o644)
        locked.chmod(0o000)
        ollama = home / ".ollama"
        write_gguf(ollama / "models" / "blobs" / "sha256-x")
        ollama.chmod(0o000)  # not even searchable: ~/.ollama/models cannot be looked at
        env = {"HOME": str(home), "HUSHCODE_MODELS_DIR": str(root / "none")}
        proc = _hushcode(["list", "--json"], env, user="65534" if os.geteuid() == 0 else None)
        assert proc.returncode == 0, proc.stderr
        rows = {m["name"]: m for m in json.loads(proc.stdout)["models"]}
        assert rows["pub/ok/ok.gguf"]["fim"] == "qwen"
        assert rows[str(locked)]["error"] == "folder not readable: permission denied"
        assert rows[str(ollama / "models")]["error"] == "folder not readable: permission denied"
    finally:
        locked.chmod(0o755)
        ollama.chmod(0o755)
        shutil.rmtree(root)
