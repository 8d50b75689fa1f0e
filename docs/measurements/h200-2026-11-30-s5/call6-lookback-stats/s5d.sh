#!/bin/bash
# Session 5, device call 4: look-back statistics (instrumented binary, not committed).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/b && (cd /tmp/b && tar xJf $REPO/.deps/s5d-bin.tar.xz)
mkdir -p $OUT/m
DEER_SCAN_STATS=1 timeout 60 /tmp/b/deer-bench --case diag_scan --reps 2 > $OUT/m/stats_diag.log 2>&1; grep -E "SCANSTATS|one_pass" $OUT/m/stats_diag.log | head -8
DEER_SCAN_STATS=1 timeout 60 /tmp/b/deer-bench --case gru1 --method deer --reps 1 > $OUT/m/stats_gru1.log 2>&1; grep -E "SCANSTATS" $OUT/m/stats_gru1.log | head -12
DEER_SCAN_STATS=1 timeout 60 /tmp/b/deer-bench --case gru8 --method quasi_deer --reps 1 > $OUT/m/stats_gru8.log 2>&1; grep -E "SCANSTATS" $OUT/m/stats_gru8.log | head -6
