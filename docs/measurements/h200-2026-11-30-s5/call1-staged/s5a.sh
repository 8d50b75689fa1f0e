#!/bin/bash
# Session 5, device call 1: register-staged one-pass scan vs session 4's binary; test_scan; ncu.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/b /tmp/o && (cd /tmp/b && tar xJf $REPO/.deps/s5a-bin.tar.xz) && (cd /tmp/o && tar xJf $REPO/.deps/s4-bin.tar.xz)
T0=$(date +%s); el() { echo $(( $(date +%s) - T0 )); }
mkdir -p $OUT/m
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
for v in o b o b; do
timeout 60 /tmp/$v/deer-bench --case diag_scan --case gru1 --case gru8 --reps 5 --json $OUT/m/bench_$v.json > $OUT/m/bench_$v.log 2>&1; echo "bench $v rc=$? at $(el)s"
grep -E "^(diag|gru|copy)|one_pass" $OUT/m/bench_$v.log | cut -c1-150
done
timeout 120 /tmp/b/test_scan > $OUT/m/test_scan.log 2>&1; echo "test_scan rc=$? at $(el)s: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/test_scan.log | tr '\n' ' ')"
grep -B2 -A8 "Failure" $OUT/m/test_scan.log | head -30
timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-count 1 \
  --section LaunchStats --section Occupancy --section WarpStateStats --section SpeedOfLight --section MemoryWorkloadAnalysis --section SchedulerStats \
  /tmp/b/deer-bench --case diag_scan --reps 1 > $OUT/m/ncu_diag.txt 2>&1; echo "ncu diag rc=$? at $(el)s"
grep -E "Duration|Memory Throughput|DRAM Throughput|Achieved Occupancy|Registers Per|Issued Ipc|No Eligible|Stall|Executed Ipc" $OUT/m/ncu_diag.txt | head -30
timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-count 1 \
  --section LaunchStats --section Occupancy --section WarpStateStats --section SpeedOfLight --section SchedulerStats \
  /tmp/b/deer-bench --case gru1 --reps 1 > $OUT/m/ncu_gru1.txt 2>&1; echo "ncu gru1 rc=$? at $(el)s"
grep -E "Duration|Memory Throughput|DRAM Throughput|Achieved Occupancy|Registers Per|Issued Ipc|Executed Ipc" $OUT/m/ncu_gru1.txt | head -20
cd $OUT && tar czf m.tgz m && rm -rf m
