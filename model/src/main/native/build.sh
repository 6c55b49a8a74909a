#!/usr/bin/env bash
# Builds libterrain-mkl-dispatch.so (see terrain-mkl-dispatch.c) at the path given, with the system C compiler
# ($CC, else cc). Without a compiler, or if it fails, it says so and exits 0: Terrain runs without the library,
# only its matrix products are slower on AMD CPUs. Run by Maven (model's generate-resources) and by ./terrain.
set -uo pipefail
out="${1:?usage: build.sh OUTPUT.so}"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/terrain-mkl-dispatch.c"
compiler="${CC:-cc}"
amd=false
grep -qm1 AuthenticAMD /proc/cpuinfo 2>/dev/null && amd=true
if ! command -v "$compiler" >/dev/null 2>&1; then
  if $amd; then
    echo "terrain: no C compiler ($compiler), so MKL's matrix products run on their slower non-Intel path on this AMD CPU" \
      "(up to 2x slower steps); apt-get install gcc" >&2
  fi
  exit 0
fi
mkdir -p "$(dirname "$out")" || exit 0
tmp="$out.$$.tmp"
# No C library is needed: one function returning a constant (the gcc package alone suffices, no libc6-dev).
if "$compiler" -shared -fPIC -O2 -nostdlib -o "$tmp" "$src"; then
  mv -f "$tmp" "$out"
else
  rm -f "$tmp"
  echo "terrain: $compiler could not build $out; running without it (MKL's products are slower on AMD CPUs)" >&2
fi
exit 0
