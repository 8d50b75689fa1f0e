#!/bin/bash
# Session 11, call 6: the committed code (f00ee08): the table (every case with the reference),
# the speedup-vs-T sweep, quasi-DEER GRU n=64 at T=1e6, the peers; CUDA test_scan and test_solvers.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s11/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s11
(cd $D && tar xJf lib.tar.xz && tar xJf bin.tar.xz && { [ ! -f tests.tar.xz ] || tar xJf tests.tar.xz; })
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
for t in ${TESTS:-test_scan test_solvers}; do
  timeout ${TLIM:-280} $D/$t > $OUT/m/$t.txt 2>&1; echo "$t rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/$t.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/$t.txt | head -8
done
timeout 200 $D/final-deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "bench rc=$?"; grep -E "^(copy|gru|mhgru|diag)" $OUT/m/bench.log | cut -c1-130
timeout 150 $D/final-deer-bench --case none --sweep --reps 3 --json $OUT/m/bench_sweep.json > $OUT/m/bench_sweep.log 2>&1; echo "sweep rc=$?"; grep -E "^gru" $OUT/m/bench_sweep.log | grep -v auto | cut -c1-110
timeout 120 $D/final-deer-bench --case quasi_gru64 --reps 1 --no-reference > $OUT/m/bench_quasi64.log 2>&1; echo "quasi64 rc=$?"; grep -E "^quasi|converged|extra memory" $OUT/m/bench_quasi64.log | cut -c1-150 | tail -4
timeout 200 python3 scripts/peers.py --quick --json $OUT/m/peers.json > $OUT/m/peers.log 2>&1; echo "peers rc=$?"; tail -12 $OUT/m/peers.log
