#!/bin/bash
# Session 20, call 1: variants of the one-pass iteration kernel (README: base, A, B), alternating:
# multi-head GRU DEER (B's own-segment tiles), GRU n=1/n=8/n=4 DEER and GRU n=4/n=16 quasi-DEER
# (A's update max in the real type); B's profile of the multi-head GRU.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s20/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s20
cd $D && tar xJf bins1.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm --format=csv,noheader
for r in 1 2 3; do
  for v in base A B; do
    timeout 60 $D/$v --case mhgru64 --case gru1 --case gru8 --case gru4 --method deer --no-reference --reps 5 > $OUT/m/deer_${r}_$v.log 2>&1
    echo "deer $r $v: $(grep -E '^(mhgru64|gru1|gru8|gru4) +deer' $OUT/m/deer_${r}_$v.log | awk '{print $1, $5, "ms", $8, "it"}' | tr '\n' ' ')"
  done
done
for r in 1 2; do
  for v in base A B; do
    timeout 60 $D/$v --case gru16 --case gru4 --method quasi_deer --no-reference --reps 3 > /tmp/a.log 2>&1
    echo "quasi $r $v: $(grep -E '^gru(16|4) +quasi' /tmp/a.log | awk '{print $1, $5, "ms", $8, "it"}' | tr '\n' ' ')"
  done
done
for v in A B; do
  timeout 60 $D/$v --case mhgru64 --method deer --no-reference --reps 3 --profile > $OUT/m/p_$v.log 2>&1
  echo "profile $v"; grep -E "profile mhgru64" $OUT/m/p_$v.log | cut -c30- | head -8
done
timeout 100 $D/B --case mhgru64 --case gru1 --reps 3 > $OUT/m/B_table.log 2>&1; echo "B table rc=$?"
grep -E "copy|^(gru|mhgru)" $OUT/m/B_table.log | head -20
