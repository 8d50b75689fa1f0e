#!/bin/bash
# Session 7, device call 6: g = f (call 5's code) + tiles numbered round the batch's sequences
# (tile_of) + the first iterate written in teams of 128; f and g alternating; g once with the
# reference and once with --profile.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/b && (cd /tmp/b && tar xJf $REPO/.deps/s7f-bin.tar.xz)
mkdir -p $OUT/m
for v in f g f g; do
timeout 100 /tmp/b/deer-bench-$v --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference > $OUT/m/bench_$v.log 2>&1; echo "$v rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_$v.log | grep -v auto | grep -v chunked | cut -c1-70
done
timeout 200 /tmp/b/deer-bench-g --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench_g_ref.json > $OUT/m/bench_g_ref.log 2>&1; echo "g ref rc=$?"; grep -E "copy|^(gru|mhgru|diag)" $OUT/m/bench_g_ref.log | cut -c1-130
timeout 60 /tmp/b/deer-bench-g --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 2 --profile --no-reference > $OUT/m/profile_g.log 2>&1; echo "profile rc=$?"; grep -E "profile (diag|gru1|gru8|mhgru64 quasi)" $OUT/m/profile_g.log | cut -c30-150
