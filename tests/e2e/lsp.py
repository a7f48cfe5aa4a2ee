"""Helpers for driving the real `hushcode serve` over stdio with pytest-lsp."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities


def _no_network_prefix() -> list[str]:
    """Run servers in a network namespace with no interfaces when we can (root, as in CI): the
    whole end-to-end suite then proves that serving needs no network."""
    try:
        ok = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return ["unshare", "-n"] if ok else []


NO_NETWORK = _no_network_prefix()
# An empty folder as XDG_CONFIG_HOME: no user settings file (and a quiet folder for the server to watch).
NO_USER_CONFIG = os.path.join(tempfile.gettempdir(), "hushcode-tests-no-user-config")
os.makedirs(NO_USER_CONFIG, exist_ok=True)
SERVER = [*NO_NETWORK, sys.executable, "-m", "hushcode", "serve", "--log-level", "DEBUG"]


def config(command: list[str] | None = None, **env: str) -> ClientServerConfig:
    """A server started with the test's environment plus `env`. `command` replaces the usual one:
    the remote-engine tests start it inside a namespace whose loopback is up (tests/remote/netns.py)."""
    # Tests judge behaviour, not speed: a generous deadline keeps them green on slow machines.
    # No user settings file unless a test writes one: a developer's own config.toml must not change results.
    # The audit hook refuses network access in the server and its engine (tests/conftest.py
    # also sets it for every other process the tests start, and checks the report after each test).
    # The full prompt even on a cold KV cache: tests of the prompt's layout and context ask once per
    # document; the short cold prompt has its own tests (test_cold_prompt.py), which turn it on.
    base = {**os.environ, "HUSHCODE_COMPLETION_TIMEOUT_MS": "120000", "XDG_CONFIG_HOME": NO_USER_CONFIG,
            "HUSHCODE_AUDIT_NETWORK": "1", "HUSHCODE_COMPLETION_COLD_PROMPT_TOKENS": "0"}
    return ClientServerConfig(server_command=command or SERVER, server_env={**base, **env})


def capabilities(client: str = "visual-studio-code", encodings: list[str] | None = None) -> types.ClientCapabilities:
    """Recorded client capabilities plus inline completion (which the recordings lack)."""
    caps = client_capabilities(client)
    assert caps.text_document is not None
    caps.text_document.inline_completion = types.InlineCompletionClientCapabilities(dynamic_registration=False)
    if encodings is not None:
        caps.general = caps.general or types.GeneralClientCapabilities()
        caps.general.position_encodings = encodings
    return caps


async def start(client: LanguageClient, encodings: list[str] | None = None, options: Any = None,
                root: Path | None = None) -> types.InitializeResult:
    folders = [types.WorkspaceFolder(uri=root.as_uri(), name=root.name)] if root else None
    return await client.initialize_session(types.InitializeParams(
        capabilities=capabilities(encodings=encodings), initialization_options=options,
        root_uri=root.as_uri() if root else None, workspace_folders=folders))


async def status(client: LanguageClient, engine_stats: bool = False) -> dict[str, Any]:
    result = await client.protocol.send_request_async("hushcode/getStatus", {"engineStats": engine_stats})
    return _plain(result)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    return value


async def wait_for_state(client: LanguageClient, states: set[str], timeout: float = 90) -> dict[str, Any]:
    """Poll hushcode/getStatus until the engine's state is one of `states`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        current = await status(client)
        if current["state"] in states:
            return current
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"state stayed {current['state']!r}, wanted {states}: {current}")
        await asyncio.sleep(0.1)


async def wait_for_new_engine(client: LanguageClient, old_pid: int, timeout: float = 90) -> dict[str, Any]:
    """Poll until a different engine process is ready."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        current = await status(client)
        if current["state"] == "ready" and current["enginePid"] not in (None, old_pid):
            return current
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no new engine became ready: {current}")
        await asyncio.sleep(0.1)


def open_document(client: LanguageClient, uri: str, text: str, language: str = "python") -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)))


async def inline(client: LanguageClient, uri: str, line: int, character: int,
                 invoked: bool = False) -> types.InlineCompletionList | None:
    trigger = types.InlineCompletionTriggerKind.Invoked if invoked else types.InlineCompletionTriggerKind.Automatic
    return await client.text_document_inline_completion_async(types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
        context=types.InlineCompletionContext(trigger_kind=trigger)))


def inline_request(client: LanguageClient, uri: str, line: int, character: int, msg_id: str) -> asyncio.Future[Any]:
    """Send an inline completion request with a known id (for `cancel`) and return its future."""
    return asyncio.wrap_future(client.protocol.send_request(
        types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
            context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic)),
        msg_id=msg_id))


def cancel(client: LanguageClient, msg_id: str) -> None:
    """Send $/cancelRequest for a request."""
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))


def change(client: LanguageClient, uri: str, version: int, line: int, character: int, text: str) -> None:
    """An incremental didChange inserting `text` at (line, character)."""
    here = types.Position(line=line, character=character)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=here, end=here), text=text)]))


def error_messages(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type == types.MessageType.Error]


class Session:
    """A started, initialized server; `async with Session(env) as client`."""

    def __init__(self, env: dict[str, str] | None = None, encodings: list[str] | None = None,
                 options: Any = None, command: list[str] | None = None) -> None:
        self.config = config(command, **(env or {}))
        self.encodings = encodings
        self.options = options
        self.client: LanguageClient | None = None
        self.result: types.InitializeResult | None = None
        self.statuses: list[dict[str, Any]] = []
        self.asked_again: list[dict[str, Any]] = []  # hushcode/askAgain notifications
        self.root: Path | None = None  # a workspace folder to open

    async def __aenter__(self) -> LanguageClient:
        client = await self.config.start()
        assert isinstance(client, LanguageClient)
        self.client = client

        @client.feature("hushcode/status")
        def on_status(params: Any) -> None:
            self.statuses.append(_plain(params))

        @client.feature("hushcode/askAgain")
        def on_ask_again(params: Any) -> None:
            self.asked_again.append(_plain(params))

        self.result = await start(client, self.encodings, self.options, self.root)
        return client

    async def __aexit__(self, *exc: object) -> None:
        assert self.client is not None
        try:
            if self.client._server is not None and self.client._server.returncode is None:
                await asyncio.wait_for(self.client.shutdown_session(), 30)
        finally:
            await self.client.stop()
