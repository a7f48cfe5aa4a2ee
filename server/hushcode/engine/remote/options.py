"""What a remote engine needs from the settings (the key already read from the variable named)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RemoteOptions:
    """Everything a remote engine needs from the settings (the key already read from its variable)."""

    url: str
    model: str | None = None
    api_key: str | None = None
    connect_timeout_s: float = 2.0
    retries: int = 2
    probe_max_s: float = 30.0
    n_ctx: int = 4096
    local_model_path: str | None = None  # a GGUF of the same model, for its vocabulary
    tokenizer: str = "auto"  # "auto", "server" or "local"
    endpoint: str = "completion"  # llama-server: "completion" or "infill"
