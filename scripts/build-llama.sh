#!/usr/bin/env bash
# Build and install llama-cpp-python into the given virtual environment with CPU flags that run
# here. Why a script of our own (docs/install.md):
#  1. A default build compiles with -march=native; on CPUs with Intel AMX llama.cpp then puts the
#     weights in an AMX buffer and segfaults on the first decode (llama.cpp issue 20824).
#     scripts/llama_flags.py chooses the flags from the CPU's own description (/proc/cpuinfo,
#     or sysctl on an Intel Mac): GGML_NATIVE=OFF, each SIMD extension the CPU has, never AMX.
#  2. pip's wheel cache ignores CMAKE_ARGS, so a wheel built with other flags would be reused
#     silently. We keep wheels in a folder of our own keyed by version + flags.
#  3. A user's own CMAKE_ARGS (CUDA, Metal, ...) come after ours, so what they set wins.
#  4. The build takes minutes: it says what it is doing, every 30 s, and stops early and clearly
#     when no C/C++ compiler is found.
#
#   scripts/build-llama.sh [VENV]        # default .venv
set -euo pipefail
SCRIPT_NAME=build-llama
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/common.sh"

VENV="${1:-.venv}"
VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
PY="$VENV/bin/python"
[[ -x "$PY" ]] || fail "no Python in $VENV (scripts/setup.sh creates it)"

installed=0 installed_flags=""
if "$PY" - "$VERSION" <<'PYEOF' 2>/dev/null; then
import sys, importlib.metadata as md, pathlib
want = sys.argv[1]
have = md.version("llama-cpp-python")
stamp = pathlib.Path(sys.prefix, "hushcode-llama-flags")
sys.exit(0 if have == want and stamp.exists() else 1)
PYEOF
  installed=1  # this version, with the flags recorded (empty: llama.cpp's defaults, as on Apple Silicon)
  installed_flags="$(cat "$VENV/hushcode-llama-flags")"
fi

# A build made with the user's own CMAKE_ARGS (CUDA, say) is kept when a later run (demo.sh,
# test.sh) has none: going back to the CPU build takes an explicit, empty CMAKE_ARGS=.
user_stamp="$VENV/hushcode-llama-cmake-args"
if [[ -z "${CMAKE_ARGS+set}" && $installed == 1 && -s "$user_stamp" ]]; then
  say "keeping llama-cpp-python $VERSION built with your CMAKE_ARGS: $(cat "$user_stamp")"
  say "(CMAKE_ARGS= scripts/setup.sh builds for this CPU again)"
  exit 0
fi

# cmake_args, runs_on, cache_key, cores (the CPU's description is read there, per platform).
cmake_args="" runs_on="" cache_key="" cores=""
assignments="$("$PY" "$here/llama_flags.py" --shell "$VERSION")" || fail "scripts/llama_flags.py failed"
eval "$assignments"
shown_args="${cmake_args:-none (the defaults of llama.cpp)}"
say "the library runs on $runs_on"

if [[ $installed == 1 && "$installed_flags" == "$cmake_args" ]]; then
  say "llama-cpp-python $VERSION already installed with: $shown_args"
  printf '%s' "${CMAKE_ARGS:-}" >"$user_stamp"
  exit 0
fi

# Stop before minutes of downloads when the build cannot work. CMake itself is not required:
# when it is missing or older than 3.21, the build backend (scikit-build-core) fetches it from PyPI.
check_compilers() {
  local cc cxx probe
  if [[ "$(uname -s)" == Darwin ]] && ! xcode-select -p >/dev/null 2>&1; then
    fail "no C/C++ compiler: Apple's command line tools are not installed. Run: $(install_hint compiler)"
  fi
  cc="${CC:-$(command -v cc || command -v gcc || command -v clang || true)}"
  cxx="${CXX:-$(command -v c++ || command -v g++ || command -v clang++ || true)}"
  [[ -n "$cc" && -n "$cxx" ]] || fail "no C/C++ compiler found (cc/gcc/clang and c++/g++/clang++, or \$CC and \$CXX); llama.cpp is compiled from source. Install one: $(install_hint compiler)"
  probe="$(mktemp -d)"
  printf '#include <vector>\nint main() { std::vector<int> v(1); return v[0]; }\n' >"$probe/probe.cpp"
  if ! $cxx "$probe/probe.cpp" -o "$probe/probe" >"$probe/log" 2>&1; then
    cat "$probe/log" >&2
    rm -rf "$probe"
    fail "the C++ compiler ($cxx) cannot build a two-line program (above). Install a complete one: $(install_hint compiler)"
  fi
  rm -rf "$probe"
  if ! command -v cmake >/dev/null 2>&1; then
    cmake_note="CMake not found: the build fetches it from PyPI (to use your own: $(install_hint cmake))"
    say "$cmake_note"
  fi
}

