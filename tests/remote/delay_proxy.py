"""A TCP proxy that holds back the answers to completion requests: a slow server, for the
deadline test in front of a real one. Everything else (health, tokenize) passes at once.

    python delay_proxy.py --listen PORT --upstream PORT --delay SECONDS --log FILE

Each connection that carried a completion request is logged as one JSON line: who closed it
first ("client" or "upstream") and how many bytes of answer were forwarded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path

MARK = b"POST /v1/completions"


async def pipe_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: dict[str, object]) -> None:
    while data := await reader.read(65536):
        if MARK in data:
            state["slow"] = True
            state["completion"] = True
        writer.write(data)
        await writer.drain()


async def pipe_down(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: dict[str, object],
                    delay: float) -> None:
    while data := await reader.read(65536):
        if state.get("slow"):
            await asyncio.sleep(delay)
            state["slow"] = False
        writer.write(data)
        state["bytes_down"] = int(state.get("bytes_down", 0)) + len(data)  # type: ignore[call-overload]
        await writer.drain()


async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, upstream: int, delay: float,
                 log: Path) -> None:
    up_r, up_w = await asyncio.open_connection("127.0.0.1", upstream)
    state: dict[str, object] = {}
    up = asyncio.ensure_future(pipe_up(client_r, up_w, state))
    down = asyncio.ensure_future(pipe_down(up_r, client_w, state, delay))
    done, pending = await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
    state["closed_by"] = "client" if up in done else "upstream"
    for task in pending:
        task.cancel()
    for w in (up_w, client_w):
        with contextlib.suppress(Exception):
            w.close()
    if state.get("completion"):
        with log.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(state) + "\n")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", type=int, required=True)
    parser.add_argument("--delay", type=float, required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    server = await asyncio.start_server(lambda r, w: handle(r, w, args.upstream, args.delay, args.log),
                                        "127.0.0.1", args.listen)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
