#!/bin/bash
# Session 16, call 3: CUDA test_solvers from the working tree of session 16 (Status::stalled,
# GiveUp, RoundingFloorIsReportedAsStalled) on Serial + Cuda, float and double.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s16/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s16
cd $D && tar xJf bin.tar.xz lib && tar xJf bin3.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name --format=csv
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
DEER_TEST_VERBOSE=1 timeout 400 $D/test_solvers > $OUT/m/test_solvers.txt 2>&1; echo "test_solvers rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_solvers.txt | tr '\n' ' ')"
grep -E "^\[  FAILED  \]" $OUT/m/test_solvers.txt | head -8
grep -E "RoundingFloor|-> (stalled|converged)" $OUT/m/test_solvers.txt | grep -E "Cuda|->" | head -30
