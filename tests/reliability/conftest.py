"""Fixtures of the reliability tests: a tiny real GGUF for volume, the real model for depth."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight GGUF with Qwen's FIM tokens: the real engine path, milliseconds per token."""
    from tests.fixtures.tiny_gguf import write_tiny_gguf

    return write_tiny_gguf(tmp_path_factory.mktemp("tiny") / "tiny.gguf", fim=True)


FIGURES: list[str] = []


def report(line: str) -> None:
    """A figure for the end of the run (how many fuzz cases ran, the storm's figures)."""
    FIGURES.append(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
