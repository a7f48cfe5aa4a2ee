"""What `hushcode config` prints: every setting, its value and where the value came from."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from hushcode.config.load import Effective
from hushcode.config.settings import SECTIONS
from hushcode.engine.resources import auto_threads
from hushcode.models.hardware import gpu_offload_support


def _automatic(section: str, name: str, value: Any) -> str | None:
    """What an "automatic" value becomes on this machine."""
    if (section, name) == ("model", "threads") and value == 0:
        generation, prompt = auto_threads()
        return f"auto: {generation} (prompt evaluation: {prompt})"
    if (section, name) == ("model", "gpu_layers") and value == -1:
        gpu, problem = gpu_offload_support()
        if problem is not None:  # the report still prints
            return f"auto: unknown (llama.cpp cannot be loaded: {problem})"
        return "auto: all layers (GPU build)" if gpu else "auto: 0 (no GPU in this llama.cpp build)"
    return None


def describe(effective: Effective, folder: Path) -> dict[str, Any]:
    """A JSON-ready description of the effective settings for one folder."""
    settings: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        values = getattr(effective.settings, section)
        for f in dataclasses.fields(values):
            value = getattr(values, f.name)
            entry = {"value": value, "source": effective.sources[f"{section}.{f.name}"]}
            if (auto := _automatic(section, f.name, value)) is not None:
                entry["automatic"] = auto
            settings.setdefault(section, {})[f.name] = entry
    trust = effective.trust[folder]
    return {
        "folder": str(folder),
        "userFile": {"path": str(effective.user_file), "exists": effective.user_file.is_file()},
        "projectFiles": [str(p) for p in effective.project_files.get(folder, [])],
        "trusted": trust.trusted,
        "howToTrust": None if trust.trusted else trust.how,
        "modelDirs": [str(d) for d in effective.model_dirs],
        "settings": settings,
        "warnings": list(effective.warnings),
    }


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, str) else str(value)


def text_report(report: dict[str, Any]) -> str:
    user = report["userFile"]
    lines = [
        f"Settings for {report['folder']}",
        f"  user file:     {user['path']}{'' if user['exists'] else ' (not found)'}",
        f"  project files: {', '.join(report['projectFiles']) or '(none)'}",
        f"  trusted:       {'yes' if report['trusted'] else 'no: ' + report['howToTrust']}",
        f"  model folders: {', '.join(report['modelDirs'])}",
        "",
    ]
    rows = [(f"{section}.{name}", _show(entry["value"]) + (f" = {entry['automatic']}" if "automatic" in entry
                                                           else ""), entry["source"])
            for section, entries in report["settings"].items() for name, entry in entries.items()]
    key_width = max(len(r[0]) for r in rows)
    value_width = min(max(len(r[1]) for r in rows), 48)
    lines += [f"{key.ljust(key_width)}  {value.ljust(value_width)}  {source}" for key, value, source in rows]
    if report["warnings"]:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in report["warnings"]]
    lines += ["", "Editor settings (VS Code, Neovim) are not included: they are applied on top by the server."]
    return "\n".join(lines)
