#!/bin/bash
# Session 21, call 4: staged runs with G runs per thread side by side (variant G4: G = 4 for
# lanes of up to 2 states, 2 up to 4; teams of 32 threads then, 16 KiB of scratch) against
# 309bd00 (S: one run per thread, teams of 64). DEER with --guess-run C, alternating; then G4
# with the errors and the kernels' times.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s21/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s21
cd $D && tar xJf bins4.tar.xz && cd - >/dev/null
for b in S G4 S G4; do
  for C in 8 16 32; do
    timeout 100 $D/$b --case mhgru64 --case gru1 --method deer --no-reference --reps 5 --guess-run $C > /tmp/a.log 2>&1
    echo "$b guess-run $C rc=$?"; grep -E "^(mhgru64|gru1) +deer" /tmp/a.log
  done
done
for C in 1 16 32; do
  timeout 100 $D/G4 --case mhgru64 --case gru1 --case gru4 --method deer --reps 3 --guess-run $C > /tmp/a.log 2>&1
  echo "G4 guess-run $C (errors) rc=$?"; grep -E "^(mhgru64|gru1|gru4) +deer" /tmp/a.log
done
for b in S G4; do
  timeout 100 $D/$b --case mhgru64 --case gru1 --method deer --no-reference --reps 3 --profile --guess-run 16 > /tmp/a.log 2>&1
  echo "$b profile guess-run 16 rc=$?"; grep -E "guess|one_step" /tmp/a.log | cut -c30-
done
