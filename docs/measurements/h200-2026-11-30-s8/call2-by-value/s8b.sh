#!/bin/bash
# Session 8, call 2: GRU weights by value (s8b) against s8b --views and s8a (call 1's code), alternating.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD
for v in s8a s8b; do mkdir -p /tmp/$v && (cd /tmp/$v && tar xJf $REPO/.deps/$v-bin.tar.xz); done
mkdir -p $OUT/m
C="--case gru1 --case gru8 --reps 5 --no-reference"
for r in 1 2; do
  for v in s8a s8b s8b-views; do
    b=/tmp/${v%-views}/deer-bench; extra=""; [ "$v" = s8b-views ] && extra=--views
    timeout 120 $b $C $extra > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_$v.log | cut -c1-110
  done
done
timeout 200 /tmp/s8b/deer-bench --case gru1 --case gru8 --reps 5 --json $OUT/m/ref.json > $OUT/m/ref.log 2>&1; echo "ref rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/ref.log | cut -c1-130
timeout 60 /tmp/s8b/deer-bench --case gru1 --case gru8 --reps 2 --profile --no-reference > $OUT/m/profile.log 2>&1; echo "profile rc=$?"; grep -E "profile gru(1|8) (deer|quasi)" $OUT/m/profile.log | cut -c30-150
cd /tmp && timeout 120 ncu --set full --import-source no --kernel-name-base demangled --kernel-name regex:OnePassTiles --launch-skip 2 --launch-count 1 -o /tmp/gru1 /tmp/s8b/deer-bench --case gru1 --method deer --reps 1 --no-reference > $OUT/m/ncu.log 2>&1; echo "ncu rc=$?"
ncu -i /tmp/gru1.ncu-rep --page source --csv --print-source sass > $OUT/m/gru1_sass.csv 2>/dev/null; xz $OUT/m/gru1_sass.csv
ncu -i /tmp/gru1.ncu-rep --page details > $OUT/m/gru1_details.txt 2>&1
