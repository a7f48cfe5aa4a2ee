#!/usr/bin/env bash
# The README's second command: set everything up (with test tools), fetch the default model,
# and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/hushcode models pull
exec .venv/bin/python -m pytest "$@"
