"""Which engine computes completions: the local engine process, or a shared server (opt-in).

`engine.kind` picks it. Nothing here opens a connection: a remote engine connects only once it
is started, and only when the settings name one.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from urllib.parse import urlsplit

from hushcode.config.settings import Settings
from hushcode.engine.contracts import Notify
from hushcode.engine.interface import CompletionEngine
from hushcode.engine.local import LocalEngine
from hushcode.engine.remote.options import RemoteOptions
from hushcode.engine.resources import engine_config
from hushcode.models.choice import choose_model

REMOTE_KINDS = ("llama-server", "openai", "ollama")


async def create_engine(settings: Settings, notify: Notify,
                        on_state: Callable[[], None]) -> tuple[CompletionEngine | None, str | None]:
    """The engine the settings ask for (not started), or None and a message for the user."""
    if settings.engine.kind not in REMOTE_KINDS:
        choice = await asyncio.to_thread(choose_model, settings)
        if choice.error or choice.path is None:
            return None, choice.error or "no model configured"
        return LocalEngine(engine_config(choice.path, settings), notify=notify, on_state=on_state), None
    return await _remote(settings, notify, on_state)


async def _remote(settings: Settings, notify: Notify,
                  on_state: Callable[[], None]) -> tuple[CompletionEngine | None, str | None]:
    # imported here: the remote engines need httpx, which a local engine never loads
    from hushcode.engine.remote.llama_server import LlamaServerEngine
    from hushcode.engine.remote.ollama import OllamaEngine
    from hushcode.engine.remote.openai import OpenAIEngine

    engine = settings.engine
    url = (engine.url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None, (f"engine.kind is {engine.kind!r} but engine.url is {url or 'not set'}: give the server's "
                      f"address, e.g. http://gpu-box:8080")
    if engine.kind == "openai" and parts.path.rstrip("/").endswith("/v1"):
        url = url.rstrip("/")[: -len("/v1")]  # the routes are added here: /v1/models, /v1/completions
    key = None
    if engine.api_key_env:
        key = os.environ.get(engine.api_key_env) or None
        if key is None:
            notify("warning", f"engine.apiKeyEnv names the variable {engine.api_key_env}, which is not set; "
                              f"requests go without a key")
    local_path = None
    if engine.tokenizer != "server":
        # A GGUF of the same model gives the vocabulary where the server has no tokenize endpoint.
        choice = await asyncio.to_thread(choose_model, settings)
        local_path = choice.path
    options = RemoteOptions(url=url, model=engine.model, api_key=key,
                            connect_timeout_s=engine.connect_timeout_ms / 1000, retries=engine.retries,
                            probe_max_s=max(engine.probe_max_ms / 1000, 0.5), n_ctx=settings.model.context_tokens,
                            local_model_path=local_path, tokenizer=engine.tokenizer, endpoint=engine.endpoint)
    cls = {"llama-server": LlamaServerEngine, "openai": OpenAIEngine, "ollama": OllamaEngine}[engine.kind]
    return cls(options, notify, on_state), None
