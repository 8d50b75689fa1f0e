#!/bin/bash
# Session 4, device call 4: final figures (all cases, neural ODE with shrinking windows, peers) and CUDA tests.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/b && (cd /tmp/b && tar xJf $REPO/.deps/s4-bin.tar.xz); B=/tmp/b
T0=$(date +%s); el() { echo $(( $(date +%s) - T0 )); }
mkdir -p $OUT/m
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
timeout 150 $B/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "bench rc=$? at $(el)s"
grep -E "^(diag|gru|mhgru|copy)" $OUT/m/bench.log
timeout 100 python3 scripts/peers.py --quick --json $OUT/m/peers.json > $OUT/m/peers.log 2>&1; echo "peers rc=$? at $(el)s"; grep -E '^\{' $OUT/m/peers.log
timeout 200 $B/deer-bench --case node8 --method deer --method quasi_deer --reps 3 --json $OUT/m/bench_node8.json > $OUT/m/bench_node8.log 2>&1; echo "node8 rc=$? at $(el)s"
grep -E "^node8|last updates" $OUT/m/bench_node8.log | cut -c1-300
for w in 1000 100000; do
timeout 80 $B/deer-bench --case node8 --method deer --method quasi_deer --no-reference --window $w --reps 3 --json $OUT/m/bench_node8_w$w.json > $OUT/m/bench_node8_w$w.log 2>&1; echo "node8 w$w rc=$? at $(el)s"
grep -E "^node8.*/w|last updates" $OUT/m/bench_node8_w$w.log | cut -c1-300
done
timeout 200 $B/test_solvers > $OUT/m/test_solvers.log 2>&1; echo "test_solvers rc=$? at $(el)s: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_solvers.log | tr '\n' ' ')"
grep -B2 -A8 "Failure" $OUT/m/test_solvers.log | head -40
cd $OUT && tar czf m.tgz m && rm -rf m
