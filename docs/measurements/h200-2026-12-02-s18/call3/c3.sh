#!/bin/bash
# Session 18, call 3: the one_step pass (groups of 4 steps) with registers for 4 (v2), 6 and 8
# teams of 128 per SM (v3t6, v3t8: built with -DDEER_EXP_TEAMS, an experiment-only macro).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s18/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s18
cd $D && tar xJf bins3.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
for v in v2 v3t6 v3t8; do
  timeout 60 $D/$v-bench --case mhgru64 --case gru1 --method deer --no-reference --reps 3 --profile > $OUT/m/p_$v.log 2>&1
  echo "== $v"; grep -E "one_step_guess|from_flat" $OUT/m/p_$v.log | cut -c30-
done
for r in 1 2 3; do
  for v in v2 v3t6 v3t8; do
    timeout 60 $D/$v-bench --case mhgru64 --method deer --no-reference --reps 5 > /tmp/alt.log 2>&1
    echo "run $r $v: $(grep -E '^mhgru64 +deer' /tmp/alt.log | awk '{print $5, "ms", $8, "it"}')"
  done
done
