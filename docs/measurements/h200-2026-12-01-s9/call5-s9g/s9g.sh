#!/bin/bash
# Session 9, call 6: s9g (the committed code: k read from NewtonPairs' member again) against
# base and s9f, alternating; s9g with the reference.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s9/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s9
cd $D && tar xJf bin.tar.xz && tar xJf final.tar.xz && tar xJf s9g.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
C="--case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2; do
  for v in base final s9g; do
    timeout 120 $D/$v/deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_$v.log | grep -v auto | cut -c1-75
  done
done
timeout 200 $D/s9g/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "ref rc=$?"; grep -E "^(copy|gru|mhgru|diag)" $OUT/m/bench.log | cut -c1-130
