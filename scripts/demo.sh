#!/usr/bin/env bash
# The main job (README): set up, build, then run the demo case end to end:
#   deer run -> HDF5 -> deer validate (sequential + SUNDIALS references) -> PNG plots.
# Results land in $DEER_DEMO_DIR (default build/demo).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${DEER_BUILD_DIR:-$REPO/build}
OUT=${DEER_DEMO_DIR:-$BUILD/demo}
CASE=${DEER_DEMO_CASE:-$REPO/data/cases/demo.toml}
say() { printf '\n[deer-demo] %s\n' "$*"; }

bash "$REPO/scripts/build.sh"
export OMP_PROC_BIND=${OMP_PROC_BIND:-false}
DEER="$BUILD/bin/deer"
mkdir -p "$OUT"
cd "$OUT"

say "what this build has: $DEER info"
"$DEER" info

say "1. run the demo case: $DEER run $CASE"
"$DEER" run "$CASE" -o demo.h5

say "2. validate: the same case with DEER, the sequential reference and SUNDIALS"
"$DEER" validate "$CASE" -o demo-validate.h5

say "3. post-process the HDF5 output with python_post"
export PYTHONPATH="$REPO/python_post${PYTHONPATH:+:$PYTHONPATH}" MPLBACKEND=Agg
/usr/bin/python3 -m deer_post summary demo-validate.h5
/usr/bin/python3 -m deer_post plot demo-validate.h5 -o plots
ls -1 "$OUT"/plots/*.png

say "done: outputs in $OUT (demo.h5, demo-validate.h5, plots/*.png)"
