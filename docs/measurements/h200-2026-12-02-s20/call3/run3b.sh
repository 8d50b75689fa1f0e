#!/bin/bash
# Session 20, call 3b: the commit (F): its CUDA tests (test_scan, test_solvers: Serial + Cuda,
# float and double).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s20/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s20
cd $D && tar xJf bins3b.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
timeout 200 $D/test_scan --gtest_brief=1 > $OUT/m/test_scan.log 2>&1; echo "test_scan rc=$?"; tail -n 3 $OUT/m/test_scan.log
timeout 400 $D/test_solvers --gtest_brief=1 > $OUT/m/test_solvers.log 2>&1; echo "test_solvers rc=$?"; grep -E "FAILED|PASSED" $OUT/m/test_solvers.log | tail -n 15
