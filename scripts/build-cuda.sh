#!/usr/bin/env bash
# Builds the CUDA flavour on a GPU machine without network, then builds and tests deer on it.
#  1. Kokkos 3.4.01 from .deps/src/kokkos (left there by scripts/setup-deps.sh) with the six
#     changes CUDA 13 needs (docs/cuda.md), installed into $DEER_CUDA_PREFIX (default .deps/kokkos-cuda).
#  2. deer with nvcc_wrapper against it, into build-cuda/ (or $DEER_BUILD_DIR), then ctest.
#  DEER_CUDA_ARCH   Kokkos arch option (default AMPERE80, re-targeted to sm_90 by change 5; HOPPER90 on Kokkos 4)
#  DEER_SKIP_TESTS=1  build only
#  DEER_TARGETS     build only these targets (space-separated)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=${DEER_DEPS_SRC:-$REPO/.deps/src}
PREFIX=${DEER_CUDA_PREFIX:-$REPO/.deps/kokkos-cuda}
BUILD=${DEER_BUILD_DIR:-$REPO/build-cuda}
JOBS=$(nproc 2>/dev/null || echo 4)
say() { printf '[deer-cuda] %s\n' "$*"; }
die() { printf '[deer-cuda] ERROR: %s\n' "$*" >&2; exit 1; }

[ -f "$SRC/kokkos/CMakeLists.txt" ] || die "no Kokkos sources in $SRC/kokkos: run scripts/setup-deps.sh on a machine with network, then carry .deps/src"
command -v nvcc >/dev/null || export PATH=/usr/local/cuda/bin:$PATH
command -v nvcc >/dev/null || die "nvcc not found (PATH or /usr/local/cuda/bin)"
say "nvcc: $(nvcc --version | tail -1)"

if [ ! -f "$PREFIX/.complete" ]; then
  work=$(mktemp -d)
  cp -r "$SRC/kokkos" "$work/kokkos"
  K=$work/kokkos
  say "patching Kokkos for CUDA 13 in $K"
  # (1) the wrapper's default architecture
  sed -i 's/^default_arch=.*/default_arch="sm_90"/' "$K/bin/nvcc_wrapper"
  # (2) CUDA 13's fp16 header breaks Kokkos' CUDA half type: use the float fallback
  sed -i '49s/#ifdef KOKKOS_ENABLE_CUDA/#if 0/' "$K/core/src/Cuda/Kokkos_Cuda_Half.hpp"
  # (3) cudaMemPrefetchAsync changed its signature in CUDA 13 (prefetch is only a hint)
  sed -i '596,597c\    (void)bytes;' "$K/core/src/Cuda/Kokkos_CudaSpace.cpp"
  # (4) do not export the CUDA toolkit include dirs as TPL includes
  sed -i '162s/IF(TPL_INCLUDES)/IF(FALSE)/' "$K/cmake/kokkos_functions.cmake"
  # (5) the AMPERE80 option generates sm_90 code
  sed -i '418s/sm_80/sm_90/' "$K/cmake/kokkos_arch.cmake"
  # (6) consumers of the installed Kokkos find CUDA's targets
  sed -i '145i\  KOKKOS_APPEND_CONFIG_LINE("FIND_PACKAGE(CUDAToolkit QUIET)")' "$K/cmake/kokkos_functions.cmake"
  grep -q 'default_arch="sm_90"' "$K/bin/nvcc_wrapper" || die "patch 1 did not apply"
  grep -q '(void)bytes;' "$K/core/src/Cuda/Kokkos_CudaSpace.cpp" || die "patch 3 did not apply"
  grep -q 'FIND_PACKAGE(CUDAToolkit QUIET)' "$K/cmake/kokkos_functions.cmake" || die "patch 6 did not apply"
  say "building Kokkos (Serial + CUDA) into $PREFIX"
  cmake -S "$K" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" \
    -DCMAKE_CXX_COMPILER="$K/bin/nvcc_wrapper" -DCMAKE_CXX_STANDARD=17 \
    -DKokkos_ENABLE_SERIAL=ON -DKokkos_ENABLE_CUDA=ON -DKokkos_ENABLE_CUDA_LAMBDA=ON \
    -DKokkos_ARCH_${DEER_CUDA_ARCH:-AMPERE80}=ON > "$work/cfg.log" 2>&1 || { tail -40 "$work/cfg.log"; die "Kokkos configure failed"; }
  cmake --build "$work/build" -j "$JOBS" > "$work/build.log" 2>&1 || { tail -40 "$work/build.log"; die "Kokkos build failed"; }
  cmake --install "$work/build" > /dev/null
  touch "$PREFIX/.complete"
fi

say "configuring deer in $BUILD"
extra=()
[ -d "$SRC/googletest" ] && extra+=(-DDEER_GTEST_SOURCE_DIR="$SRC/googletest")
[ -d "$SRC/headers" ] && extra+=(-DDEER_VENDOR_HEADERS="$SRC/headers")
cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKokkos_ROOT="$PREFIX" \
  -DCMAKE_CXX_COMPILER="$PREFIX/bin/nvcc_wrapper" -DDEER_ENABLE_PYTHON_TESTS=OFF "${extra[@]}" ${DEER_CMAKE_ARGS:-} \
  || die "deer configure failed"
# DEER_TARGETS: build only these targets (default: all)
# shellcheck disable=SC2086
cmake --build "$BUILD" -j "$JOBS" ${DEER_TARGETS:+--target $DEER_TARGETS} || die "deer build failed"
if [ "${DEER_SKIP_TESTS:-0}" != 1 ]; then
  cd "$BUILD" && ctest --output-on-failure
fi
