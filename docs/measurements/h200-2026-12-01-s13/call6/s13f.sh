#!/bin/bash
# Session 13, call 6: CUDA test_solvers (the Newton loops, with the 2x2 tiles of 24 KiB), built from the working tree of 681562b.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s13/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s13
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf ${BIN:-binf.tar.xz} && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
for t in ${TESTS:-test_solvers}; do
  timeout ${TLIM:-500} $D/$t > $OUT/m/$t.txt 2>&1; echo "$t rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/$t.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/$t.txt | head -8
done
