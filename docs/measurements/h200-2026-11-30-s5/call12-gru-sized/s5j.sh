#!/bin/bash
# Session 5, device call 12: the GRU cell's loops constant whenever n equals its capacity (j) against call 9's code (g).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/g /tmp/j && (cd /tmp/g && tar xJf $REPO/.deps/s5g-bin.tar.xz deer-bench) && (cd /tmp/j && tar xJf $REPO/.deps/s5j-bin.tar.xz)
mkdir -p $OUT/m
for v in g j g j; do
timeout 100 /tmp/$v/deer-bench --case gru1 --case gru8 --reps 5 --json $OUT/m/bench_$v.json > $OUT/m/bench_$v.log 2>&1; echo "bench $v rc=$?"
grep -E "^gru" $OUT/m/bench_$v.log | cut -c1-150
done
timeout 100 /tmp/j/deer-bench --case quasi_gru64 --reps 1 --json $OUT/m/bench_quasi64_j.json > $OUT/m/bench_quasi64_j.log 2>&1; echo "quasi64 j rc=$?"; grep -E "^quasi" $OUT/m/bench_quasi64_j.log | cut -c1-150
