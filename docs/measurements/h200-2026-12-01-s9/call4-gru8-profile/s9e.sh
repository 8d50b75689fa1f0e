#!/bin/bash
# Session 9, call 5: kernel profile of GRU n=8 DEER, base against final.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s9/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s9
cd $D && tar xJf bin.tar.xz && tar xJf final.tar.xz && cd - >/dev/null
for v in base final base final; do
  echo "== $v"; timeout 100 $D/$v/deer-bench --case gru8 --method deer --reps 3 --profile --no-reference 2>&1 | grep -E "profile gru8|^gru8" | cut -c30-150
done
