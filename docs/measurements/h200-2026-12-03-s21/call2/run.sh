#!/bin/bash
# Session 21, call 2: the sequential kernels of HEAD (350875c, binary F) against variant O
# (SequentialSweep only: thread t takes lane (t % batch) * lanes + t / batch, so that a warp's
# threads evaluate one head of 16 sequences and two heads in all, not 32 heads of one
# sequence). Alternating, sequential kernels only.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s21/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s21
cd $D && tar xJf bins2.tar.xz && cd - >/dev/null
C="--case gru1 --case gru8 --case mhgru64 --case lstm4"
for b in F O F O; do
  timeout 100 $D/$b $C --method sequential --reps 3 > /tmp/a.log 2>&1
  echo "$b rc=$?"; grep -E " sequential " /tmp/a.log | grep -v "^\["
done
timeout 100 $D/O --case mhgru64 --views --method sequential --reps 3 > /tmp/a.log 2>&1; echo "O --views rc=$?"; grep -E " sequential " /tmp/a.log | grep -v "^\["
timeout 100 $D/F --case mhgru64 --views --method sequential --reps 3 > /tmp/a.log 2>&1; echo "F --views rc=$?"; grep -E " sequential " /tmp/a.log | grep -v "^\["
