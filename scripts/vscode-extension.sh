#!/usr/bin/env bash
# Build the VS Code extension (clients/vscode) into a .vsix and install it into VS Code or
# code-server. `scripts/setup.sh --vscode` runs this, and so do the extension's tests
# (tests/vscode), so what they install is what a user installs.
#
#   scripts/vscode-extension.sh                  # build, then install into `code` or `code-server` on PATH
#   scripts/vscode-extension.sh --build-only [--out FILE]
#   scripts/vscode-extension.sh --vsix FILE      # install FILE (built before), no build
#
# Building needs Node.js 20 or newer with npm, and the npm registry: `npm ci` fetches the packages
# that package-lock.json pins (vscode-languageclient, esbuild, @vscode/vsce, ...). It runs only when
# the lock file changed since the last build. Installing the .vsix needs no network.
#
# Environment:
#   HUSHCODE_VSCODE_BIN             the editor's command line (default: `code`, else `code-server`, on PATH)
#   HUSHCODE_VSCODE_EXTENSIONS_DIR  passed as --extensions-dir (default: the editor's own)
#   HUSHCODE_VSCODE_USER_DATA_DIR   passed as --user-data-dir (default: the editor's own)
set -euo pipefail
SCRIPT_NAME=vscode-extension
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/common.sh"
EXT="$(cd "$here/../clients/vscode" && pwd)"

build=1 install=1 out="" vsix=""
while (($#)); do
  case "$1" in
    --build-only) install=0 ;;
    --out) out="${2:?--out needs a file}"; shift ;;
    --vsix) vsix="${2:?--vsix needs a file}"; build=0; shift ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown option $1 (try --help)" ;;
  esac
  shift
done

build_vsix() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    fail "building the extension needs Node.js 20 or newer with npm: $(install_hint node)"
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  ((major >= 20)) || fail "building the extension needs Node.js 20 or newer; this is $(node --version): $(install_hint node)"
  mkdir -p "$EXT/dist"
  # One build at a time (two test runs may start together); flock is Linux's, elsewhere there is no lock.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$EXT/dist/.build.lock"
    flock 9
  fi
  local lock stamp="$EXT/node_modules/.hushcode-lock-sha256"
  lock="$(node -e 'const c = require("crypto"), f = require("fs");
    console.log(c.createHash("sha256").update(f.readFileSync(process.argv[1])).digest("hex"))' "$EXT/package-lock.json")"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock" ]]; then
    say "npm ci in clients/vscode (the packages package-lock.json pins, from the npm registry)"
    (cd "$EXT" && npm ci --no-audit --no-fund >&2) ||
      fail "npm ci failed in clients/vscode (above); it needs the npm registry (or your npm proxy/mirror)"
    echo "$lock" >"$stamp"
  fi
  say "packaging clients/vscode/dist/hushcode.vsix (esbuild + vsce)"
  (cd "$EXT" && npm run --silent package >&2) || fail "npm run package failed in clients/vscode (above)"
  [[ -f "$EXT/dist/hushcode.vsix" ]] || fail "npm run package made no clients/vscode/dist/hushcode.vsix"
  vsix="$EXT/dist/hushcode.vsix"
  if [[ -n "$out" ]]; then
    mkdir -p "$(dirname "$out")"
    cp "$vsix" "$out"
    vsix="$out"
  fi
  if command -v flock >/dev/null 2>&1; then exec 9>&-; fi
  say "built $vsix"
}

find_editor() {
  if [[ -n "${HUSHCODE_VSCODE_BIN:-}" ]]; then
    command -v "$HUSHCODE_VSCODE_BIN" >/dev/null 2>&1 || fail "HUSHCODE_VSCODE_BIN=$HUSHCODE_VSCODE_BIN is not a command"
    echo "$HUSHCODE_VSCODE_BIN"
  elif command -v code >/dev/null 2>&1; then
    echo code
  elif command -v code-server >/dev/null 2>&1; then
    echo code-server
  else
    say "found neither \`code\` nor \`code-server\` on PATH (set HUSHCODE_VSCODE_BIN to the editor's command line)."
    fail "the extension is built: install it yourself with  code --install-extension $vsix"
  fi
}

install_vsix() {
  [[ -f "$vsix" ]] || fail "no such .vsix: $vsix"
  local editor flags=() output
  editor="$(find_editor)"
  [[ -z "${HUSHCODE_VSCODE_EXTENSIONS_DIR:-}" ]] || flags+=(--extensions-dir "$HUSHCODE_VSCODE_EXTENSIONS_DIR")
  [[ -z "${HUSHCODE_VSCODE_USER_DATA_DIR:-}" ]] || flags+=(--user-data-dir "$HUSHCODE_VSCODE_USER_DATA_DIR")
  say "installing $(basename "$vsix") with $editor --install-extension"
  output="$("$editor" ${flags[@]+"${flags[@]}"} --install-extension "$vsix" --force 2>&1)" || {
    echo "$output" >&2
    fail "$editor --install-extension failed (above)"
  }
  echo "$output" >&2
  [[ "$output" == *"successfully installed"* ]] || fail "$editor did not say the extension was installed (above)"
  say "installed: reload VS Code's window (Developer: Reload Window), or restart code-server"
}

((build)) && build_vsix
((install)) && install_vsix
exit 0
