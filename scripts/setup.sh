#!/usr/bin/env bash
# Create or reuse .venv at the repository root with hushcode installed (editable), llama-cpp-python
# built with CPU flags that run on this machine, and optionally the test tools.
#   scripts/setup.sh            # runtime only
#   scripts/setup.sh --test     # plus pytest, pytest-lsp, ...
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
[[ "${1:-}" == "--test" ]] && extras="[test]"

pick_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [[ -z "$candidate" ]] && continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "setup: hushcode needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

if [[ ! -x .venv/bin/python ]]; then
  py="$(pick_python)"
  echo "setup: creating .venv with $("$py" --version)" >&2
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' >&2 || true
bash scripts/build-llama.sh .venv
echo "setup: installing hushcode$extras into .venv" >&2
.venv/bin/python -m pip install -q -e ".$extras" 2>&1 | grep -v '^WARNING: Location' >&2 || true
.venv/bin/hushcode --version >/dev/null
echo "setup: ready: .venv/bin/hushcode" >&2
