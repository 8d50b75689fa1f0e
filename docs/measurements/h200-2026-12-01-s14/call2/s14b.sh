#!/bin/bash
# Session 14, call 2: Auto's quasi-DEER first for dense blocks of 3..16 on GPUs (q2: the working
# tree: also StoredPairs' offsets folded into one helper) against session 13's committed code (p2):
# the stored diagonal scan alternating; the dense systems (gru8, elman8, lstm4, gru16) with every
# method and the reference; the bench table.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s14/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s14
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf binb.tar.xz && tar xJf ../s13/bine.tar.xz p2-deer-bench && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
for r in 1 2 3; do
  for v in p2 q2; do
    timeout 100 $D/$v-deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?: $(grep -oE "one_pass [0-9.]+ ms" $OUT/m/bench_$v.log) $(grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
  done
done
timeout 400 $D/q2-deer-bench --case gru8 --case elman8 --case lstm4 --case gru16 --reps 5 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "updates|^(gru|elman|lstm)" $OUT/m/bench_dense.log | head -40
timeout 200 $D/q2-deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|one_pass|^(gru|mhgru|case|diag)" $OUT/m/bench_table.log | head -30
