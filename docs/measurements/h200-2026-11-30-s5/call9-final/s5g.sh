#!/bin/bash
# Session 5, device call 9: the final code. Bench (all GRU cases, diagonal scan), call 3's binary
# on GRU n=1 side by side, quasi-DEER GRU n=64 at T=1e6, neural ODE at T=1e4, peers, CUDA tests.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/g /tmp/c && (cd /tmp/g && tar xJf $REPO/.deps/s5g-bin.tar.xz) && (cd /tmp/c && tar xJf $REPO/.deps/s5c-bin.tar.xz)
T0=$(date +%s); el() { echo $(( $(date +%s) - T0 )); }
mkdir -p $OUT/m; B=/tmp/g
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
timeout 120 $B/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "bench rc=$? at $(el)s"
grep -E "^(diag|gru|mhgru|copy)" $OUT/m/bench.log | cut -c1-150
for v in c g; do timeout 60 /tmp/$v/deer-bench --case gru1 --reps 5 > $OUT/m/gru1_$v.log 2>&1; echo "gru1 $v rc=$?"; grep -E "^gru1" $OUT/m/gru1_$v.log | cut -c1-150; done
timeout 90 $B/deer-bench --case quasi_gru64 --no-reference --reps 1 --json $OUT/m/bench_quasi64.json > $OUT/m/bench_quasi64.log 2>&1; echo "quasi64 rc=$? at $(el)s"; grep -E "^quasi" $OUT/m/bench_quasi64.log | cut -c1-150
timeout 90 $B/deer-bench --quick --case node8 --reps 3 --json $OUT/m/bench_node8_quick.json > $OUT/m/bench_node8_quick.log 2>&1; echo "node8 quick rc=$? at $(el)s"; grep -E "^node8" $OUT/m/bench_node8_quick.log | cut -c1-150
timeout 150 python3 scripts/peers.py --quick --json $OUT/m/peers.json > $OUT/m/peers.log 2>&1; echo "peers rc=$? at $(el)s"; tail -8 $OUT/m/peers.log
for t in test_scan test_solvers test_cells test_jacobian; do
timeout 200 $B/$t > $OUT/m/$t.log 2>&1; echo "$t rc=$? at $(el)s: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/$t.log | tr '\n' ' ')"
grep -B2 -A8 "Failure" $OUT/m/$t.log | head -20
done
cd $OUT && tar czf m.tgz m && rm -rf m
