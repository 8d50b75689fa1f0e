#!/bin/bash
# Session 5, device call 6: unrolled staging loops + constant GRU loops (f) against call 3's code (c).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/c /tmp/f && (cd /tmp/c && tar xJf $REPO/.deps/s5c-bin.tar.xz) && (cd /tmp/f && tar xJf $REPO/.deps/s5f-bin.tar.xz)
mkdir -p $OUT/m
for v in c f c f; do
timeout 60 /tmp/$v/deer-bench --case diag_scan --case gru1 --case gru8 --reps 5 --json $OUT/m/bench_$v.json > $OUT/m/bench_$v.log 2>&1; echo "bench $v rc=$?"
grep -E "^(diag_scan +one|gru1 +deer|gru1 +quasi|gru8 +quasi|gru8 +deer|copy)" $OUT/m/bench_$v.log | cut -c1-150
done
