#!/bin/bash
# Session 5, device call 13: the committed code. Bench (all GRU cases, diagonal scan) and CUDA tests.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/k && (cd /tmp/k && tar xJf $REPO/.deps/s5k-bin.tar.xz)
T0=$(date +%s); el() { echo $(( $(date +%s) - T0 )); }
mkdir -p $OUT/m; B=/tmp/k
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
timeout 120 $B/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "bench rc=$? at $(el)s"
grep -E "^(diag|gru|mhgru|copy)" $OUT/m/bench.log | cut -c1-150
for t in test_scan test_solvers test_cells test_jacobian; do
timeout 200 $B/$t > $OUT/m/$t.log 2>&1; echo "$t rc=$? at $(el)s: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/$t.log | tr '\n' ' ')"
grep -B2 -A8 "Failure" $OUT/m/$t.log | head -20
done
