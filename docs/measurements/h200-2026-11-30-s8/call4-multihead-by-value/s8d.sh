#!/bin/bash
# Session 8, call 4: s8d = s8b + GruEquations shared by Gru and MultiHeadGru, multi-head GRU
# weights by value (bench default), with_lane holds large systems by reference; against s8b
# (multi-head GRU in Views), alternating; s8d --views; s8d with the reference; profile.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD
for v in s8b s8d; do mkdir -p /tmp/$v && (cd /tmp/$v && tar xJf $REPO/.deps/$v-bin.tar.xz); done
mkdir -p $OUT/m
C="--case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2; do
  for v in s8b s8d s8d-views; do
    b=/tmp/${v%-views}/deer-bench; extra=""; [ "$v" = s8d-views ] && extra=--views
    timeout 120 $b $C $extra > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_$v.log | grep -v auto | cut -c1-75
  done
done
timeout 300 /tmp/s8d/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/ref.json > $OUT/m/ref.log 2>&1; echo "ref rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/ref.log | cut -c1-130
timeout 100 /tmp/s8d/deer-bench --case mhgru64 --reps 1 --profile --no-reference > $OUT/m/profile_mh.log 2>&1; echo "profile mh rc=$?"; grep -E "profile mhgru64 (deer|quasi)" $OUT/m/profile_mh.log | cut -c30-150
