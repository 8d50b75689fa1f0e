#!/bin/bash
# Session 5, device call 11: two steps in flight for states up to 8 (i) against call 9's code (g).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/g /tmp/i && (cd /tmp/g && tar xJf $REPO/.deps/s5g-bin.tar.xz deer-bench) && (cd /tmp/i && tar xJf $REPO/.deps/s5i-bin.tar.xz)
mkdir -p $OUT/m
for v in g i g i; do
timeout 60 /tmp/$v/deer-bench --case gru8 --method deer --method quasi_deer --reps 5 > $OUT/m/bench_gru8_$v.log 2>&1; echo "gru8 $v rc=$?"
grep -E "^gru8" $OUT/m/bench_gru8_$v.log | cut -c1-150
timeout 60 /tmp/$v/deer-bench --quick --case node8 --method deer --method quasi_deer --reps 3 > $OUT/m/bench_node8q_$v.log 2>&1; echo "node8 quick $v rc=$?"
grep -E "^node8" $OUT/m/bench_node8q_$v.log | cut -c1-150
done
