#!/bin/bash
# Session 14, call 4: CUDA test_solvers built from 71367d0 (Auto's quasi-DEER first on GPUs,
# QuasiFirstHandsOverToDeer), Serial + Cuda, float and double.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s14/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s14
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf bind.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
DEER_TEST_VERBOSE=1 timeout 550 $D/test_solvers > $OUT/m/test_solvers.txt 2>&1; echo "test_solvers rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_solvers.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/test_solvers.txt | head -8
grep -E "auto" $OUT/m/test_solvers.txt | grep -i "cuda\|gru\|lstm\|elman" | head -20
