#!/bin/bash
# Session 10, call 2: the CUDA tests: test_ode built from 947a3c5 (session 9's code, whose
# state-2 ODEs take the one-pass 2x2 scan on GPUs), test_solvers from 26c0a4a (the rate test).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s10/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s10
cd $D && tar xJf lib.tar.xz && tar xJf tests.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
for t in ${TESTS:-test_ode test_solvers}; do
  timeout ${TLIM:-280} $D/$t > $OUT/m/$t.txt 2>&1; echo "$t rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/$t.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/$t.txt | head -8; tail -3 $OUT/m/$t.txt
done
