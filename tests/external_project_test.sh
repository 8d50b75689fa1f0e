#!/usr/bin/env bash
# Installs the current build into a temporary prefix, builds examples/external_system
# against it with find_package(deer), and runs that project's driver on its own system.
#   external_project_test.sh BUILD_DIR SOURCE_DIR KOKKOS_DIR CXX_COMPILER
set -euo pipefail
BUILD=$1 SRC=$2 KDIR=$3 CXX=$4
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "== install $BUILD -> $WORK/prefix"
cmake --install "$BUILD" --prefix "$WORK/prefix" > "$WORK/install.log"
test -f "$WORK/prefix/lib/cmake/deer/deerConfig.cmake" || { echo "FAIL: no deerConfig.cmake installed"; exit 1; }
echo "== configure + build the example against the installed tree"
cmake -S "$SRC/examples/external_system" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$WORK/prefix" -DKokkos_DIR="$KDIR" -DCMAKE_CXX_COMPILER="$CXX" > "$WORK/configure.log" 2>&1 \
  || { cat "$WORK/configure.log"; echo "FAIL: configure"; exit 1; }
# The example must come from the install, not from the source tree.
grep -q "deer_DIR:PATH=$WORK/prefix" "$WORK/build/CMakeCache.txt" || { echo "FAIL: deer not found in the prefix"; exit 1; }
cmake --build "$WORK/build" -j "${DEER_TEST_BUILD_JOBS:-2}" > "$WORK/build.log" 2>&1 \
  || { tail -50 "$WORK/build.log"; echo "FAIL: build"; exit 1; }
DRV="$WORK/build/my-deer"
export OMP_PROC_BIND=false OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
echo "== info lists the new system next to the built-in ones"
"$DRV" info > "$WORK/info.txt"
grep -q "leaky_tanh (rnn)" "$WORK/info.txt" || { cat "$WORK/info.txt"; echo "FAIL: leaky_tanh not registered"; exit 1; }
grep -q "  gru (rnn)" "$WORK/info.txt" || { echo "FAIL: built-in systems missing"; exit 1; }
echo "== run + validate the example case"
cd "$WORK"
"$DRV" run "$SRC/examples/external_system/leaky.toml" -o "$WORK/leaky.h5" | tee "$WORK/run.txt"
grep -q "status      converged" "$WORK/run.txt" || { echo "FAIL: run did not converge"; exit 1; }
test -s "$WORK/leaky.h5" || { echo "FAIL: no output file"; exit 1; }
"$DRV" validate "$SRC/examples/external_system/leaky.toml" -o "$WORK/leaky-validate.h5" | tee "$WORK/validate.txt"
grep -Eq "^deer .* pass$" "$WORK/validate.txt" || { echo "FAIL: validate did not pass"; exit 1; }
echo "== unknown system through the external driver is still an error"
if "$DRV" run "$SRC/examples/external_system/leaky.toml" --set system.name=nope -o "$WORK/x.h5" 2> "$WORK/err.txt"; then
  echo "FAIL: an unknown system was accepted"; exit 1
fi
grep -q "known systems: .*leaky_tanh" "$WORK/err.txt" || { cat "$WORK/err.txt"; echo "FAIL: error does not list leaky_tanh"; exit 1; }
echo "PASS"
