#!/usr/bin/env bash
# The main job (README): set up, build, show the build, run the demo case end to end.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${DEER_BUILD_DIR:-$REPO/build}
bash "$REPO/scripts/build.sh"
export OMP_PROC_BIND=false
"$BUILD/bin/deer" info
