#!/bin/bash
# Session 14, call 1: 2x2 Newton pairs held in registers (each thread evaluates its own segment;
# no pair tile in scratch): r6 (6 steps, 4 teams/SM), r8 (8 steps, 3 teams/SM), r12 (12 steps,
# 2 teams/SM) against the committed code (c), alternating; multi-head GRU with and without views.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s14/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s14
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf bina.tar.xz && tar xJf ../s13/bine.tar.xz p2-deer-bench && cd - >/dev/null
ls $D
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
for r in 1 2 3; do
  for v in p2 r6 r8 r12; do
    [ -x $D/$v-deer-bench ] || continue
    timeout 100 $D/$v-deer-bench --case mhgru64 --case gru1 --reps 5 --no-reference > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?: $(grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
  done
done
for v in p2 r6 r8 r12; do
  [ -x $D/$v-deer-bench ] || continue
  timeout 100 $D/$v-deer-bench --case mhgru64 --views --reps 5 --no-reference > $OUT/m/bench_${v}_views.log 2>&1; echo "$v --views rc=$?: $(grep -E "^mhgru" $OUT/m/bench_${v}_views.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
  timeout 100 $D/$v-deer-bench --case mhgru64 --reps 3 > $OUT/m/bench_${v}_ref.log 2>&1; echo "$v with reference rc=$?: $(grep -E "^mhgru" $OUT/m/bench_${v}_ref.log | awk '{printf "%s/%s %s(%s) err %s; ", $1, $2, $5, $8, $9}')"
done
