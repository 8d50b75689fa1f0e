#!/bin/bash
# Session 19, call 4: the commit's CUDA tests (test_scan, test_solvers: Serial + Cuda, float and
# double); GRU n=8 DEER (chunked scan) base against E; P (E without the tile's prefetch loop
# for 2x2 lanes) against E; the full per-instruction ncu table of the commit's iteration kernel.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s19/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s19
cd $D && tar xJf bins4.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
for r in 1 2 3; do
  for v in base E; do
    timeout 60 $D/$v --case gru8 --case gru4 --method deer --no-reference --reps 5 > /tmp/a.log 2>&1
    echo "$r $v: $(grep -E '^gru(8|4) +deer' /tmp/a.log | awk '{print $1, $5, "ms", $8, "it"}' | tr '\n' ' ')"
  done
  for v in E P; do
    timeout 60 $D/$v --case mhgru64 --method deer --no-reference --reps 5 > /tmp/alt.log 2>&1
    echo "run $r $v: $(grep -E '^mhgru64 +deer' /tmp/alt.log | awk '{print $5, "ms", $8, "it"}')"
  done
done
for v in base E; do
  timeout 60 $D/$v --case gru8 --method deer --no-reference --reps 3 --profile > $OUT/m/p_gru8_$v.log 2>&1
  echo "== $v"; grep -E "profile gru8" $OUT/m/p_gru8_$v.log | cut -c30- | head -8
done
timeout 120 $D/test_scan --gtest_brief=1 > $OUT/m/test_scan.log 2>&1; echo "test_scan rc=$?"; tail -n 3 $OUT/m/test_scan.log
timeout 420 $D/test_solvers --gtest_brief=1 > $OUT/m/test_solvers.log 2>&1; echo "test_solvers rc=$?"; grep -E "FAILED|PASSED" $OUT/m/test_solvers.log | tail -n 15
