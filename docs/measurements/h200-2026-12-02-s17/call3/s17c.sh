#!/bin/bash
# Session 17, call 3: where the one_step guess's time goes (--profile: time per kernel) for
# GRU n=16 quasi-DEER (+4.9 ms with one_step in call 2 at equal iterations) and the multi-head
# GRU's DEER, with both first iterates.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s17/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s17
cd $D && tar xJf bin2.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
for g in y0 one_step; do
  timeout 60 $D/v2-bench --guess $g --case gru16 --method quasi_deer --no-reference --reps 3 --profile > $OUT/m/p_gru16_$g.log 2>&1
  timeout 60 $D/v2-bench --guess $g --case mhgru64 --method deer --no-reference --reps 3 --profile > $OUT/m/p_mhgru64_$g.log 2>&1
done
for f in $OUT/m/p_*.log; do echo "== $f"; grep -vE "^\s*$" $f | grep -iE "ms|us|one_step|kernel|^(gru|mhgru)" | head -40; done
