#!/bin/bash
# Session 19, call 6b (the tests of): the final commit (F) against session 18's (base): multi-head GRU DEER, GRU
# n=8 and n=4 DEER, GRU n=4 and n=16 quasi-DEER, alternating; F's profile and tables; F's CUDA
# tests (test_scan, test_solvers: Serial + Cuda, float and double).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s19c/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s19c
cd $D && tar xJf bins6b.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
timeout 120 $D/test_scan --gtest_brief=1 > $OUT/m/test_scan.log 2>&1; echo "test_scan rc=$?"; tail -n 3 $OUT/m/test_scan.log
timeout 420 $D/test_solvers --gtest_brief=1 > $OUT/m/test_solvers.log 2>&1; echo "test_solvers rc=$?"; grep -E "FAILED|PASSED" $OUT/m/test_solvers.log | tail -n 15
