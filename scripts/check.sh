#!/usr/bin/env bash
# The static checks, fast, before the slow tests (scripts/test.sh runs this first; so does CI):
#   ruff        the lint rules in pyproject.toml, on the code, the tests, the benchmarks and scripts;
#   mypy        --strict on server/ (hushcode and hushcode_bench; settings in pyproject.toml);
#   lint-imports the import contracts in pyproject.toml: the product never imports the benchmarks,
#               the engine process imports only itself, the wire, the templates and the network
#               guard, the pure core uses no I/O library, and the server never imports the
#               download code (only `hushcode models pull` downloads).
# Needs the test tools in .venv (scripts/setup.sh --test). Exits non-zero at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
echo "check: ruff" >&2
.venv/bin/ruff check server tests benchmarks scripts
echo "check: mypy --strict" >&2
.venv/bin/mypy
echo "check: import contracts" >&2
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
echo "check: all passed in $((SECONDS - started)) s" >&2
