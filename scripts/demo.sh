#!/usr/bin/env bash
# The README's first command: set everything up, fetch the default model (an explicit, verified
# download), and show a real completion on a sample file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/hushcode models pull
echo >&2
echo "== examples/sample.py, completing at line 6, column 5 (the empty body of fibonacci):" >&2
sed -n '1,6p' examples/sample.py >&2
echo "== hushcode suggests:" >&2
.venv/bin/hushcode complete examples/sample.py:6:5
