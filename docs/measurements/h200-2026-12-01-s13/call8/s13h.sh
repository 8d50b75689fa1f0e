#!/bin/bash
# Session 13, call 8: 2x2 tiles of 24 KiB with half (z3: 12 steps per segment) or a quarter (z4: 24 steps)
# of the team composing segments, against z1 (24 KiB, 6 steps per thread, as committed) and session 12's c.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s13/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s13
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf ../s12/bin.tar.xz && tar xJf binh.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
for r in 1 2 3; do
  for v in c z1 z3 z4; do
    timeout 100 $D/$v-deer-bench --case mhgru64 --reps 5 --no-reference > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?: $(grep -E "^(mhgru)" $OUT/m/bench_$v.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
  done
done
for v in z3 z4; do
  timeout 100 $D/$v-deer-bench --case mhgru64 --reps 5 > $OUT/m/bench_${v}_ref.log 2>&1; echo "$v with reference rc=$?: $(grep -E "^(mhgru)" $OUT/m/bench_${v}_ref.log | awk '{printf "%s/%s %s(%s) err %s; ", $1, $2, $5, $8, $9}')"
done
