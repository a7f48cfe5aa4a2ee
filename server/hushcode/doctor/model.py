"""The model: which file the settings resolve to, whether it is there, its sha256 against the
catalog, its FIM tokens and its licence.

The file is found as the server finds it (models/choice.py ``resolve_model``), verified as
``hushcode models verify --quick`` does (models/store.py: a stamp beside a catalog file in the
model cache saves hashing it again), and read without loading it (models/gguf_info.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hushcode.config.settings import Settings
from hushcode.doctor.report import CheckResult
from hushcode.models.catalog import Catalog, ModelEntry
from hushcode.models.choice import Resolved, check_gguf, resolve_model
from hushcode.models.gguf_info import GGUFInfo, safe_read
from hushcode.models.match import Match, match_file
from hushcode.models.store import sha256_file, verify_file

MODEL, SHA256, TEMPLATE, LICENCE = "model", "model sha256", "model template", "model licence"
CHOOSE = "hushcode models list shows the models on this machine; hushcode models pull fetches the default"


@dataclass(frozen=True)
class ModelReport:
    """The model's lines, and whether the engine has a usable file to start with."""

    results: list[CheckResult]
    usable: bool


def check_model(settings: Settings, sources: Mapping[str, str], catalog: Catalog) -> ModelReport:
    resolved = resolve_model(settings, catalog)
    first = check_file(resolved, sources.get("model.path", "default"))
    if first.status == "fail":
        skipped = [CheckResult(name, "skip", "no model file to read") for name in (SHA256, TEMPLATE, LICENCE)]
        return ModelReport([first, *skipped], usable=False)
    info, error = safe_read(resolved.path)
    # a file outside the model cache may still be a catalog model (by name and size, or by shape)
    match = match_file(catalog, info) if resolved.entry is None and info is not None else None
    results = [first, check_sha256(resolved.path, resolved.entry, match),
               check_template(resolved.entry, info, error), check_licence(resolved.entry, info, match)]
    return ModelReport(results, usable=all(r.status != "fail" for r in results))


def _source(label: str) -> str:
    return "the catalog default; model.path is not set" if label == "default" else f"model.path from {label}"


def check_file(resolved: Resolved, source: str) -> CheckResult:
    """Which file, named how, and whether it is there and a GGUF."""
    what = f"{resolved.entry.id}: " if resolved.entry is not None else ""
    error = check_gguf(resolved.path)
    if error is None:
        return CheckResult(MODEL, "ok", f"{what}{resolved.path} ({_source(source)})")
    if resolved.pull is not None and not resolved.path.exists():
        detail = f"{resolved.described} is not installed (expected at {resolved.path}; {_source(source)})"
        return CheckResult(MODEL, "fail", detail, resolved.pull)
    if resolved.entry is not None:
        return CheckResult(MODEL, "fail", f"{error.rstrip('.')} ({_source(source)})",
                           f"hushcode models pull --force {resolved.entry.id}")
    return CheckResult(MODEL, "fail", f"{error.rstrip('.')} ({_source(source)})",
                       f"point model.path (or HUSHCODE_MODEL) at a GGUF file; {CHOOSE}")


def check_sha256(path: Path, entry: ModelEntry | None, match: Match | None = None) -> CheckResult:
    """A catalog file: its size and sha256 against the catalog (the stamp when it still fits). A
    file elsewhere that has a catalog file's name and size (``match``) is hashed each time: no
    stamp is written outside the model cache."""
    if entry is None:
        return _check_match(path, match)
    result = verify_file(path, entry)
    if not result.ok:
        return CheckResult(SHA256, "fail", result.reason, f"hushcode models pull --force {entry.id}")
    how = "a stamp of an earlier check, same size and mtime" if result.from_stamp else "hashed now; stamp written"
    if entry.sha256 is None:
        return CheckResult(SHA256, "warn", f"the catalog records no sha256 for {entry.id}: unverified "
                                           f"(the file hashes to {result.sha256})")
    return CheckResult(SHA256, "ok", f"matches the catalog: {result.sha256} ({how})")


def _check_match(path: Path, match: Match | None) -> CheckResult:
    if match is None or match.entry is None or match.entry.sha256 is None:
        like = f"; it looks like {match.label} ({match.how})" if match is not None else ""
        return CheckResult(SHA256, "info", f"not a catalog file, so there is no published sha256 to check{like}")
    entry = match.entry
    try:
        digest = sha256_file(path)
    except OSError as exc:
        return CheckResult(SHA256, "fail", f"unreadable: {path}: {exc.strerror or exc}", CHOOSE)
    if digest != entry.sha256:
        return CheckResult(SHA256, "warn", f"it looks like {entry.id} ({match.how}) but hashes to {digest}, not the "
                                           f"catalog's {entry.sha256}: another conversion, or damaged",
                           f"hushcode models pull {entry.id} gets the catalog's file")
    return CheckResult(SHA256, "ok", f"matches the catalog's {entry.id}: {digest} (hashed now; outside the model "
                                     "cache, so no stamp is kept)")


def check_template(entry: ModelEntry | None, info: GGUFInfo | None, error: str | None) -> CheckResult:
    """The FIM tokens in the vocabulary, as the engine detects them (prompt/templates.py)."""
    if info is None:
        return CheckResult(TEMPLATE, "fail", f"the GGUF cannot be read: {error}",
                           f"hushcode models pull --force {entry.id}" if entry else CHOOSE)
    fim = info.fim
    if fim is None:
        return CheckResult(TEMPLATE, "fail", f"{info.name or info.path.name} has no fill-in-the-middle tokens: "
                                             "hushcode cannot complete with it",
                           "use a code model with FIM tokens (hushcode models advise)")
    detail = (f"{fim.template} ({fim.order.upper()}): {' '.join(fim.marker_texts)}; "
              f"{info.name or info.path.name}, {info.quant}")
    if entry is not None and entry.fim_template != fim.template:
        return CheckResult(TEMPLATE, "warn", f"{detail}; the catalog says {entry.fim_template}",
                           f"hushcode models pull --force {entry.id}")
    return CheckResult(TEMPLATE, "ok", detail)


def check_licence(entry: ModelEntry | None, info: GGUFInfo | None, match: Match | None = None) -> CheckResult:
    if entry is not None:
        use = "commercial use allowed" if entry.commercial_use else "no commercial use"
        return CheckResult(LICENCE, "ok", f"{entry.license} ({use}; from the catalog)")
    if match is not None:
        use = "commercial use allowed" if match.spec.commercial_use else "no commercial use"
        return CheckResult(LICENCE, "ok" if match.entry is not None else "info",
                           f"{match.spec.license} ({use}; from the catalog, as {match.label}: {match.how})")
    named = info.license if info is not None else None
    if named:
        return CheckResult(LICENCE, "info", f"{named} (the file's general.license; not a catalog file)")
    return CheckResult(LICENCE, "info", "unknown: not a catalog file, and the file names no licence")
