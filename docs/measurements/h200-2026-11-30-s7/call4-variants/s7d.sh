#!/bin/bash
# Session 7, device call 4: d = c with the bounds-free copy only where U > 1 (no second copy of
# a prefetching generator's code); e = d without prefetching (U back to 8/2/1 for NewtonPairs);
# against a (committed code) and c (call 3), alternating.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/a /tmp/b && (cd /tmp/a && tar xJf $REPO/.deps/s7a-bin.tar.xz) && (cd /tmp/b && tar xJf $REPO/.deps/s7c-bin.tar.xz && tar xJf $REPO/.deps/s7d-bin.tar.xz)
cp /tmp/a/deer-bench /tmp/b/deer-bench-a
mkdir -p $OUT/m
for v in a c d e a c d e; do
timeout 100 /tmp/b/deer-bench-$v --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference > $OUT/m/bench_$v.log 2>&1; echo "$v rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_$v.log | grep -v auto | grep -v chunked | cut -c1-70
done
