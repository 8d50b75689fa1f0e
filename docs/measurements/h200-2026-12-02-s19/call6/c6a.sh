#!/bin/bash
# Session 19, call 6a (6b: the tests): the final commit (F) against session 18's (base): multi-head GRU DEER, GRU
# n=8 and n=4 DEER, GRU n=4 and n=16 quasi-DEER, alternating; F's profile and tables; F's CUDA
# tests (test_scan, test_solvers: Serial + Cuda, float and double).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s19c/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s19c
cd $D && tar xJf bins6a.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
for r in 1 2 3; do
  for v in base F; do
    timeout 60 $D/$v --case mhgru64 --case gru8 --case gru4 --method deer --no-reference --reps 5 > /tmp/a.log 2>&1
    echo "deer $r $v: $(grep -E '^(mhgru64|gru8|gru4) +deer' /tmp/a.log | awk '{print $1, $5, "ms", $8, "it"}' | tr '\n' ' ')"
  done
done
for r in 1 2; do
  for v in base F; do
    timeout 60 $D/$v --case gru16 --case gru4 --method quasi_deer --no-reference --reps 3 > /tmp/a.log 2>&1
    echo "quasi $r $v: $(grep -E '^gru(16|4) +quasi' /tmp/a.log | awk '{print $1, $5, "ms", $8, "it"}' | tr '\n' ' ')"
  done
done
timeout 60 $D/F --case mhgru64 --case gru8 --method deer --no-reference --reps 3 --profile > $OUT/m/p_F.log 2>&1
grep -E "profile (mhgru64|gru8)" $OUT/m/p_F.log | cut -c30- | head -14
timeout 150 $D/F --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
timeout 200 $D/F --case gru4 --case gru16 --case elman8 --case elman16 --case lstm4 --case lstm8 --reps 3 --json $OUT/m/bench_dense.json > $OUT/m/bench_dense.log 2>&1; echo "dense rc=$?"
grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense.log
timeout 100 $D/F --case quasi_gru64 --no-reference --reps 1 > $OUT/m/quasi_gru64.log 2>&1; echo "quasi_gru64 rc=$?"
grep -E "^quasi_gru64" $OUT/m/quasi_gru64.log
