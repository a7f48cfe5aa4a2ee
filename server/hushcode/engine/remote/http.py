"""The HTTP side shared by the remote engines: one connection pool per engine, timeouts, bounded
retries of new connections, and errors sorted into what the user must be told.

- One `httpx.AsyncClient` per engine: keep-alive connections are reused between keystrokes.
- No proxy, netrc or certificate file from the environment (`trust_env=False`): code goes to the
  configured URL and nowhere else; TLS is verified against the system's trust store.
- Retries: only a connection that could not be opened is tried again (a few times, with a short
  backoff); a request whose answer had started is never sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator
from typing import Any

import httpx

log = logging.getLogger("hushcode.engine.remote")
# httpx logs every request at INFO and httpcore every socket step at DEBUG: one completion is
# several requests, so keep them to warnings (our own log line per request has the figures).
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

_CONNECT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout)


class Unreachable(Exception):
    """The server cannot be reached (no connection, or a connection lost mid-answer)."""


class Refused(Exception):
    """The server answered, and will keep answering the same way: a key it refuses, a model it
    does not have, a model without FIM tokens. Retrying does not help; the user must act."""


class BadAnswer(Exception):
    """One request failed (an HTTP error, an answer of the wrong shape); the next may work."""


def describe(exc: BaseException) -> str:
    """A short account of a transport error, in words."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "connecting timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc or 'connection refused'})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection mid-answer"
    if isinstance(exc, httpx.ReadTimeout):
        return "the server stopped answering"
    return f"{type(exc).__name__}: {exc}"


class Http:
    """A base URL, its headers and one connection pool."""

    def __init__(self, url: str, api_key: str | None, connect_timeout_s: float, retries: int) -> None:
        self.url = url.rstrip("/")
        self.retries = retries
        self.connect_timeout_s = connect_timeout_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # the system's trust store (where a team's internal CA is installed), not a bundled one
        self.client = httpx.AsyncClient(
            base_url=self.url, headers=headers, trust_env=False, verify=ssl.create_default_context(),
            timeout=httpx.Timeout(10.0, connect=connect_timeout_s),
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8, keepalive_expiry=60))
        self.retried = 0  # connections tried again after a connect error

    def timeout(self, seconds: float) -> httpx.Timeout:
        return httpx.Timeout(max(seconds, 0.05), connect=min(self.connect_timeout_s, max(seconds, 0.05)))

    async def close(self) -> None:
        await self.client.aclose()

    async def _retrying(self, send: Any) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response: httpx.Response = await send()
                return response
            except _CONNECT_ERRORS as exc:
                if attempt >= self.retries:
                    raise Unreachable(describe(exc)) from exc
                attempt += 1
                self.retried += 1
                await asyncio.sleep(0.1 * 2 ** attempt)
            except httpx.TransportError as exc:
                raise Unreachable(describe(exc)) from exc

    async def get(self, path: str, timeout_s: float = 5.0) -> httpx.Response:
        return await self._retrying(lambda: self.client.get(path, timeout=self.timeout(timeout_s)))

    async def get_json(self, path: str, timeout_s: float = 5.0) -> Any:
        response = await self._retrying(lambda: self.client.get(path, timeout=self.timeout(timeout_s)))
        return _json(response, path)

    async def post_json(self, path: str, body: dict[str, Any], timeout_s: float = 10.0) -> Any:
        response = await self._retrying(lambda: self.client.post(path, json=body, timeout=self.timeout(timeout_s)))
        return _json(response, path)

    @contextlib.asynccontextmanager
    async def stream(self, path: str, body: dict[str, Any], timeout_s: float) -> AsyncIterator[httpx.Response]:
        """POST and stream the answer. Leaving the block early closes the connection, which is
        how the server learns that nobody reads any more (a cancelled or stopped request)."""
        request = self.client.build_request("POST", path, json=body, timeout=self.timeout(timeout_s))
        response = await self._retrying(lambda: self.client.send(request, stream=True))
        try:
            if response.status_code >= 400:
                await response.aread()
                check_status(response, path)
            yield response
        finally:
            await response.aclose()


def check_status(response: httpx.Response, path: str) -> None:
    """Raise Refused or BadAnswer for an HTTP error status, with the server's own words."""
    if response.status_code < 400:
        return
    words = response.text[:300].strip() or response.reason_phrase
    if response.status_code in (401, 403):
        raise Refused(f"the server refused the request to {path} (HTTP {response.status_code}: {words}); "
                      f"check the API key (engine.apiKeyEnv)")
    raise BadAnswer(f"HTTP {response.status_code} from {path}: {words}")


def _json(response: httpx.Response, path: str) -> Any:
    check_status(response, path)
    try:
        return response.json()
    except ValueError as exc:
        raise BadAnswer(f"{path} did not answer JSON") from exc
