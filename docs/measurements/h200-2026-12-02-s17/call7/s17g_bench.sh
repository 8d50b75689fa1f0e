#!/bin/bash
# Session 17, call 7a: the commit's deer-bench (v5: the compile-time 2x2 tile of call 1 and
# InitialGuess::automatic, one_step for DEER and damped DEER): the table and the dense cases
# with the default guess, the reference included.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s17/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s17
cd $D && tar xJf bin5b.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
timeout 120 $D/v5-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|one_pass|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
timeout 150 $D/v5-bench --case gru4 --case gru16 --case elman8 --case elman16 --case lstm4 --case lstm8 --reps 3 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense.log
timeout 100 $D/v5-bench --case quasi_gru64 --reps 1 --no-reference > $OUT/m/bench_quasi_gru64.log 2>&1; echo "quasi_gru64 rc=$?"
grep -E "^quasi_gru64|^gru64" $OUT/m/bench_quasi_gru64.log
