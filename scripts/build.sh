#!/usr/bin/env bash
# Sets up dependencies (scripts/setup-deps.sh) and builds deer into build/ (or $DEER_BUILD_DIR).
#   DEER_BUILD_TYPE   Release (default), Debug, RelWithDebInfo
#   DEER_CMAKE_ARGS   extra arguments for cmake (e.g. -DDEER_ENABLE_SANITIZERS=ON)
#   Kokkos_ROOT       an existing Kokkos install to use instead of the cached 3.4.01 build
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${DEER_BUILD_DIR:-$REPO/build}
say() { printf '[deer-build] %s\n' "$*"; }

bash "$REPO/scripts/setup-deps.sh"
KROOT=${Kokkos_ROOT:-$(cat "$REPO/.deps/kokkos-root")}
say "configuring $BUILD against Kokkos in $KROOT"
# shellcheck disable=SC2086
cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE="${DEER_BUILD_TYPE:-Release}" \
  -DKokkos_ROOT="$KROOT" ${DEER_CMAKE_ARGS:-} > "$BUILD.configure.log" 2>&1 \
  || { cat "$BUILD.configure.log"; echo "[deer-build] ERROR: cmake configure failed (log above)" >&2; exit 1; }
say "building with $(nproc) jobs"
cmake --build "$BUILD" -j "$(nproc)"
say "built: $BUILD/bin/deer"
