#!/bin/bash
# Session 11, call 10: CUDA test_ode built from f00ee08.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s11/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s11
(cd $D && tar xJf lib.tar.xz && tar xJf tests.tar.xz)
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
timeout 400 $D/test_ode > $OUT/m/test_ode.txt 2>&1; echo "test_ode rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_ode.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/test_ode.txt | head -8; tail -3 $OUT/m/test_ode.txt
