"""Project files through the real `hushcode serve`: the trust rule, and a model change in a watched
file reloading the model with $/progress. Tiny random GGUF files (tests/fixtures/tiny_gguf.py)
stand in for models, so loading is quick; completion behaviour is tested with the real model in
test_live_reload_e2e.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e import lsp
from tests.fixtures.tiny_gguf import write_tiny_gguf


class Setup:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.user_model = write_tiny_gguf(_mkdir(tmp / "mine") / "user.gguf", fim=True, name="User FIM")
        self.project_model = write_tiny_gguf(_mkdir(tmp / "elsewhere") / "project.gguf", fim=True,
                                             name="Project FIM")
        self.root = _mkdir(tmp / "ws")
        self.user_file = _mkdir(tmp / "xdg" / "hushcode") / "config.toml"
        self.user_file.write_text(f'[model]\npath = "{self.user_model}"\n')
        self.env = {"XDG_CONFIG_HOME": str(tmp / "xdg"), "HUSHCODE_MODEL": "",
                    "HUSHCODE_MODELS_DIR": str(_mkdir(tmp / "cache"))}

    def project(self, text: str) -> None:
        path = self.root / ".hushcode.toml"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)  # as editors save

    def session(self, options: Any = None) -> lsp.Session:
        session = lsp.Session(self.env, options=options)
        session.root = self.root
        return session


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


async def until(client: LanguageClient, check: Callable[[dict[str, Any]], bool], what: str,
                attempts: int = 600) -> dict[str, Any]:
    """Poll the status until `check` holds (a generous bound: tests judge behaviour, not speed)."""
    for _ in range(attempts):
        status = await lsp.status(client)
        if check(status):
            return status
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: {status}")


def warnings(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type == types.MessageType.Warning]


async def test_untrusted_project_file_cannot_redirect_the_model(tmp_path: Path) -> None:
    setup = Setup(tmp_path)
    setup.project(f'[model]\npath = "{setup.project_model}"\n')
    session = setup.session()
    async with session as client:
        status = await until(client, lambda s: s["state"] == "ready" and s["indexReady"], "no engine")
        assert status["model"] == "User FIM" and status["modelPath"] == str(setup.user_model)
        refusal = [w for w in warnings(client) if "not trusted" in w]
        assert len(refusal) == 1, warnings(client)
        assert str(setup.root / ".hushcode.toml") in refusal[0] and "model.path" in refusal[0]
        assert str(setup.project_model) in refusal[0] and "trusted_folders" in refusal[0]

        # another settings change re-reads every layer, but says the same thing only once
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"hushcode": {"completion": {"maxTokens": 50}}}))
        await until(client, lambda s: s["state"] == "ready", "no engine")
        seen = len(session.statuses)
        setup.user_file.write_text(f'[model]\npath = "{setup.user_model}"\n# touched\n')
        for _ in range(100):  # the reload after the file change ends with a status notification
            if len(session.statuses) > seen:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the user file change was not seen")
        assert len([w for w in warnings(client) if "not trusted" in w]) == 1, warnings(client)
        assert (await lsp.status(client))["enginePid"] == status["enginePid"]

        # VS Code grants trust: the extension sends trustedWorkspace, the project's model loads
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"hushcode": {"trustedWorkspace": True}}))
        status = await until(client, lambda s: s["model"] == "Project FIM" and s["state"] == "ready",
                             "the project's model did not load once trusted")
        assert status["modelPath"] == str(setup.project_model)


async def test_trusted_folders_in_the_user_file(tmp_path: Path) -> None:
    setup = Setup(tmp_path)
    setup.user_file.write_text(f'trusted_folders = ["{setup.root}"]\n[model]\npath = "{setup.user_model}"\n')
    setup.project(f'[model]\npath = "{setup.project_model}"\n')
    async with setup.session() as client:
        status = await until(client, lambda s: s["state"] == "ready", "no engine")
        assert status["model"] == "Project FIM"
        assert not [w for w in warnings(client) if "not trusted" in w]


async def test_vscode_untrusted_beats_trusted_folders(tmp_path: Path) -> None:
    setup = Setup(tmp_path)
    setup.user_file.write_text(f'trusted_folders = ["{setup.root}"]\n[model]\npath = "{setup.user_model}"\n')
    setup.project(f'[model]\npath = "{setup.project_model}"\n')
    async with setup.session(options={"trustedWorkspace": False}) as client:
        status = await until(client, lambda s: s["state"] == "ready", "no engine")
        assert status["model"] == "User FIM"
        assert any("Manage Workspace Trust" in w for w in warnings(client)), warnings(client)


async def test_a_model_change_in_the_project_file_reloads_with_progress(tmp_path: Path) -> None:
    setup = Setup(tmp_path)
    async with setup.session(options={"trustedWorkspace": True}) as client:
        first = await until(client, lambda s: s["state"] == "ready", "no engine")
        assert first["model"] == "User FIM"
        setup.project(f'[model]\npath = "{setup.project_model}"\n')
        status = await until(client, lambda s: s["model"] == "Project FIM" and s["state"] == "ready",
                             "the edited project file was not applied")
        assert status["enginePid"] != first["enginePid"]
        reports = [r for rs in client.progress_reports.values() for r in rs]
        begins = [r for r in reports if isinstance(r, types.WorkDoneProgressBegin)
                  and r.title == "hushcode: loading model"]
        assert begins and begins[-1].message == "project.gguf"
        for _ in range(100):  # the end is sent right after the state changes
            reports = [r for rs in client.progress_reports.values() for r in rs]
            if any(isinstance(r, types.WorkDoneProgressEnd) and r.message == "project.gguf ready" for r in reports):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"no progress end: {reports}")

        # a save with a syntax error: a warning naming the file and line; the last good settings stay
        setup.project(f'[model]\npath = "{setup.project_model}"\nthreads = \n')
        for _ in range(100):
            broken = [w for w in warnings(client) if "TOML syntax error" in w]
            if broken:
                break
            await asyncio.sleep(0.05)
        assert broken and str(setup.root / ".hushcode.toml") in broken[0] and "line 3" in broken[0]
        again = await lsp.status(client)
        assert again["model"] == "Project FIM" and again["enginePid"] == status["enginePid"]

        # the project file goes away: back to the user's model
        (setup.root / ".hushcode.toml").unlink()
        await until(client, lambda s: s["model"] == "User FIM" and s["state"] == "ready",
                    "removing the project file was not applied")


async def test_the_user_file_is_watched_too(tmp_path: Path) -> None:
    setup = Setup(tmp_path)
    async with setup.session() as client:
        await until(client, lambda s: s["model"] == "User FIM" and s["state"] == "ready", "no engine")
        other = write_tiny_gguf(tmp_path / "mine" / "other.gguf", fim=True, name="Other FIM")
        setup.user_file.write_text(f'[model]\npath = "{other}"\n')
        await until(client, lambda s: s["model"] == "Other FIM" and s["state"] == "ready",
                    "the edited user file was not applied")


async def test_engine_threads_and_gpu_layers_automatic_and_overridden(tmp_path: Path) -> None:
    import llama_cpp

    from hushcode.engine.resources import auto_threads

    setup = Setup(tmp_path)
    async with setup.session() as client:
        status = await until(client, lambda s: s["state"] == "ready", "no engine")
        assert status["threads"] == list(auto_threads())  # physical cores (generation capped at 8)
        assert status["gpuLayers"] == (-1 if llama_cpp.llama_supports_gpu_offload() else 0)

        # overridden in the project file (no trust needed): the engine is reloaded with them
        setup.project("[model]\nthreads = 1\ngpu_layers = 0\n")
        status = await until(client, lambda s: s["state"] == "ready" and s["threads"] == [1, 1],
                             "model.threads = 1 was not applied")
        assert status["gpuLayers"] == 0
