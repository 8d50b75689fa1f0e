#!/usr/bin/env bash
# Turns a fresh Debian bookworm machine (root) into a deer build machine:
#   1. Debian packages (SUNDIALS, HDF5, GoogleTest, CLI11, toml11, spdlog, Python post-processing, ...)
#   2. Kokkos 3.4.01 + Kokkos Kernels built from Debian's trilinos *source* package (Serial + OpenMP),
#      installed into a versioned cache prefix and reused when present.
# The Kokkos sources are also left in <repo>/.deps/src (ignored by git) so they can be carried to
# a machine without network (scripts/build-cuda.sh builds the CUDA flavour from them).
#
# Environment:
#   DEER_DEPS_PREFIX   cache root (default /opt/deer-deps)
#   DEER_SKIP_APT=1    do not touch Debian packages (for machines set up otherwise)
#   Kokkos_ROOT        use this Kokkos instead of building one (the packages are still installed)
set -euo pipefail

say()  { printf '[deer-setup] %s\n' "$*"; }
die()  { printf '[deer-setup] ERROR: %s\n' "$*" >&2; exit 1; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${DEER_DEPS_PREFIX:-/opt/deer-deps}
KOKKOS_TAG=kokkos-3.4.01-serial-openmp
KOKKOS_PREFIX=$PREFIX/$KOKKOS_TAG
SRC_CACHE=$PREFIX/src
JOBS=$(nproc 2>/dev/null || echo 2)

PACKAGES=(
  build-essential cmake ninja-build git pkg-config ca-certificates xz-utils dpkg-dev
  libsundials-dev libhdf5-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libtoml11-dev libspdlog-dev libfmt-dev
  libopenmpi-dev
  python3 python3-h5py python3-numpy python3-matplotlib python3-pytest
)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  [ "${DEER_SKIP_APT:-0}" = 1 ] && { say "DEER_SKIP_APT=1: not installing Debian packages"; return; }
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then say "Debian packages already installed"; return; fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q || die "apt-get update failed (is the Debian archive reachable?)"
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
}

# Adds deb-src entries that reuse the URIs of the machine's own Debian source list.
enable_deb_src() {
  local out=/etc/apt/sources.list.d/deer-deb-src.sources
  if [ -f "$out" ] || grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources \
       || grep -qs '^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
    say "deb-src entries present"; return 0
  fi
  local tmp; tmp=$(mktemp)
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    # deb822: copy each stanza, switching its type to deb-src
    sed -e 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$tmp"
  elif [ -f /etc/apt/sources.list ]; then
    grep -E '^deb ' /etc/apt/sources.list | sed -e 's/^deb /deb-src /' > "$tmp"
    out=/etc/apt/sources.list.d/deer-deb-src.list
  else
    rm -f "$tmp"; die "no Debian source list found (/etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list)"
  fi
  [ -s "$tmp" ] || { rm -f "$tmp"; die "could not derive deb-src entries from the existing Debian source list"; }
  say "adding deb-src entries ($out) copied from the existing Debian source list"
  as_root cp "$tmp" "$out"; rm -f "$tmp"
  as_root apt-get update -q || die "apt-get update failed after adding deb-src entries"
}

# Leaves packages/kokkos and packages/kokkos-kernels of Debian's trilinos source in $SRC_CACHE.
fetch_kokkos_sources() {
  if [ -f "$SRC_CACHE/kokkos/CMakeLists.txt" ] && [ -f "$SRC_CACHE/kokkos-kernels/CMakeLists.txt" ]; then
    say "Kokkos sources cached in $SRC_CACHE"; return
  fi
  enable_deb_src
  local work; work=$(mktemp -d)
  say "downloading Debian's trilinos source package (~166 MB) into $work"
  (cd "$work" && apt-get source --download-only -q trilinos) || die "apt-get source trilinos failed"
  local orig; orig=$(ls "$work"/trilinos_*.orig.tar.* 2>/dev/null | head -1)
  [ -n "$orig" ] || die "trilinos orig tarball not found in $work"
  say "extracting packages/kokkos and packages/kokkos-kernels from $(basename "$orig")"
  tar -xf "$orig" -C "$work" --wildcards '*/packages/kokkos/*' '*/packages/kokkos-kernels/*' \
    || die "extracting Kokkos from $orig failed"
  local top; top=$(cd "$work" && ls -d */packages/kokkos | cut -d/ -f1)
  [ -n "$top" ] || die "packages/kokkos not found in $orig"
  mkdir -p "$SRC_CACHE"
  rm -rf "$SRC_CACHE/kokkos" "$SRC_CACHE/kokkos-kernels"
  mv "$work/$top/packages/kokkos" "$SRC_CACHE/kokkos"
  mv "$work/$top/packages/kokkos-kernels" "$SRC_CACHE/kokkos-kernels"
  rm -rf "$work"
  grep -q 'Kokkos_VERSION_MAJOR 3' "$SRC_CACHE/kokkos/CMakeLists.txt" \
    || say "warning: the Kokkos in the trilinos source is not 3.x"
}

