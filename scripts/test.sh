#!/usr/bin/env bash
# The one test command (README, .ci/run): set up everything, build, run every test.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${DEER_BUILD_DIR:-$REPO/build}
bash "$REPO/scripts/build.sh"
export OMP_PROC_BIND=false OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
cd "$BUILD"
ctest --output-on-failure -j "${DEER_TEST_JOBS:-1}"
