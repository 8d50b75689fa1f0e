#!/bin/bash
# Session 22, call 2: the final form of the walked first iteration (F: Options::guess_run = W,
# every step of the first iterate reached by a run of at least W steps from y0; DEER's
# one-pass first iteration walks W - 1 steps before each segment when W - 1 <= 2 segments,
# else the runs pass: runs of W, each started W - 1 steps early) against 51716bb (B).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s22/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s22
cd $D && tar xJf bins2.tar.xz && cd - >/dev/null
run() { # label, binary, cases, args...
  local l=$1 b=$2 c=$3; shift 3
  timeout 120 $D/$b $c --method deer --no-reference --reps 5 "$@" > /tmp/a.log 2>&1
  echo "$l rc=$?"; grep -E "^[a-z0-9_]+ +deer" /tmp/a.log
}
M="--case mhgru64 --case gru1"
for r in 1 2; do
  run "B W=1" B "$M"; run "B C=16" B "$M" --guess-run 16
  for W in 1 5 9 13 17 25 33; do run "F W=$W" F "$M" --guess-run $W; done
done
for W in 9 13 25; do
  timeout 120 $D/F $M --method deer --reps 3 --guess-run $W > /tmp/a.log 2>&1
  echo "F W=$W (errors) rc=$?"; grep -E "^ +[0-9]+ +[0-9]+ |updates" /tmp/a.log | cut -c30-
done
timeout 120 $D/F $M --method deer --no-reference --reps 3 --profile --guess-run 13 > /tmp/a.log 2>&1
echo "F W=13 profile rc=$?"; grep -E "profile" /tmp/a.log | cut -c30-
# The chunked scan's cases: the runs pass with its new runs (W, started W - 1 early).
C="--case gru4 --case gru8 --case elman8 --case lstm4"
for a in "B 1" "F 1" "B 16" "F 16" "F 9" "B 256" "F 256"; do
  set -- $a
  run "$1 W=$2 dense" $1 "$C" --guess-run $2
done
