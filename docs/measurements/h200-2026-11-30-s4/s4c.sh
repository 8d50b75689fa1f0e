#!/bin/bash
# Session 4, device call 3: why windowed Newton stalls on the neural ODE; CUDA tests.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/b && (cd /tmp/b && tar xJf $REPO/.deps/s4-bin.tar.xz); B=/tmp/b
T0=$(date +%s); el() { echo $(( $(date +%s) - T0 )); }
mkdir -p $OUT/m
for w in 1000 10000; do
timeout 60 $B/deer-bench --case node8 --method deer --method quasi_deer --no-reference --window $w --reps 1 --json $OUT/m/diag_node8_w$w.json > $OUT/m/diag_node8_w$w.log 2>&1; echo "node8 w$w rc=$? at $(el)s"
grep -E "info\]   .*/w|last updates" $OUT/m/diag_node8_w$w.log | cut -c 1-400
done
[ -x $B/test_solvers ] && { timeout 200 $B/test_solvers > $OUT/m/test_solvers.log 2>&1; echo "test_solvers rc=$? at $(el)s: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_solvers.log | tr '\n' ' ')"; grep -B2 -A8 "Failure" $OUT/m/test_solvers.log | head -40; }
cd $OUT && tar czf m.tgz m && rm -rf m
