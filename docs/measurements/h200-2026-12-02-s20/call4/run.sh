#!/bin/bash
# Session 20, call 4: e29f625's deer-bench (RunsFromY0 counting its runs through per_lane):
# DEER with --guess-run 1, 16, 256 on the multi-head GRU and LSTM hidden 4, with the errors.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s20/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s20
cd $D && tar xJf bins4.tar.xz && cd - >/dev/null
for C in 1 16 256; do
  timeout 100 $D/F --case mhgru64 --case lstm4 --method deer --reps 3 --guess-run $C > /tmp/a.log 2>&1
  echo "guess-run $C rc=$?"; grep -E "^(mhgru64|lstm4) +deer" /tmp/a.log
done
