#!/usr/bin/env bash
# Get Neovim 0.12 (native LSP inline completion) without touching the system, and print the path
# of a wrapper that runs it.
#
# Debian 12 ships Neovim 0.7. Debian sid's neovim package runs here when it is unpacked, together
# with sid's own glibc, into a private folder and started through sid's own dynamic loader (see
# shared/environment.md, "Real editors, headless"). Nothing is installed system-wide: apt runs with a
# private configuration, sources list, state and cache, and only downloads.
#
#   scripts/get-neovim.sh            # prints e.g. ~/.cache/hushcode/neovim-0.12/bin/nvim
#   HUSHCODE_NEOVIM_DIR=DIR scripts/get-neovim.sh
#
# Idempotent: a second run finds the finished install (marked by its .complete stamp) and only
# prints the path. The nvim that the wrapper starts runs on sid's glibc; the processes it starts
# (the language server) run on the system's.
set -euo pipefail

root="${HUSHCODE_NEOVIM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hushcode/neovim-0.12}"
wrapper="$root/bin/nvim"
say() { echo "get-neovim: $*" >&2; }

if [[ -f "$root/.complete" && -x "$wrapper" ]]; then
  echo "$wrapper"
  exit 0
fi

# One install at a time (two test runs may start together); the second finds the first's result.
mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock 9
if [[ -f "$root/.complete" && -x "$wrapper" ]]; then
  echo "$wrapper"
  exit 0
fi

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || {
  say "needs apt-get and dpkg-deb (Debian or Ubuntu); install Neovim 0.12 another way"; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -r "$keyring" ]] || { say "needs $keyring (package debian-archive-keyring)"; exit 1; }

# sid from the Debian mirror this machine's apt already uses (or HUSHCODE_DEBIAN_MIRROR).
mirror="${HUSHCODE_DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  mirror="$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{ for (i = 2; i <= NF; i++) print $i }'
               grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
                 sed 's/\[[^]]*\]//' | awk '{ print $2 }'; } | grep -E '/debian/?$' | head -1 || true)"
fi
[[ -n "$mirror" ]] || {
  say "found no Debian mirror in the apt sources; set HUSHCODE_DEBIAN_MIRROR (a URL ending in /debian)"; exit 1; }

work="$root.tmp.$$"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/debs" "$work/tree" "$work/apt/etc/preferences.d"
echo "deb [signed-by=$keyring] $mirror sid main" >"$work/apt/sources.list"
: >"$work/apt/status"
# A private apt: its own sources, lists, cache and (empty) dpkg status, so nothing of the system's
# configuration or state is read or written.
apt=(apt-get -q
  -o Dir::Etc::SourceList="$work/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::Etc::Preferences="$work/apt/etc/preferences" -o Dir::Etc::PreferencesParts="$work/apt/etc/preferences.d"
  -o Dir::State::Lists="$work/apt/lists" -o Dir::State::Status="$work/apt/status"
  -o Dir::Cache="$work/apt/cache" -o APT::Architecture=amd64 -o APT::Architectures::=amd64
  -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
cache=(apt-cache
  -o Dir::Etc::SourceList="$work/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::Etc::Preferences="$work/apt/etc/preferences" -o Dir::Etc::PreferencesParts="$work/apt/etc/preferences.d"
  -o Dir::State::Lists="$work/apt/lists" -o Dir::State::Status="$work/apt/status"
  -o Dir::Cache="$work/apt/cache" -o APT::Architecture=amd64 -o APT::Architectures::=amd64)

say "reading Debian sid's package lists from $mirror (private apt configuration)"
"${apt[@]}" update >&2

# neovim's direct Depends (the first of each alternative), plus the C runtime and luajit's data.
mapfile -t deps < <("${cache[@]}" depends --no-recommends --no-suggests --no-enhances \
    --no-breaks --no-replaces --no-conflicts neovim |
  awk '/^ *\|?Depends:/ { if (!skip) print $2; skip = ($1 ~ /^\|/) }' | sed 's/:any$//' | grep -v '^<' | sort -u)
mapfile -t packages < <(printf '%s\n' neovim neovim-runtime "${deps[@]}" libluajit-5.1-common libc6 libgcc-s1 | sort -u)
say "downloading: ${packages[*]}"
(cd "$work/debs" && "${apt[@]}" download "${packages[@]}" >&2)
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/tree"; done

lib="$root/tree/usr/lib/x86_64-linux-gnu"
[[ -x "$work/tree/usr/bin/nvim" && -e "$work/tree/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ]] || {
  say "the unpacked packages lack usr/bin/nvim or sid's loader"; exit 1; }
mkdir -p "$work/bin"
cat >"$work/bin/nvim" <<WRAP
#!/bin/sh
# Neovim from Debian sid, run through sid's own loader and libraries (made by scripts/get-neovim.sh).
VIMRUNTIME="$root/tree/usr/share/nvim/runtime"
export VIMRUNTIME
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$root/tree/usr/bin/nvim" "\$@"
WRAP
chmod +x "$work/bin/nvim"
rm -rf "$work/apt" "$work/debs"
rm -rf "$root"
mv "$work" "$root"
trap - EXIT
version="$("$wrapper" --version | head -1)" || { say "the unpacked nvim does not start"; exit 1; }
case "$version" in
  "NVIM v0.1"[2-9]*) ;;
  *) say "expected Neovim 0.12 or newer, got: $version"; exit 1 ;;
esac
touch "$root/.complete"
say "ready: $version"
echo "$wrapper"
