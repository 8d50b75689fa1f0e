#!/bin/bash
# Session 21, call 3: the first iterate in runs staged in team scratch (S: 309bd00, HEAD plus
# StagedRunsFromY0 for batch_first iterates on GPUs)
# against HEAD (F), DEER with --guess-run C on the one-pass cases; then S with the errors and
# the kernels' times.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s21/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s21
cd $D && tar xJf bins3.tar.xz && cd - >/dev/null
for b in F S F S; do
  for C in 16 64; do
    timeout 100 $D/$b --case mhgru64 --case gru1 --method deer --no-reference --reps 5 --guess-run $C > /tmp/a.log 2>&1
    echo "$b guess-run $C rc=$?"; grep -E "^(mhgru64|gru1) +deer" /tmp/a.log
  done
done
for C in 1 8 16 32 256; do
  timeout 100 $D/S --case mhgru64 --case gru1 --case lstm4 --method deer --reps 3 --guess-run $C > /tmp/a.log 2>&1
  echo "S guess-run $C (errors) rc=$?"; grep -E "^(mhgru64|gru1|lstm4) +deer|updates" /tmp/a.log | cut -c30-
done
for b in F S; do
  timeout 100 $D/$b --case mhgru64 --case gru1 --method deer --no-reference --reps 3 --profile --guess-run 16 > /tmp/a.log 2>&1
  echo "$b profile guess-run 16 rc=$?"; grep -E "guess|one_pass |from_flat" /tmp/a.log | cut -c30-
done
# The CUDA build of test_solvers at 309bd00 (the commit's binaries: S is its deer-bench).
$D/TS 2>&1 | tail -4 > /tmp/t.log; cat /tmp/t.log
$D/TS --gtest_filter='*Cuda*Staged*:*Cuda*GuessRuns*' 2>&1 | grep -E "OK|FAIL" 
