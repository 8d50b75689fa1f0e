#!/bin/bash
# Session 6, device call 7: CUDA test_cells and test_jacobian on commit c990b50.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/h && (cd /tmp/h && tar xJf $REPO/.deps/s6h-bin.tar.xz)
mkdir -p $OUT/m
for t in test_cells test_jacobian; do timeout 300 /tmp/h/$t > $OUT/m/$t.txt 2>&1; echo "$t rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/$t.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/$t.txt | head -5; done
