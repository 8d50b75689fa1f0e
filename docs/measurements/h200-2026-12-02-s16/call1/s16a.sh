#!/bin/bash
# Session 16, call 1: deer-bench (CUDA) from the working tree of session 16 (NeuralOde::decay,
# the node8_decay case, GiveUp): the leaky neural ODE at T=1e6, the table's cases, two dense
# Auto cases; then the peers (torchdiffeq rk4 for both networks, cuDNN GRU).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s16/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s16
cd $D && tar xJf bin.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
timeout 280 $D/deer-bench --case node8_decay --reps 3 --profile --json $OUT/m/bench_node8_decay.json > $OUT/m/bench_node8_decay.log 2>&1; echo "node8_decay rc=$?"
grep -E "node8|updates" $OUT/m/bench_node8_decay.log | head -30
timeout 100 $D/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|one_pass|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
timeout 100 $D/deer-bench --case elman16 --case lstm8 --reps 3 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "^(elman|lstm)" $OUT/m/bench_dense.log | head -20
timeout 120 python3 scripts/peers.py --quick --json $OUT/m/peers.json > $OUT/m/peers.log 2>&1; echo "peers rc=$?"
cat $OUT/m/peers.log | tail -8
