#!/bin/bash
# Session 7, device call 7: the committed code (call 6's g without NewtonPairs::n). As call 5:
# every bench case with the
# reference, quasi-DEER n=64 at T=1e6, a profile of GRU n=8, then CUDA test_scan and
# test_solvers (Serial + Cuda, float and double).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/g && (cd /tmp/g && tar xJf $REPO/.deps/s7h-bin.tar.xz)
mkdir -p $OUT/m
timeout 200 /tmp/g/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "bench rc=$?"; grep -E "copy|one_pass|^(gru|mhgru|diag)" $OUT/m/bench.log | cut -c1-150
timeout 120 /tmp/g/deer-bench --case quasi_gru64 --reps 1 --json $OUT/m/bench_quasi64.json > $OUT/m/quasi64.log 2>&1; echo "quasi64 rc=$?"; grep -E "^quasi_gru64" $OUT/m/quasi64.log | cut -c1-170
timeout 60 /tmp/g/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 2 --profile --no-reference > $OUT/m/profile.log 2>&1; echo "profile rc=$?"; grep -E "profile gru(1|8) (deer|quasi)" $OUT/m/profile.log | cut -c30-150
for t in test_scan test_solvers; do timeout 300 /tmp/g/$t > $OUT/m/$t.txt 2>&1; echo "$t rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/$t.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/$t.txt | head -5; done
