"""Python and hushcode: which ones run, and from where. Pure (the caller passes what it read)."""

from __future__ import annotations

from hushcode.doctor.report import CheckResult

MIN_PYTHON = (3, 11)  # pyproject.toml's requires-python


def check_python(version: tuple[int, int, int], executable: str) -> CheckResult:
    shown = ".".join(str(part) for part in version)
    if version[:2] < MIN_PYTHON:
        wanted = ".".join(str(part) for part in MIN_PYTHON)
        return CheckResult("python", "fail", f"Python {shown} at {executable}; hushcode needs {wanted} or newer",
                           f"install Python {wanted}+ and run ./scripts/setup.sh with it")
    return CheckResult("python", "ok", f"Python {shown} at {executable}")


def check_hushcode(version: str, location: str) -> CheckResult:
    return CheckResult("hushcode", "ok", f"hushcode {version} from {location}")
