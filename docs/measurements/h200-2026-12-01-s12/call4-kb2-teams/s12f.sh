#!/bin/bash
# Session 12, call 4: d = c with three teams per SM (79 registers, no spills) instead of four
# (64 registers, 56/88 bytes of spill stores/loads) for the one-pass kernel of 2x2 blocks;
# the multi-head GRU, weights by value and in Views (--views), alternating with c.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s12/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s12
cd $D && tar xJf lib.tar.xz && tar xJf bin.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
for r in 1 2 3; do
  for v in c d; do
    for views in "" "--views"; do
      timeout 100 $D/$v-deer-bench --case mhgru64 --reps 5 --no-reference $views > /tmp/b.log 2>&1; echo "$v $views run $r rc=$?: $(grep -E "^mhgru" /tmp/b.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
    done
  done
done
