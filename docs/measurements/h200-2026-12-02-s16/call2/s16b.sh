#!/bin/bash
# Session 16, call 2: deer-bench (CUDA) with Status::stalled (GiveUp::when_stagnant) and --tol:
# the leaky neural ODE at the default float32 tolerance (1e-5, below its rounding floor) and at
# 3e-5 (above it); the table's cases and two dense Auto cases again (GiveUp refactor).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s16/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s16
cd $D && tar xJf bin.tar.xz lib && tar xJf bin2.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
timeout 200 $D/deer-bench --case node8_decay --reps 3 --json $OUT/m/bench_node8_decay.json > $OUT/m/bench_node8_decay.log 2>&1; echo "node8_decay rc=$?"
grep -E "^node8|updates|stopped" $OUT/m/bench_node8_decay.log | head -30
timeout 200 $D/deer-bench --case node8_decay --reps 3 --tol 3e-5 --json $OUT/m/bench_node8_decay_tol3e-5.json > $OUT/m/bench_node8_decay_tol3e-5.log 2>&1; echo "node8_decay tol 3e-5 rc=$?"
grep -E "^node8|updates|stopped" $OUT/m/bench_node8_decay_tol3e-5.log | head -30
timeout 100 $D/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|one_pass|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
timeout 100 $D/deer-bench --case elman16 --case lstm8 --case gru16 --reps 3 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "^(elman|lstm|gru)" $OUT/m/bench_dense.log | head -20
