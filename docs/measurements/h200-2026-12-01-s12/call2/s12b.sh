#!/bin/bash
# Session 12, call 2: b = a + light launches (compat::light_launch), against a and
# session 11's final code (final), alternating; then the sweep for both.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s12/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s12
cd $D && tar xJf lib.tar.xz && tar xJf bin.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
C="--case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2 3; do
  for v in ${VARIANTS:-final a b}; do
    timeout 100 $D/$v-deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?: $(grep -oE "one_pass [0-9.]+ ms" $OUT/m/bench_$v.log) $(grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
  done
done
for v in ${VARIANTS:-final a b}; do
  timeout 150 $D/$v-deer-bench --case none --sweep --reps 5 --json $OUT/m/sweep_$v.json > $OUT/m/sweep_$v.log 2>&1; echo "sweep $v rc=$?"; grep -E "^gru" $OUT/m/sweep_$v.log | grep -v auto | cut -c1-110
done
