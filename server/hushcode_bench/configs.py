"""A configuration to measure, and the environment its server gets (quality and context).

Every task is a jump to a new place after a pause, on a machine that may be slow: the server
gets a generous completion deadline and the full prompt even on a cold cache, unless the user's
environment or the configuration's options say otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hushcode_bench.client import AUTOMATIC

DEFAULT_TIMEOUT_MS = 60000


@dataclass(frozen=True)
class Config:
    """One configuration to measure: initializationOptions, and optionally another model, and how
    its requests are triggered (automatic: typing; invoked: the manual trigger)."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    first_line: bool = False  # keep only the first line of each suggestion (a plain baseline)
    trigger: str = AUTOMATIC

    @property
    def label(self) -> str:
        """Its name in results and tables: `NAME` when automatic, `NAME/invoked` for the manual trigger."""
        return self.name if self.trigger == AUTOMATIC else f"{self.name}/{self.trigger}"


def server_env(config: Config, environ: Mapping[str, str]) -> dict[str, str]:
    """The server's environment: ours, the configuration's model, a generous default deadline, and
    the full prompt even on a cold cache (every task is a jump; docs/completion.md).

    Slow machines must not turn quality into timeouts, so the completion deadline is 60 s unless
    the user's environment or the configuration's options set one.
    """
    env = dict(environ)
    if config.model:
        env["HUSHCODE_MODEL"] = config.model
    completion = config.options.get("completion")
    if "HUSHCODE_COMPLETION_TIMEOUT_MS" not in env and not (
        isinstance(completion, dict) and "timeoutMs" in completion
    ):
        env["HUSHCODE_COMPLETION_TIMEOUT_MS"] = str(DEFAULT_TIMEOUT_MS)
    if "HUSHCODE_COMPLETION_COLD_PROMPT_TOKENS" not in env and not (
        isinstance(completion, dict) and ("coldPromptTokens" in completion or "cold_prompt_tokens" in completion)
    ):
        env["HUSHCODE_COMPLETION_COLD_PROMPT_TOKENS"] = "0"  # each task is a jump: measure the full prompt
    return env


def request_timeout(env: Mapping[str, str], options: Mapping[str, Any]) -> float:
    """How long the benchmark waits for one answer: the server's own deadline plus 30 s."""
    deadline = env.get("HUSHCODE_COMPLETION_TIMEOUT_MS") or (options.get("completion") or {}).get("timeoutMs")
    return int(deadline or DEFAULT_TIMEOUT_MS) / 1000 + 30
