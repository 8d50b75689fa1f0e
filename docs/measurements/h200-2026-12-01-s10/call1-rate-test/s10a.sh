#!/bin/bash
# Session 10, call 1: the rate test (26c0a4a) against session 9's code (base), alternating; then
# the new code with the reference (the session's table).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s10/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s10
cd $D && tar xJf lib.tar.xz && tar xJf bin.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
C="--case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2; do
  for v in base new; do
    timeout 100 $D/$v-deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?"; grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | grep -v auto | cut -c1-100
  done
done
timeout 200 $D/new-deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "ref rc=$?"; grep -E "^(copy|gru|mhgru|diag)" $OUT/m/bench.log | cut -c1-130
