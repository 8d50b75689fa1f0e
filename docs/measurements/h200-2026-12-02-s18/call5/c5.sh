#!/bin/bash
# Session 18, call 5: base (s17), v2 (one_step in groups of 4 consecutive steps; relayout without
# divisions), v4 (v2 + batch_first groups spread over the warp: thread t takes steps t, t+32, ...),
# v5 (v4 + the relayout's loads issued in batches before their stores).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s18/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s18
cd $D && tar xJf bins4.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
for v in s17 v2 v4 v5; do
  timeout 60 $D/$v-bench --case mhgru64 --case gru1 --case gru4 --method deer --no-reference --reps 3 --profile > $OUT/m/p_$v.log 2>&1
  echo "== $v"; grep -E "one_step_guess|from_flat|to_flat" $OUT/m/p_$v.log | cut -c30-
done
for r in 1 2 3; do
  for v in s17 v2 v4 v5; do
    timeout 60 $D/$v-bench --case mhgru64 --method deer --no-reference --reps 5 > /tmp/alt.log 2>&1
    echo "run $r $v: $(grep -E '^mhgru64 +deer' /tmp/alt.log | awk '{print $5, "ms", $8, "it"}')"
  done
done
timeout 120 $D/v5-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench_table.log 2>&1; echo "table rc=$?"
grep -E "copy|^(gru|mhgru|diag)" $OUT/m/bench_table.log | head -30
