#!/usr/bin/env bash
# The README's second command: set everything up (with test tools), run the static checks
# (scripts/check.sh: ruff, mypy, the import contracts), fetch the default model,
# check the system tools that some tests need (installing strace where it can), and run the whole
# test suite. Extra arguments go to pytest. pytest's exit status is the command's.
#
# Some tests need what no Python package brings, and fail (never skip, never pass) without it:
#   - strace: tests/reliability/test_nothing_lost.py and test_network_audit.py trace the server;
#   - root (as CI runs): `unshare -n` gives the servers a network namespace with no interfaces
#     (tests/e2e/test_offline.py, tests/models/test_offline_pull.py, tests/remote/, the network
#     audit), `unshare -m` a private tmpfs (tests/reliability/test_faults_process.py), and
#     `setpriv` runs a server as nobody (tests/reliability/test_faults_workspace.py);
#   - ip (iproute2): a loopback inside that namespace (tests/remote/netns.py).
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME="test"
. scripts/common.sh

bash scripts/setup.sh --test
bash scripts/check.sh  # ruff, mypy, the import contracts: seconds, before the slow tests
.venv/bin/hushcode models pull

missing=()
command -v strace >/dev/null 2>&1 || apt_install strace || true
if ! command -v strace >/dev/null 2>&1; then
  missing+=("strace is missing ($(install_hint strace)): tests/reliability/test_nothing_lost.py and test_network_audit.py fail")
fi
command -v ip >/dev/null 2>&1 || apt_install iproute2 || true
if ! command -v ip >/dev/null 2>&1; then
  missing+=("ip is missing (package iproute2): the network-namespace tests in tests/remote fail")
fi
if ! unshare -n true >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    missing+=("not root: \`unshare -n\`, \`unshare -m\` and \`setpriv\` need it; the offline, network-audit, remote, cache-on-tmpfs and unreadable-files tests fail (CI runs as root)")
  else
    missing+=("\`unshare -n\` fails even as root (a container without CAP_SYS_ADMIN?): the offline, network-audit and remote tests fail")
  fi
fi
warn_missing() {
  local line
  ((${#missing[@]})) || return 0
  say "some tests cannot pass on this machine, and will fail (they are never skipped):"
  for line in "${missing[@]}"; do say "  - $line"; done
}
warn_missing

status=0
.venv/bin/python -m pytest "$@" || status=$?
warn_missing  # again, after pytest's long output
exit "$status"
