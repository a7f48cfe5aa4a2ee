#!/usr/bin/env bash
# The README's first command: set everything up, fetch the default model (an explicit, verified
# download), and show a real completion on a sample file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/hushcode models pull
echo >&2
echo "== hushcode completes examples/sample.py at line 6, column 5 (the empty body of fibonacci)." >&2
echo "== The lines marked + are its suggestion, as Tab would accept it:" >&2
.venv/bin/hushcode complete --in-place --again examples/sample.py:6:5
cat >&2 <<'NEXT'
== Next:
   check the setup: .venv/bin/hushcode doctor   (every link of the chain, each with its fix)
   your own code:  .venv/bin/hushcode complete --in-place FILE:LINE:COL
   VS Code:        ./scripts/setup.sh --vscode   (docs/editors/vscode.md)
   Neovim:         docs/editors/neovim.md
   settings:       docs/configuration.md; another model: .venv/bin/hushcode models list
NEXT
