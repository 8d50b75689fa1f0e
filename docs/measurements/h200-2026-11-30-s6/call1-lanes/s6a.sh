#!/bin/bash
# Session 6, device call 1: multi-head GRU solved as lanes (lanes.hpp). a: lanes with the
# stored-pairs rule unchanged (k <= 2 stores); b: lanes never store; l: session 5's binary.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/s6 /tmp/l && (cd /tmp/s6 && tar xJf $REPO/.deps/s6ab-bin.tar.xz) && (cd /tmp/l && tar xJf $REPO/.deps/s5l-bin.tar.xz deer-bench)
mkdir -p $OUT/m
timeout 120 /tmp/l/deer-bench --case mhgru64 --reps 5 > $OUT/m/bench_l_mh.log 2>&1; echo "l rc=$?"; grep -E "mhgru|sequential|deer|auto" $OUT/m/bench_l_mh.log | cut -c1-170
for v in a b; do
timeout 120 /tmp/s6/$v/deer-bench --case mhgru64 --reps 5 --json $OUT/m/bench_$v.json > $OUT/m/bench_${v}_mh.log 2>&1; echo "$v rc=$?"; grep -E "mhgru|sequential|deer|auto" $OUT/m/bench_${v}_mh.log | cut -c1-170
done
timeout 120 /tmp/s6/b/deer-bench --case mhgru64 --reps 2 --profile --no-reference > $OUT/m/profile_b.log 2>&1; echo "profile rc=$?"; grep -E "profile|deer " $OUT/m/profile_b.log | cut -c1-170
for v in l s6/b; do timeout 120 /tmp/$v/deer-bench --case gru1 --case gru8 --reps 5 > $OUT/m/bench_${v#s6/}_gru.log 2>&1; echo "gru $v rc=$?"; grep -E "case|sequential|deer|auto" $OUT/m/bench_${v#s6/}_gru.log | cut -c1-150; done
