"""Reading LSP messages from the editor's byte stream, and surviving bad ones.

pygls 2.1's own read loop trusts the stream: a header it does not recognise (``content-length``
in lower case is valid, header names are case-insensitive) makes it skip that message and then
read the body as the next header line, which swallows the *following* message too; a huge
Content-Length makes it allocate that many bytes at once and die. This loop:

- accepts header names in any case and spaces around the value, ignores other headers;
- after a broken frame (no or a bad Content-Length, a body shorter or longer than announced)
  finds the next ``Content-Length`` header, even at the end of a line of leftover body bytes,
  so that one bad message costs only itself;
- refuses a Content-Length over MAX_BODY_BYTES;
- hands every complete body to the protocol, which answers JSON-RPC errors (see server.py).

Both transports go through it: stdio, and `hushcode serve --tcp` (one editor on a loopback
address: `serve_tcp`, its socket read like stdin by `SocketReader`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import threading
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger("hushcode.lsp.transport")

MAX_BODY_BYTES = 256 * 1024 * 1024  # a didOpen of a 100 MB file still fits
_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?\n?\Z", re.IGNORECASE)
_HEADER = re.compile(rb"[A-Za-z0-9-]+[ \t]*:[^\r\n]*\r?\n?")


class Reader(Protocol):
    def readline(self) -> Awaitable[bytes]: ...

    def readexactly(self, n: int) -> Awaitable[bytes]: ...


class FrameReader:
    """Splits the stream into message bodies; reports what it had to skip."""

    def __init__(self, reader: Reader, bad_input: Callable[[str, str], None]) -> None:
        self._reader = reader
        self._bad_input = bad_input

    async def next_body(self) -> bytes | None:
        """The next message body, or None when the stream has ended."""
        length: int | None = None
        skipped = 0
        while True:
            line = await self._reader.readline()
            if not line:
                return None
            if not line.strip():  # the blank line that ends a header block
                if length is not None:
                    break
                skipped += len(line)
                continue
            found = _LENGTH.search(line)
            if found is None:
                if not _HEADER.fullmatch(line):  # e.g. Content-Type is fine; anything else is debris
                    skipped += len(line)
                continue
            skipped += found.start()  # bytes before the header on its line: the rest of a broken message
            value = int(found.group(1))
            if value > MAX_BODY_BYTES:
                self._bad_input("frame", f"the editor announced a message of {value} bytes, over the limit "
                                         f"of {MAX_BODY_BYTES}; it was skipped")
                length = None
                continue
            length = value
        if skipped:
            self._bad_input("frame", f"skipped {skipped} bytes of input that were not part of a "
                                     f"well-formed LSP message (bad or missing Content-Length header)")
        if length == 0:
            return b""
        body = await self._reader.readexactly(length)
        return body if len(body) == length else None  # a short read: the stream ended


async def serve_stream(reader: Reader, handle_body: Callable[[bytes], None], stop: threading.Event,
                       bad_input: Callable[[str, str], None]) -> None:
    """Read messages until the stream ends or `stop` is set, handing each body to `handle_body`."""
    frames = FrameReader(reader, bad_input)
    while not stop.is_set():
        body = await frames.next_body()
        if body is None:
            log.info("the editor closed the stream")
            return
        try:
            handle_body(body)
        except Exception:  # never let one message end the loop
            log.exception("unexpected error handling a message")


class SocketReader:
    """A connection's asyncio StreamReader, read as stdin is: a line whatever its length (up to
    MAX_BODY_BYTES; a longer one comes in pieces, which the frame reader skips as debris), and at
    the end of the stream the bytes that came instead of an exception."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    async def readline(self) -> bytes:
        parts: list[bytes] = []
        size = 0
        while size <= MAX_BODY_BYTES:
            try:
                parts.append(await self._reader.readuntil(b"\n"))
            except asyncio.IncompleteReadError as end:  # the stream ended inside the line
                parts.append(end.partial)
            except asyncio.LimitOverrunError as long:  # more than the buffer holds: take it, read on
                part = await self._reader.read(long.consumed)
                parts.append(part)
                size += len(part)
                if part:
                    continue
            break
        return b"".join(parts)

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self._reader.readexactly(n)
        except asyncio.IncompleteReadError as end:  # a short read: the stream ended
            return end.partial


Connection = Callable[[SocketReader, asyncio.StreamWriter], Awaitable[None]]


async def serve_tcp(host: str, port: int, serve: Connection) -> None:
    """Listen on `host`:`port`, a loopback address only (code never leaves the machine), for one
    editor; serve its connection and return when it ends. Another connection meanwhile is closed."""
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"hushcode serves TCP on a loopback address only, not {host}")
    ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    busy = False

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal busy
        if busy:
            writer.close()
            return
        busy = True
        try:
            await serve(SocketReader(reader), writer)
        except SystemExit as stop:  # the editor's `exit`: it ends the server, as over stdio
            ended.set_exception(stop)
        finally:
            writer.close()
            if not ended.done():
                ended.set_result(None)

    server = await asyncio.start_server(connection, host, port)
    log.info("serving LSP on %s", ", ".join(str(sock.getsockname()) for sock in server.sockets))
    async with server:
        await ended


# JSON-RPC 2.0 error codes
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002  # LSP's own


def valid_id(value: object) -> bool:
    """LSP request ids are integers or strings."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def check_envelope(data: object) -> str | None:
    """What is wrong with a parsed message's JSON-RPC envelope, or None when it is well formed."""
    if isinstance(data, list):
        return "a JSON array (batches are not part of LSP)"
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    if data.get("jsonrpc") != "2.0":
        return 'no "jsonrpc": "2.0" member'
    if "method" in data:
        if not isinstance(data["method"], str):
            return '"method" is not a string'
        if "id" in data and not valid_id(data["id"]):
            return '"id" is neither an integer nor a string'
        return None
    if "id" not in data or ("result" not in data and "error" not in data):
        return 'neither a request, a notification nor a response (no "method", or no "id" and "result"/"error")'
    return None


def is_request(data: object) -> bool:
    return isinstance(data, dict) and "method" in data and valid_id(data.get("id"))


def error_reply(msg_id: object, code: int, message: str) -> dict[str, object]:
    """A JSON-RPC error response (as plain data: "id": null must stay in the JSON)."""
    return {"jsonrpc": "2.0", "id": msg_id if valid_id(msg_id) else None,
            "error": {"code": code, "message": message}}