build_kokkos() {
  if [ -f "$KOKKOS_PREFIX/.complete" ]; then say "Kokkos cached in $KOKKOS_PREFIX"; return; fi
  local b; b=$(mktemp -d)
  say "building Kokkos (Serial + OpenMP) into $KOKKOS_PREFIX"
  cmake -S "$SRC_CACHE/kokkos" -B "$b/kokkos" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$KOKKOS_PREFIX" -DCMAKE_CXX_STANDARD=17 \
    -DKokkos_ENABLE_SERIAL=ON -DKokkos_ENABLE_OPENMP=ON -DBUILD_SHARED_LIBS=OFF \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON > "$b/kokkos.log" 2>&1 \
    || { tail -30 "$b/kokkos.log"; die "Kokkos configure failed (log above)"; }
  cmake --build "$b/kokkos" -j "$JOBS" > "$b/kokkos-build.log" 2>&1 \
    || { tail -30 "$b/kokkos-build.log"; die "Kokkos build failed (log above)"; }
  cmake --install "$b/kokkos" > /dev/null || die "Kokkos install failed"
  say "building Kokkos Kernels (no instantiations)"
  cmake -S "$SRC_CACHE/kokkos-kernels" -B "$b/kk" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$KOKKOS_PREFIX" -DKokkos_ROOT="$KOKKOS_PREFIX" -DCMAKE_CXX_STANDARD=17 \
    -DKokkosKernels_INST_DOUBLE=OFF -DKokkosKernels_INST_FLOAT=OFF \
    -DKokkosKernels_INST_COMPLEX_DOUBLE=OFF -DKokkosKernels_INST_COMPLEX_FLOAT=OFF \
    -DKokkosKernels_INST_ORDINAL_INT=OFF -DKokkosKernels_INST_ORDINAL_INT64_T=OFF \
    -DKokkosKernels_INST_OFFSET_INT=OFF -DKokkosKernels_INST_OFFSET_SIZE_T=OFF \
    -DKokkosKernels_INST_LAYOUTLEFT=OFF -DKokkosKernels_INST_LAYOUTRIGHT=OFF \
    -DKokkosKernels_ENABLE_TPL_BLAS=OFF -DKokkosKernels_ENABLE_TPL_LAPACK=OFF \
    -DKokkosKernels_ENABLE_TESTS=OFF > "$b/kk.log" 2>&1 \
    || { tail -30 "$b/kk.log"; die "Kokkos Kernels configure failed (log above)"; }
  cmake --build "$b/kk" -j "$JOBS" > "$b/kk-build.log" 2>&1 \
    || { tail -30 "$b/kk-build.log"; die "Kokkos Kernels build failed (log above)"; }
  cmake --install "$b/kk" > /dev/null || die "Kokkos Kernels install failed"
  touch "$KOKKOS_PREFIX/.complete"
  rm -rf "$b"
}

# Copies of the sources inside the checkout, so a GPU machine without network can build from
# them (the device tool carries `.deps/src`): Kokkos, GoogleTest's sources, and the header-only
# forms of CLI11, toml11, spdlog and fmt.
stage_sources_in_repo() {
  local dst=$REPO/.deps/src
  mkdir -p "$dst"
  [ -f "$dst/kokkos/CMakeLists.txt" ] || cp -r "$SRC_CACHE/kokkos" "$SRC_CACHE/kokkos-kernels" "$dst/"
  if [ ! -d "$dst/googletest" ] && [ -d /usr/src/googletest ]; then cp -r /usr/src/googletest "$dst/googletest"; fi
  if [ ! -d "$dst/headers" ]; then
    mkdir -p "$dst/headers"
    for h in CLI toml toml.hpp spdlog fmt; do
      [ -e "/usr/include/$h" ] && cp -r "/usr/include/$h" "$dst/headers/"
    done
  fi
}

install_packages
if [ -n "${Kokkos_ROOT:-}" ]; then
  say "Kokkos_ROOT=$Kokkos_ROOT given: using that Kokkos"
  echo "$Kokkos_ROOT" > "$REPO/.deps-kokkos-root" 2>/dev/null || true
else
  fetch_kokkos_sources
  build_kokkos
  stage_sources_in_repo
  mkdir -p "$REPO/.deps"; echo "$KOKKOS_PREFIX" > "$REPO/.deps/kokkos-root"
fi
say "done"
