#!/bin/bash
# Session 5, device call 10: relative maps computed while the first warp looks back (h) against call 9's code (g).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/g /tmp/h && (cd /tmp/g && tar xJf $REPO/.deps/s5g-bin.tar.xz deer-bench) && (cd /tmp/h && tar xJf $REPO/.deps/s5h-bin.tar.xz)
mkdir -p $OUT/m
for v in g h g h; do
timeout 60 /tmp/$v/deer-bench --case diag_scan --case gru1 --case gru8 --reps 5 --json $OUT/m/bench_$v.json > $OUT/m/bench_$v.log 2>&1; echo "bench $v rc=$?"
grep -E "^(diag_scan +one|gru1 +deer|gru1 +quasi|gru8 +quasi|gru8 +deer|copy)" $OUT/m/bench_$v.log | cut -c1-150
done
timeout 120 /tmp/h/test_scan > $OUT/m/test_scan.log 2>&1; echo "test_scan rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_scan.log | tr '\n' ' ')"
grep -B2 -A8 "Failure" $OUT/m/test_scan.log | head -20