# One line every 30 s while pip builds: what it is doing, and how far the compilation is.
heartbeat() {
  local started=$1 log=$2 sleeper="" step
  trap 'kill $sleeper 2>/dev/null; exit 0' TERM
  while :; do
    sleep 30 &
    sleeper=$!
    wait $sleeper
    step="$(grep -oE '^ *\[[0-9]+/[0-9]+\]' "$log" 2>/dev/null | tail -1 | tr -d ' []' || true)"
    if [[ -n "$step" ]]; then
      step="compiling, $((100 * ${step%/*} / ${step#*/}))% ($step steps)"
    elif grep -q 'Configuring CMake' "$log" 2>/dev/null; then
      step="configuring with CMake"
    else
      step="fetching the source and the build tools"
    fi
    say "  still building, $(duration $((SECONDS - started))): $step"
  done
}

key="$cache_key"
WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/hushcode/wheels/llama-cpp-python-$VERSION-$key"
if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  cmake_note=""
  check_compilers
  mkdir -p "$WHEELS"
  jobs="${CMAKE_BUILD_PARALLEL_LEVEL:-$cores}"
  say "building llama-cpp-python $VERSION with: $shown_args"
  case "$jobs" in
    1) estimate="about 15 minutes with 1 job" ;;
    2) estimate="about 5 minutes with 2 jobs" ;;
    *) estimate="a few minutes with $jobs jobs (about 5 with 2)" ;;
  esac
  say "this compiles llama.cpp once per machine and flag set ($estimate); the wheel is kept in $WHEELS"
  tmp="$(mktemp -d "$WHEELS/.build.XXXXXX")"
  log="$tmp/build.log"
  say "  full log: $log"
  started=$SECONDS
  heartbeat "$started" "$log" &
  beat=$!
  trap 'kill $beat 2>/dev/null || true' EXIT
  status=0
  CMAKE_ARGS="$cmake_args" CMAKE_BUILD_PARALLEL_LEVEL="$jobs" \
    "$PY" -m pip wheel --no-deps --no-cache-dir -v -w "$tmp" "llama-cpp-python==$VERSION" >"$log" 2>&1 || status=$?
  kill $beat 2>/dev/null || true
  wait $beat 2>/dev/null || true
  trap - EXIT
  if ((status != 0)) || ! ls "$tmp"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    failed_log="$WHEELS/build-failed.log"
    mv "$log" "$failed_log"
    rm -rf "$tmp"
    if tail -3 "$failed_log" | grep -q 'Operation cancelled by user'; then
      fail "interrupted after $(duration $((SECONDS - started))); nothing was installed"
    fi
    say "the build failed after $(duration $((SECONDS - started))) (pip exit status $status). The end of its log,"
    say "without the compile steps that succeeded:"
    grep -vE "^ *WARNING: Location '.*' is ignored|^ *\[[0-9]+/[0-9]+\] " "$failed_log" | tail -30 | sed 's/^/    /' >&2
    [[ -z "$cmake_note" ]] || say "$cmake_note"
    fail "the whole log: $failed_log"
  fi
  mv "$tmp"/llama_cpp_python-*.whl "$WHEELS"/
  mv "$log" "$WHEELS/build.log"
  rm -rf "$tmp" "$WHEELS/build-failed.log"
  say "built in $(duration $((SECONDS - started)))"
fi
say "installing llama-cpp-python $VERSION into $VENV"
quiet_pip "$PY" -m pip install --no-deps --force-reinstall -q "$WHEELS"/llama_cpp_python-*.whl ||
  fail "installing the wheel from $WHEELS failed"
quiet_pip "$PY" -m pip install -q "numpy>=1.20" "typing-extensions>=4.5" "diskcache>=5.6.1" "jinja2>=2.11.3" ||
  fail "installing llama-cpp-python's dependencies failed"
printf '%s' "$cmake_args" >"$VENV/hushcode-llama-flags"
printf '%s' "${CMAKE_ARGS:-}" >"$user_stamp"
say "installed llama-cpp-python $VERSION with: $shown_args"
