#!/bin/bash
# Session 13, call 4: the working tree's code (p: streaming tiles for stored scalar pairs) against the
# committed code (c), alternating; 2x2 tiles of 6 and 5 steps per thread (z1, z2) for the multi-head
# GRU; CUDA test_scan of p; then the table with the reference.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s13/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s13
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf ../s12/bin.tar.xz && tar xJf bind.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
timeout 300 $D/test_scan > $OUT/m/test_scan.txt 2>&1; echo "test_scan rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_scan.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/test_scan.txt | head -8
C="--case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2 3; do
  for v in c p z1 z2; do
    timeout 100 $D/$v-deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?: $(grep -oE "one_pass [0-9.]+ ms" $OUT/m/bench_$v.log) $(grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
  done
done
timeout 200 $D/p-deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|one_pass|^(gru|mhgru|case)" $OUT/m/bench_table.log | head -30
