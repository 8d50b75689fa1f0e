#!/bin/bash
# Session 5, device call 14: GRU jacobian/jacobian_diagonal folded into each_output (l) against call 13's binary (k).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/k /tmp/l && (cd /tmp/k && tar xJf $REPO/.deps/s5k-bin.tar.xz deer-bench) && (cd /tmp/l && tar xJf $REPO/.deps/s5l-bin.tar.xz)
mkdir -p $OUT/m
for v in k l k l; do
timeout 60 /tmp/$v/deer-bench --case gru1 --case gru8 --reps 5 > $OUT/m/bench_$v.log 2>&1; echo "bench $v rc=$?"
grep -E "^gru" $OUT/m/bench_$v.log | cut -c1-150
done
timeout 100 /tmp/l/test_cells > $OUT/m/test_cells.log 2>&1; echo "test_cells rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_cells.log | tr '\n' ' ')"
