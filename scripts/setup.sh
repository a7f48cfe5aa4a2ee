#!/usr/bin/env bash
# Create or reuse .venv at the repository root with hushcode installed (editable), llama-cpp-python
# built with CPU flags that run on this machine, and optionally the test tools and the VS Code
# extension.
#   scripts/setup.sh            # runtime only
#   scripts/setup.sh --test     # plus pytest, pytest-lsp, ...
#   scripts/setup.sh --vscode   # plus the VS Code extension, built and installed into `code` or
#                               # `code-server` (scripts/vscode-extension.sh; needs Node.js and npm)
# Each stage is announced with the time so far; any failing step fails the command.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=setup
. scripts/common.sh

extras=""
vscode=0
for arg in "$@"; do
  case "$arg" in
    --test) extras="[test]" ;;
    --vscode) vscode=1 ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown option $arg (try --help)" ;;
  esac
done

started=$SECONDS
stages=$((3 + vscode))
stage=0
step() {
  stage=$((stage + 1))
  say "[$stage/$stages] $* ($(duration $((SECONDS - started))) so far)"
}

pick_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [[ -z "$candidate" ]] && continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  fail "hushcode needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)"
}

if [[ ! -x .venv/bin/python ]]; then
  py="$(pick_python)"
  step "creating .venv with $("$py" --version 2>&1)"
  if ! "$py" -m venv .venv; then
    rm -rf .venv  # half made: the next run would take it for a finished one
    fail "could not create .venv with $py (above); Python's venv module may be missing: $(install_hint venv)"
  fi
  quiet_pip .venv/bin/python -m pip install -q --upgrade pip || fail "upgrading pip in .venv failed"
else
  step "reusing .venv ($(.venv/bin/python --version 2>&1))"
  .venv/bin/python -m pip --version >/dev/null 2>&1 ||
    fail ".venv has no pip (an interrupted creation?): remove .venv and run this again"
fi

step "llama-cpp-python (compiled once per machine; scripts/build-llama.sh)"
bash scripts/build-llama.sh .venv

step "installing hushcode$extras into .venv"
quiet_pip .venv/bin/python -m pip install -q -e ".$extras" || fail "pip install -e .$extras failed (above)"
.venv/bin/hushcode --version >/dev/null || fail ".venv/bin/hushcode does not start"

if ((vscode)); then
  step "the VS Code extension (scripts/vscode-extension.sh)"
  bash scripts/vscode-extension.sh
fi
say "ready in $(duration $((SECONDS - started))): .venv/bin/hushcode"
