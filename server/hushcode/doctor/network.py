"""The network guard (netguard.py): whether the user's environment turns it off for the server,
and what it saw while the doctor ran.

The guard is on unless ``HUSHCODE_AUDIT_NETWORK=0`` (or false/no/off) turns it off. The doctor runs its own checks under it
whatever the setting, in its own process and in the engine it starts: ``guarded`` installs the
hook here, passes the variable to the children, and points the report at a private file, so every
attempt during the check is counted. The attempts are also appended to the report the user named
(``HUSHCODE_AUDIT_NETWORK_REPORT``), if any, so nothing is hidden from whoever watches that file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from hushcode import netguard
from hushcode.doctor.report import CheckResult

CHECK = "network guard"
FIX_OFF = (f"remove {netguard.ENV} (or set it to 1) in the environment your editor starts `hushcode serve` "
           "with (docs/security.md, Offline by construction)")


@dataclass
class GuardWatch:
    """The setting as the user has it, and the attempts the guard refused during the check."""

    requested: bool  # the guard runs in `hushcode serve` (HUSHCODE_AUDIT_NETWORK does not turn it off)
    value: str | None  # HUSHCODE_AUDIT_NETWORK as set (None: not set)
    installed: bool = False  # the hook runs in this process
    attempts: list[str] = field(default_factory=list)


def _read_lines(path: Path) -> list[str]:
    try:
        return [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return []


@contextlib.contextmanager
def guarded(environ: MutableMapping[str, str],
            install: Callable[[str], None] = netguard.install,
            installed: Callable[[], bool] = netguard.installed) -> Iterator[GuardWatch]:
    """Run the block under the guard (here and in the children started meanwhile, which inherit
    ``environ``), and count what it refused; ``environ`` is restored afterwards. The hook cannot
    be removed once installed (audit hooks never are): the tests pass their own ``install``."""
    watch = GuardWatch(netguard.requested(environ), environ.get(netguard.ENV))
    saved = {key: environ.get(key) for key in (netguard.ENV, netguard.REPORT_ENV)}
    handle, name = tempfile.mkstemp(prefix="hushcode-doctor-network-", suffix=".log")
    os.close(handle)
    report = Path(name)
    environ[netguard.ENV] = "1"
    environ[netguard.REPORT_ENV] = str(report)
    install("hushcode doctor")
    watch.installed = installed()
    try:
        yield watch
    finally:
        watch.attempts = _read_lines(report)
        report.unlink(missing_ok=True)
        for key, value in saved.items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
        forward = saved[netguard.REPORT_ENV]
        if watch.attempts and forward:
            with contextlib.suppress(OSError), open(forward, "a", encoding="utf-8") as fh:
                fh.write("".join(line + "\n" for line in watch.attempts))


def check_guard(watch: GuardWatch, engine_audit: bool | None) -> CheckResult:
    """``engine_audit``: whether the engine reported its hook installed (None: no engine loaded)."""
    if watch.attempts:
        count = len(watch.attempts)
        return CheckResult(CHECK, "fail", f"{count} network access attempt{'s' if count != 1 else ''} blocked "
                                           f"during the check; the first: {watch.attempts[0]}",
                           "hushcode must not reach the network: report this line as a bug")
    if not watch.installed or engine_audit is False:
        where = "in this process" if not watch.installed else "in the engine"
        return CheckResult(CHECK, "fail", f"the audit hook did not install {where}",
                           "report this as a bug (with `hushcode doctor --json`)")
    ran = "the doctor and the engine" if engine_audit else "the doctor (no engine loaded)"
    seen = f"during this check it ran in {ran} and saw no network access attempt"
    if not watch.requested:
        return CheckResult(CHECK, "warn", f"off for the server: {netguard.ENV} is {watch.value!r} (`hushcode serve` "
                                           f"and its engine do not refuse network access); {seen}", FIX_OFF)
    setting = "the default" if watch.value is None else f"{netguard.ENV}={watch.value}"
    return CheckResult(CHECK, "ok", f"on ({setting}): {seen}")
