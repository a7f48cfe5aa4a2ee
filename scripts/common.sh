# shellcheck shell=bash
# Helpers shared by setup.sh, build-llama.sh, vscode-extension.sh and test.sh (sourced, not run).
# Bash 3.2 compatible: macOS still ships it as /bin/bash.

# Every message goes to stderr with the script's name in front: stdout stays for what a caller reads.
say() { echo "${SCRIPT_NAME:-hushcode}: $*" >&2; }
fail() { say "$*"; exit 1; }

# 75 -> "1 min 15 s", 42 -> "42 s".
duration() {
  if (($1 >= 60)); then echo "$(($1 / 60)) min $(($1 % 60)) s"; else echo "$1 s"; fi
}

# Run pip (or anything) with its output on stderr, without the "WARNING: Location '...' is ignored"
# lines that some pip configurations print for every package. The filter never hides the status:
# with pipefail the pipeline fails when the command does, and grep finding nothing to print is not
# a failure.
quiet_pip() {
  set -o pipefail
  "$@" 2>&1 | { grep -v "^ *WARNING: Location '.*' is ignored" || true; } >&2
}

# Which system this is, for install hints: debian, fedora, arch, suse, alpine, macos, windows, or
# the os-release ID.
system_kind() {
  case "$(uname -s 2>/dev/null)" in
    Darwin) echo macos; return ;;
    MINGW* | MSYS* | CYGWIN*) echo windows; return ;;
  esac
  local id="" like=""
  if [[ -r /etc/os-release ]]; then
    id="$(. /etc/os-release && echo "${ID:-}")"
    like="$(. /etc/os-release && echo "${ID_LIKE:-}")"
  fi
  case " $id $like " in
    *" debian "* | *" ubuntu "*) echo debian ;;
    *" fedora "* | *" rhel "* | *" centos "*) echo fedora ;;
    *" arch "*) echo arch ;;
    *" suse "* | *" opensuse "*) echo suse ;;
    *" alpine "*) echo alpine ;;
    *) echo "${id:-unknown}" ;;
  esac
}

# Root runs a command itself; anyone else needs password-less sudo.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 1; fi
}

# Install Debian/Ubuntu packages with apt-get (as root, or with sudo -n), updating the package lists
# once when the first try fails. Returns non-zero, after the end of apt-get's output, when it cannot.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || { say "no apt-get here to install $*"; return 1; }
  say "installing $* with apt-get"
  local log
  log="$(mktemp)"
  if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >"$log" 2>&1 ||
     { as_root apt-get update -q >>"$log" 2>&1 &&
       as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1; }; then
    rm -f "$log"
    return 0
  fi
  tail -20 "$log" >&2
  rm -f "$log"
  say "could not install $* with apt-get (root, or password-less sudo, is needed)"
  return 1
}

# The command that installs WHAT (compiler, cmake, venv, strace, node) on this system.
install_hint() {
  local what="$1" kind
  kind="$(system_kind)"
  case "$kind:$what" in
    debian:compiler) echo "sudo apt-get install build-essential" ;;
    debian:cmake) echo "sudo apt-get install cmake" ;;
    debian:venv) echo "sudo apt-get install python3-venv (or python3.X-venv for the Python you use)" ;;
    debian:strace) echo "sudo apt-get install strace" ;;
    debian:node) echo "sudo apt-get install nodejs npm (Node.js 20 or newer; or from nodejs.org)" ;;
    fedora:compiler) echo "sudo dnf install gcc gcc-c++" ;;
    fedora:cmake) echo "sudo dnf install cmake" ;;
    fedora:strace) echo "sudo dnf install strace" ;;
    fedora:node) echo "sudo dnf install nodejs npm" ;;
    arch:compiler) echo "sudo pacman -S base-devel" ;;
    arch:cmake) echo "sudo pacman -S cmake" ;;
    arch:strace) echo "sudo pacman -S strace" ;;
    arch:node) echo "sudo pacman -S nodejs npm" ;;
    suse:compiler) echo "sudo zypper install gcc gcc-c++" ;;
    suse:cmake) echo "sudo zypper install cmake" ;;
    suse:strace) echo "sudo zypper install strace" ;;
    alpine:compiler) echo "apk add build-base" ;;
    alpine:cmake) echo "apk add cmake" ;;
    alpine:strace) echo "apk add strace" ;;
    macos:compiler) echo "xcode-select --install (Apple's command line tools)" ;;
    macos:cmake) echo "brew install cmake" ;;
    macos:node) echo "brew install node" ;;
    windows:compiler | windows:cmake)
      echo "use WSL (Ubuntu: sudo apt-get install build-essential cmake); natively, Visual Studio Build Tools with 'Desktop development with C++' (not tested)" ;;
    *:compiler) echo "install a C and C++ compiler (gcc and g++, or clang) with your package manager" ;;
    *:venv) echo "install Python's venv module with your package manager" ;;
    *) echo "install $what with your package manager" ;;
  esac
}
