#!/bin/bash
# Session 8, call 3: s8c = s8b + NewtonUpdate prefetches the old iterate during the look-back
# + the first iterate written 8 steps per thread; against s8b, alternating. Profile of mhgru64.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD
for v in s8b s8c; do mkdir -p /tmp/$v && (cd /tmp/$v && tar xJf $REPO/.deps/$v-bin.tar.xz); done
mkdir -p $OUT/m
C="--case diag_scan --case gru1 --case gru8 --reps 5 --no-reference"
for r in 1 2 3; do
  for v in s8b s8c; do
    timeout 120 /tmp/$v/deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_$v.log | grep -v auto | cut -c1-75
  done
done
timeout 100 /tmp/s8c/deer-bench --case gru1 --case gru8 --reps 2 --profile --no-reference > $OUT/m/profile.log 2>&1; echo "profile rc=$?"; grep -E "profile gru(1|8) (deer|quasi)" $OUT/m/profile.log | cut -c30-150
timeout 100 /tmp/s8c/deer-bench --case mhgru64 --reps 1 --profile --no-reference > $OUT/m/profile_mh.log 2>&1; echo "profile mh rc=$?"; grep -E "profile mhgru64 (deer|quasi)|^mhgru" $OUT/m/profile_mh.log | cut -c1-150
