#!/bin/bash
# Session 8, call 5: s8e = s8d + relayouts through team-scratch tiles (RelayoutTiles); against
# s8d, alternating; then s8e with the reference on every case, quasi_gru64, peers, profile.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD
for v in s8d s8e; do mkdir -p /tmp/$v && (cd /tmp/$v && tar xJf $REPO/.deps/$v-bin.tar.xz); done
mkdir -p $OUT/m
C="--case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2; do
  for v in s8d s8e; do
    timeout 120 /tmp/$v/deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_$v.log | grep -v auto | cut -c1-75
  done
done
timeout 300 /tmp/s8e/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "ref rc=$?"; grep -E "^(copy|gru|mhgru|diag)" $OUT/m/bench.log | cut -c1-130; grep "copy:" $OUT/m/bench.log | cut -c30-
timeout 150 /tmp/s8e/deer-bench --case quasi_gru64 --reps 1 --json $OUT/m/bench_quasi64.json > $OUT/m/quasi64.log 2>&1; echo "quasi64 rc=$?"; grep -E "^quasi_gru64" $OUT/m/quasi64.log | cut -c1-130
timeout 100 /tmp/s8e/deer-bench --case gru1 --case gru8 --case mhgru64 --reps 2 --profile --no-reference > $OUT/m/profile.log 2>&1; echo "profile rc=$?"; grep -E "profile (gru1|gru8|mhgru64) (deer|quasi)" $OUT/m/profile.log | cut -c30-150
timeout 100 /tmp/s8e/deer-bench --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference --fresh-workspace > $OUT/m/bench_fresh.log 2>&1; echo "fresh rc=$?"; grep -E "^(gru|mhgru)" $OUT/m/bench_fresh.log | grep -v auto | cut -c1-75
timeout 150 python3 scripts/peers.py --quick --json $OUT/m/peers.json > $OUT/m/peers.log 2>&1; echo "peers rc=$?"; grep '"peer"' $OUT/m/peers.log
