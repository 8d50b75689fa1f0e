#!/bin/bash
# Session 23, call 1 (session 22's call 3, never run there): CUDA test_solvers of the commit (Serial + Cuda, float and double); F (the
# commit's deer-bench) with the errors against the sequential kernel in the same run, for runs
# of at least W steps; the default table.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s22/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s22
cd $D && tar xJf bins3.tar.xz && cd - >/dev/null
timeout 300 $D/test_solvers > /tmp/t.log 2>&1
echo "test_solvers rc=$?"; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|tests ran" /tmp/t.log; grep -E "Walked|GuessRun|StagedGuess" /tmp/t.log | grep -E "OK|FAILED"
pick() { grep -E "^[a-z0-9_]+ +(deer|sequential|quasi_deer|auto) |updates|copy" /tmp/a.log | cut -c1-160; }
for W in 9 17; do
  timeout 150 $D/F --case mhgru64 --case gru1 --method deer --reps 5 --guess-run $W > /tmp/a.log 2>&1
  echo "F W=$W (errors) rc=$?"; pick
done
for W in 16 256; do
  timeout 200 $D/F --case gru4 --case gru8 --case elman8 --case lstm4 --case lstm8 --method deer --reps 3 --guess-run $W > /tmp/a.log 2>&1
  echo "F W=$W dense (errors) rc=$?"; pick
done
timeout 200 $D/F --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 > /tmp/a.log 2>&1
echo "F default table rc=$?"; pick
# A slowly forgetting system (the leaky neural ODE, dt = 1e-3: e-fold per ~1000 steps): what runs cost where they cannot help.
for W in 1 9 33; do
  timeout 120 $D/F --case node8_decay --method deer --no-reference --reps 3 --guess-run $W > /tmp/a.log 2>&1
  echo "F node8_decay W=$W rc=$?"; pick
done
