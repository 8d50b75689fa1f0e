#!/bin/bash
# Session 19, call 3: base (session 18's commit), A (call 1), C (A + StepLayout::group_at + two
# steps per thread in the tile's pair evaluation for one-block lanes), E (the candidate: A +
# StepLayout::group_at + NewtonUpdate's constant bound for N <= 2 only).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s19/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s19
cd $D && tar xJf bins3.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
for v in C E; do
  timeout 60 $D/$v --case mhgru64 --case gru1 --method deer --no-reference --reps 3 --profile > $OUT/m/p_$v.log 2>&1
  echo "== $v"; grep -E "profile mhgru64" $OUT/m/p_$v.log | cut -c30- | head -5
done
for r in 1 2 3; do
  for v in base A C E; do
    timeout 60 $D/$v --case mhgru64 --method deer --no-reference --reps 5 > /tmp/alt.log 2>&1
    echo "run $r $v: $(grep -E '^mhgru64 +deer' /tmp/alt.log | awk '{print $5, "ms", $8, "it"}')"
  done
done
for r in 1 2; do
  for v in base E; do
    timeout 60 $D/$v --case gru16 --case gru4 --method quasi_deer --no-reference --reps 3 > /tmp/a.log 2>&1
    echo "$r $v: $(grep -E '^gru(16|4) +quasi' /tmp/a.log | awk '{print $1, $5, "ms", $8, "it"}' | tr '\n' ' ')"
  done
done
timeout 150 $D/E --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench_E.json > $OUT/m/bench_table_E.log 2>&1; echo "table E rc=$?"
grep -E "copy|^(gru|mhgru|diag)" $OUT/m/bench_table_E.log | head -30
timeout 200 $D/E --case gru4 --case gru16 --case elman8 --case elman16 --case lstm4 --case lstm8 --reps 3 --json $OUT/m/bench_dense_E.json > $OUT/m/bench_dense_E.log 2>&1; echo "dense rc=$?"
grep -E "^(gru|elman|lstm)" $OUT/m/bench_dense_E.log
timeout 100 $D/E --case quasi_gru64 --no-reference --reps 1 > $OUT/m/quasi_gru64_E.log 2>&1; echo "quasi_gru64 rc=$?"
grep -E "^quasi_gru64|deer " $OUT/m/quasi_gru64_E.log | head -4
