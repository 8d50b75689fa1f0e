#!/bin/bash
# Session 17, call 7b: the commit's CUDA tests (v5: the compile-time 2x2 tile of call 1 and
# InitialGuess::automatic, one_step for DEER and damped DEER). CUDA test_scan and test_solvers
# (Serial + Cuda, float and double).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s17/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s17
cd $D && tar xJf bin5t.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
timeout 150 $D/test_scan > $OUT/m/test_scan.log 2>&1; echo "test_scan rc=$?"; tail -3 $OUT/m/test_scan.log
timeout 400 $D/test_solvers > $OUT/m/test_solvers.log 2>&1; echo "test_solvers rc=$?"; grep -E "FAILED|PASSED|tests ran" $OUT/m/test_solvers.log | head -20
