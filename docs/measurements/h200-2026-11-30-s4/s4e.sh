#!/bin/bash
# Session 4, device call 5: the neural ODE with shrinking windows, stall detection and slower regrowth.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/b && (cd /tmp/b && tar xJf $REPO/.deps/s4-bin.tar.xz); B=/tmp/b
T0=$(date +%s); el() { echo $(( $(date +%s) - T0 )); }
mkdir -p $OUT/m
timeout 270 $B/deer-bench --case node8 --method deer --method quasi_deer --reps 1 --json $OUT/m/bench_node8.json > $OUT/m/bench_node8.log 2>&1; echo "node8 rc=$? at $(el)s"
grep -E "^node8|info\]   |last updates" $OUT/m/bench_node8.log | cut -c1-300
timeout 150 $B/deer-bench --case node8 --method deer --method quasi_deer --no-reference --window 1000 --reps 1 --json $OUT/m/bench_node8_w1000.json > $OUT/m/bench_node8_w1000.log 2>&1; echo "node8 w1000 rc=$? at $(el)s"
grep -E "^node8.*/w|info\]   .*/w|last updates" $OUT/m/bench_node8_w1000.log | cut -c1-300
cd $OUT && tar czf m.tgz m && rm -rf m
