#!/bin/bash
# Session 9, call 3: per-launch duration and instructions of GRU n=1's one-pass kernels (ncu), base / A / B.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s9/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s9
cd $D && tar xJf bin.tar.xz && cd - >/dev/null
NCU=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/nsight-compute*/ncu 2>/dev/null | head -1); echo "ncu: $NCU"
for v in base B A; do
  echo "== $v"
  timeout 100 $NCU --kernel-name-base demangled --kernel-name regex:OnePassTiles --launch-count 6 --metrics gpu__time_duration.sum,smsp__inst_executed.sum,smsp__average_warp_latency_issue_stalled_barrier,smsp__warp_issue_stalled_barrier_per_warp_active.pct,smsp__warp_issue_stalled_long_scoreboard_per_warp_active.pct,smsp__warp_issue_stalled_lg_throttle_per_warp_active.pct \
    $D/$v/deer-bench --case gru1 --reps 1 --no-reference --method deer > $OUT/ncu_$v.txt 2>&1; grep -E "gpu__time|inst_executed|stalled|ERR|rror" $OUT/ncu_$v.txt | head -40
done
