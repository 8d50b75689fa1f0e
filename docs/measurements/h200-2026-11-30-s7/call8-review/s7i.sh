#!/bin/bash
# Session 7, device call 8: CUDA test_scan and test_solvers on 06361b5 (StepLayout::chunk_of).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/g && (cd /tmp/g && tar xJf $REPO/.deps/s7i-bin.tar.xz)
mkdir -p $OUT/m
for t in test_scan test_solvers; do timeout 300 /tmp/g/$t > $OUT/m/$t.txt 2>&1; echo "$t rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/$t.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/$t.txt | head -5; done
