#!/bin/bash
# Session 15, call 1: CUDA test_solvers and deer-bench built from the working tree of session 15
# (Options::progress; solve.hpp's absorb/reporting helpers; bench cases gru4 elman16 lstm8):
# test_solvers on Serial + Cuda, float and double; Auto on seven dense systems; the bench table.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s15/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s15
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf bina.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
timeout 300 $D/test_solvers > $OUT/m/test_solvers.txt 2>&1; echo "test_solvers rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_solvers.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/test_solvers.txt | head -8
timeout 200 $D/deer-bench --case gru8 --case elman8 --case lstm4 --case gru16 --case gru4 --case elman16 --case lstm8 --reps 5 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense.log | head -40
timeout 100 $D/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|one_pass|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
