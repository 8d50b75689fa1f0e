#!/bin/bash
# Session 18, call 6: the commit's CUDA tests (test_scan, test_solvers: Serial + Cuda, float and
# double) and the commit's deer-bench (v4): the table and the dense cases, default options.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s18/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s18
cd $D && tar xJf bins6.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
timeout 120 $D/v4-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
timeout 200 $D/v4-bench --case gru4 --case gru16 --case elman8 --case elman16 --case lstm4 --case lstm8 --reps 3 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense.log
timeout 120 $D/test_scan --gtest_brief=1 > $OUT/m/test_scan.log 2>&1; echo "test_scan rc=$?"; tail -n 3 $OUT/m/test_scan.log
timeout 420 $D/test_solvers --gtest_brief=1 > $OUT/m/test_solvers.log 2>&1; echo "test_solvers rc=$?"; grep -E "FAILED|PASSED" $OUT/m/test_solvers.log | tail -n 15
