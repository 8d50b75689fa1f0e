#!/bin/bash
# Session 8, call 1: SolveWorkspace reuse + the max error folded into the one-pass kernel (s8a)
# against session 7's committed code (s7h), alternating; s8a with --fresh-workspace.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD
for v in s7h s8a; do mkdir -p /tmp/$v && (cd /tmp/$v && tar xJf $REPO/.deps/$v-*.tar.xz); done
mkdir -p $OUT/m
C="--case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2; do
  for v in s7h s8a; do
    timeout 120 /tmp/$v/deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_$v.log | cut -c1-110
  done
done
timeout 120 /tmp/s8a/deer-bench $C --fresh-workspace > $OUT/m/bench_s8a_fresh.log 2>&1; echo "s8a fresh rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_s8a_fresh.log | cut -c1-110
timeout 60 /tmp/s8a/deer-bench --case gru1 --case gru8 --reps 2 --profile --no-reference > $OUT/m/profile.log 2>&1; echo "profile rc=$?"; grep -E "profile gru(1|8) (deer|quasi)" $OUT/m/profile.log | cut -c30-150
