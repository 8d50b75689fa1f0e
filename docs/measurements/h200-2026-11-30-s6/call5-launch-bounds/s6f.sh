#!/bin/bash
# Session 6, device call 5: f = call 4's e + launch bounds (128 threads, 8 blocks: at most 64
# registers) on the chunked scan's kernels; alternating with e.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/e /tmp/f && (cd /tmp/e && tar xJf $REPO/.deps/s6e-bin.tar.xz) && (cd /tmp/f && tar xJf $REPO/.deps/s6f-bin.tar.xz)
mkdir -p $OUT/m
for v in e f e f; do
timeout 100 /tmp/$v/deer-bench --case gru1 --case gru8 --case mhgru64 --reps 5 > $OUT/m/bench_$v.log 2>&1; echo "$v rc=$?"; grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | grep -v -E "auto|sequential" | cut -c1-150
done
timeout 60 /tmp/f/deer-bench --case mhgru64 --reps 2 --profile --no-reference > $OUT/m/profile_f.log 2>&1; echo "profile rc=$?"; grep -E "profile mhgru64 deer" $OUT/m/profile_f.log | cut -c1-150
