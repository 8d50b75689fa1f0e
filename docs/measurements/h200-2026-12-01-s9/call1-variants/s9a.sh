#!/bin/bash
# Session 9, call 1: base = session 8's committed code; A = + implicit first iterate, constant
# n/k for scalar lanes, the old iterate prefetched before the look-back, one-pass 2x2 blocks;
# B = A without that prefetch; C = A with 2 steps per thread for prefetching generators.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s9/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s9
cd $D && tar xJf bin.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
C="--case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2; do
  for v in base A B C; do
    timeout 120 $D/$v/deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_$v.log | grep -v auto | cut -c1-75
  done
done
timeout 120 $D/A/deer-bench --case mhgru64 --case gru1 --reps 5 --no-reference --scan chunked > $OUT/m/bench_A_chunked.log 2>&1; echo "A chunked rc=$?"; grep -E "^(gru|mhgru)" $OUT/m/bench_A_chunked.log | grep -v auto | cut -c1-75
timeout 300 $D/A/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --case node8 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "ref rc=$?"; grep -E "^(copy|gru|mhgru|diag|node)" $OUT/m/bench.log | cut -c1-130; grep -iE "copy:|error|not conv" $OUT/m/bench.log | cut -c30- | head
timeout 100 $D/A/deer-bench --case gru1 --case mhgru64 --reps 2 --profile --no-reference > $OUT/m/profile.log 2>&1; echo "profile rc=$?"; grep -E "profile (gru1|mhgru64) (deer|quasi)" $OUT/m/profile.log | cut -c30-150
