#!/usr/bin/env bash
# Build and install llama-cpp-python into the given virtual environment with CPU flags that
# run here. Why a script of our own:
#  1. A default build compiles with -march=native; on CPUs with Intel AMX llama.cpp then puts the
#     weights in an AMX buffer and segfaults on the first decode (llama.cpp issue 20824).
#     We build with GGML_NATIVE=OFF and switch on each SIMD extension the CPU really has,
#     AVX-512 included, and never AMX.
#  2. pip's wheel cache ignores CMAKE_ARGS, so a wheel built with other flags would be reused
#     silently. We keep wheels in a folder of our own keyed by version + flags.
#  3. A user's own CMAKE_ARGS (CUDA, Metal, ...) wins: we then build exactly what they asked for.
set -euo pipefail
VENV="${1:-.venv}"
VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
PY="$VENV/bin/python"

if "$PY" - "$VERSION" <<'PYEOF' 2>/dev/null; then
import sys, importlib.metadata as md, pathlib, os
want = sys.argv[1]
have = md.version("llama-cpp-python")
stamp = pathlib.Path(sys.prefix, "hushcode-llama-flags")
sys.exit(0 if have == want and stamp.exists() else 1)
PYEOF
  installed_flags="$(cat "$VENV/hushcode-llama-flags")"
else
  installed_flags=""
fi

cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { [[ "$cpu_flags" == *" $1 "* ]]; }

if [[ -n "${CMAKE_ARGS:-}" ]]; then
  args="$CMAKE_ARGS"
  echo "build-llama: using your CMAKE_ARGS: $args" >&2
elif [[ "$(uname -m)" == "x86_64" ]]; then
  args="-DGGML_NATIVE=OFF"
  for pair in AVX:avx AVX2:avx2 FMA:fma F16C:f16c BMI2:bmi2 AVX512:avx512f \
              AVX512_VBMI:avx512vbmi AVX512_VNNI:avx512_vnni AVX512_BF16:avx512_bf16 AVX_VNNI:avx_vnni; do
    if has "${pair#*:}"; then args="$args -DGGML_${pair%%:*}=ON"; fi
  done
  # Never AMX: that is the code path that crashes (it is only compiled with GGML_NATIVE or GGML_AMX_*).
else
  args=""  # other architectures: llama.cpp's defaults are fine (Apple Silicon gets Metal)
fi

if [[ -n "$installed_flags" && "$installed_flags" == "$args" ]]; then
  echo "build-llama: llama-cpp-python $VERSION already installed with: ${args:-defaults}" >&2
  exit 0
fi

key="$(printf '%s|%s' "$VERSION" "$args" | sha256sum | cut -c1-16)"
WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/hushcode/wheels/llama-cpp-python-$VERSION-$key"
mkdir -p "$WHEELS"
if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "build-llama: building llama-cpp-python $VERSION with: ${args:-defaults}" >&2
  echo "build-llama: this compiles llama.cpp once (about 8 minutes on 2 cores); the wheel is kept in $WHEELS" >&2
  tmp="$(mktemp -d "$WHEELS/.build.XXXXXX")"
  CMAKE_ARGS="$args" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
    "$PY" -m pip wheel --no-deps --no-cache-dir -w "$tmp" "llama-cpp-python==$VERSION"
  mv "$tmp"/llama_cpp_python-*.whl "$WHEELS"/
  rm -rf "$tmp"
fi
"$PY" -m pip install --no-deps --force-reinstall -q "$WHEELS"/llama_cpp_python-*.whl
"$PY" -m pip install -q "numpy>=1.20" "typing-extensions>=4.5" "diskcache>=5.6.1" "jinja2>=2.11.3"
printf '%s' "$args" > "$VENV/hushcode-llama-flags"
echo "build-llama: installed llama-cpp-python $VERSION with: ${args:-defaults}" >&2
