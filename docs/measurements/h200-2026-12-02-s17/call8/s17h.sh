#!/bin/bash
# Session 17, call 8: CUDA test_solvers built from the commit 892fc8e (the three failure-path
# tests pinned to the broadcast y0), Serial + Cuda, float and double.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s17/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s17
cd $D && tar xJf bin6t.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
timeout 400 $D/test_solvers > $OUT/m/test_solvers.log 2>&1; echo "test_solvers rc=$?"; grep -E "FAILED|PASSED|tests ran" $OUT/m/test_solvers.log | head -20
