#!/bin/bash
# Session 14, call 3 (experiment): quasi-DEER first also for 2x2 blocks (the multi-head GRU's
# lanes), budgets of 1-6 quasi-DEER iterations before DEER (qf: the working tree with the rule's
# smallest block and budget read from DEER_QF_KMIN and DEER_QF).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s14/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s14
cd $D && tar xJf ../s12/lib.tar.xz && tar xJf binc.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
for r in 1 2; do
  for b in 0 1 2 3 4 6; do
    if [ $b = 0 ]; then E=""; else E="DEER_QF_KMIN=2 DEER_QF=$b"; fi
    env $E timeout 100 $D/qf-deer-bench --case mhgru64 --method auto --reps 5 > $OUT/m/bench_qf$b.log 2>&1; echo "budget $b run $r rc=$?: $(grep -E "^mhgru" $OUT/m/bench_qf$b.log | awk '{printf "%s/%s %s(%s) err %s; ", $1, $2, $5, $8, $9}') $(grep updates $OUT/m/bench_qf$b.log | tail -1 | cut -c30-)"
  done
done
