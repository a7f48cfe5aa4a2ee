"""End to end: `hushcode bench next-edit` on a tiny local two-release "package" (its sdists made
here, pinned by sha256 in a releases file of the test's own; no network), through the real
server and the real default model."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

FILLER = "".join(f"\n\ndef helper_{i}(value):\n    return value + {i}\n" for i in range(10))
OLD = (
    'def area(w, h):\n    """The area of a w by h rectangle."""\n    return w * h\n'
    + FILLER
    + '\n\ndef version():\n    return "1.0"\n'
    + "".join(f"\n\ndef more_{i}(value):\n    return value * {i}\n" for i in range(5))
)
# the release renames `w` in the signature and in the body (one edit task: the second predicted)
# and changes the version far below (its neighbours, where nothing changed: a no-edit place)
NEW = OLD.replace("area(w, h)", "area(width, h)").replace("return w * h", "return width * h").replace(
    '"1.0"', '"1.1"')


def sdist(folder: Path, version: str, text: str) -> tuple[str, str]:
    """A tar.gz sdist of tinypkg holding tinypkg/geo.py; (its file name, its sha256)."""
    name = f"tinypkg-{version}.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = text.encode()
        info = tarfile.TarInfo(f"tinypkg-{version}/tinypkg/geo.py")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    (folder / name).write_bytes(buffer.getvalue())
    return name, hashlib.sha256(buffer.getvalue()).hexdigest()


def releases_file(tmp_path: Path, cache: Path) -> Path:
    cache.mkdir()
    entries = [sdist(cache, "1.0", OLD), sdist(cache, "1.1", NEW)]
    lines = ['[[package]]\nname = "tinypkg"\nsplit = "dev"\nlicense = "MIT"\n']
    for version, (name, digest) in zip(("1.0", "1.1"), entries, strict=True):
        lines.append(f'[[package.release]]\nversion = "{version}"\nsdist = "{name}"\nsha256 = "{digest}"\n')
    path = tmp_path / "releases.toml"
    path.write_text("".join(lines))
    return path


def bench(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hushcode", "bench", "next-edit", *args], env=env,
                          capture_output=True, text=True, timeout=1500, check=False)


def test_missing_sdists_are_named_and_nothing_is_downloaded_without_fetch(tmp_path: Path) -> None:
    releases = releases_file(tmp_path, tmp_path / "cache")
    empty = tmp_path / "empty"
    empty.mkdir()
    done = bench(["--releases", str(releases), "--cache", str(empty), "--out", str(tmp_path / "out")], dict(os.environ))
    assert done.returncode == 1, done.stderr
    assert "pinned sdists are not in" in done.stderr and "--fetch" in done.stderr, done.stderr
    assert list(empty.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--limit", "0"], "--limit must be at least 1"),
    (["--no-edit", "-1"], "--no-edit must be 0 or more"),
    (["--releases", "/nonexistent/releases.toml"], "--releases: no such file"),
    (["--options", "[1]"], "--options must be a JSON object"),
])
def test_bad_arguments_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    done = bench([*args, "--out", str(tmp_path / "out")], dict(os.environ))
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_releases_file_that_is_not_one_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "releases.toml"
    bad.write_text('[[package]]\nname = "x"\n')
    done = bench(["--releases", str(bad), "--out", str(tmp_path / "out")], dict(os.environ))
    assert done.returncode == 1 and "not a releases file" in done.stderr, done.stderr


@pytest.mark.model
@pytest.mark.timeout(1800)  # two next-edit generations on 2 shared cores can take minutes under load
def test_bench_next_edit_end_to_end(tmp_path: Path, model_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    releases = releases_file(tmp_path, cache)
    cached = sorted(p.name for p in cache.iterdir())
    env = {**os.environ, "HUSHCODE_MODEL": str(model_path)}
    done = bench(["--releases", str(releases), "--cache", str(cache), "--split", "dev", "--limit", "1",
                  "--no-edit", "1", "--out", str(out)], env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "dev    hushcode" in done.stdout and "substitution" in done.stdout, done.stdout
    assert sorted(p.name for p in cache.iterdir()) == cached  # the cache is read, never written
    data: dict[str, Any] = json.loads((out / "results.json").read_text())
    assert data["splits"] == {"dev": ["tinypkg"]}
    tasks = data["tasks"]
    assert [t["kind"] for t in tasks] == ["edit", "no-edit"], [t["id"] for t in tasks]
    edit, place = tasks
    assert edit["cursor"] == {"line": 2, "character": 4} and "return width * h" in edit["expected"]
    assert edit["recent"]["new_text"] == 'def area(width, h):\n'
    # the baselines are deterministic: nothing is wrong where an edit is due and right where none
    # is; the substitution repeats `w` -> `width` at the next `w`, which is the release's edit
    assert edit["results"]["nothing"]["exact"] is False and place["results"]["nothing"]["silent"] is True
    assert edit["results"]["substitution"]["exact"] is True
    summary = data["summary"]["dev"]
    server = summary["hushcode"]
    answer, quiet = edit["results"]["hushcode"], place["results"]["hushcode"]
    assert server["edit_tasks"] == 1 and server["no_edit_places"] == 1
    assert server["exact"] == int(answer["exact"]) and server["silent"] == int(quiet["silent"])
    assert server["similarity"] == answer["similarity"] and 0 <= answer["similarity"] <= 1
    assert answer["exact"] == (answer["predicted_region"] == edit["expected"])
    assert quiet["silent"] == (quiet.get("changed") is False)
    latencies = sorted([answer["latency_ms"], quiet["latency_ms"]])
    assert latencies[0] > 0 and server["latency_p50_ms"] == pytest.approx(sum(latencies) / 2)
    assert latencies[0] <= server["latency_p90_ms"] <= latencies[1]
    assert sum(server["server_results"].values()) == 2
    assert summary["nothing"]["exact"] == 0 and summary["nothing"]["silent"] == 1
    assert summary["substitution"]["exact"] == 1
    assert data["server"]["model"] and Path(data["model_file"]).resolve() == model_path.resolve()
