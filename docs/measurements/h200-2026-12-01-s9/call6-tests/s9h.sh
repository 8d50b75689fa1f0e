#!/bin/bash
# Session 9, call 7: the CUDA tests (built from the committed code).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s9/lib:$PWD/.deps/s9/tests:$LD_LIBRARY_PATH
D=$PWD/.deps/s9
cd $D && tar xJf tests.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
for t in ${TESTS:-test_scan test_cells test_jacobian test_harness test_solvers}; do
  timeout 400 $D/tests/$t > $OUT/m/$t.txt 2>&1; echo "$t rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/$t.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/$t.txt | head -5
done
