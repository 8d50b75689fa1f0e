#!/bin/bash
# Session 11, call 9: CUDA test_solvers built from f00ee08.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s11/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s11
(cd $D && tar xJf lib.tar.xz && tar xJf tests.tar.xz)
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
timeout 400 $D/test_solvers > $OUT/m/test_solvers.txt 2>&1; echo "test_solvers rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_solvers.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/test_solvers.txt | head -8; tail -3 $OUT/m/test_solvers.txt
