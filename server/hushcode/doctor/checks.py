"""The whole chain, in order; each check's logic lives in its own module of this package."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Callable, MutableMapping
from pathlib import Path

import hushcode
from hushcode import isolation
from hushcode.config.load import Effective, load_effective
from hushcode.doctor.editors import check_neovim, check_vscode, run_command
from hushcode.doctor.engine import EngineReport, check_engine
from hushcode.doctor.llama import check_build, check_gpu, probe_build
from hushcode.doctor.model import LICENCE, MODEL, SHA256, TEMPLATE, check_model
from hushcode.doctor.network import check_guard, guarded
from hushcode.doctor.report import CheckResult
from hushcode.doctor.versions import check_hushcode, check_python
from hushcode.engine.factory import REMOTE_KINDS
from hushcode.models.catalog import CatalogError, load_catalog
from hushcode.models.hardware import cpu_features, detect_gpus, detect_memory

Emit = Callable[[CheckResult], None]


def check_settings(effective: Effective, folder: Path) -> CheckResult:
    """Which settings files were read for the folder, and any value that was refused."""
    user = f"user file {effective.user_file}" if effective.user_file.is_file() else "no user file"
    project = ", ".join(str(p) for p in effective.project_files.get(folder, [])) or "no project file"
    detail = f"for {folder}: {user}; {project}"
    if effective.warnings:
        return CheckResult("settings", "warn", f"{detail}; {' | '.join(effective.warnings)}",
                           f"hushcode config {folder} shows each value and where it comes from")
    return CheckResult("settings", "ok", detail)


async def run_checks(folder: Path, environ: MutableMapping[str, str], emit: Emit = lambda result: None,
                     *, editors: bool = True) -> list[CheckResult]:
    """Every check for `folder`'s settings, in order; `emit` gets each result as soon as it is known.
    `environ` is the process's environment (the engine inherits it), restored when done."""
    results: list[CheckResult] = []
    isolation.add_workspace(str(folder))  # the engine and the probe never import from the checked folder

    def add(*found: CheckResult) -> None:
        for result in found:
            results.append(result)
            emit(result)

    add(check_python(sys.version_info[:3], sys.executable),
        check_hushcode(hushcode.__version__, str(Path(hushcode.__file__).parent)))
    engine = EngineReport([], None)
    with guarded(environ) as watch:
        build = await asyncio.to_thread(probe_build)
        add(check_build(build, cpu_features()))
        notes: list[str] = []
        add(check_gpu(build, detect_gpus(*detect_memory(notes), notes)))
        effective = load_effective([folder], None, environ)
        settings = effective.settings
        add(check_settings(effective, folder))
        if settings.engine.kind in REMOTE_KINDS:
            reason = f"engine.kind is {settings.engine.kind}: the model runs on {settings.engine.url}"
            add(*(CheckResult(name, "skip", reason) for name in (MODEL, SHA256, TEMPLATE, LICENCE)))
            usable = False
        else:
            try:
                catalog = load_catalog()
            except CatalogError as exc:
                add(CheckResult(MODEL, "fail", f"the model catalog cannot be read: {exc}",
                                "reinstall hushcode (./scripts/setup.sh)"))
                usable = False
            else:
                model = await asyncio.to_thread(check_model, settings, effective.sources, catalog)
                add(*model.results)
                usable = model.usable
        engine = await check_engine(settings, usable)
        add(*engine.results)
    add(check_guard(watch, engine.network_audit))
    if editors:
        add(*await asyncio.to_thread(check_vscode, shutil.which, run_command))
        add(*await asyncio.to_thread(check_neovim, shutil.which, run_command))
    return results

