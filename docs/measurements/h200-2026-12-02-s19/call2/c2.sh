#!/bin/bash
# Session 19, call 2: ncu of variant A's multi-head GRU one-pass iteration kernel.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s19/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s19
cd $D && tar xJf bins1.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
timeout 300 ncu --kernel-name-base demangled --kernel-name regex:OnePassTiles --launch-skip 3 --launch-count 1 \
  --section SpeedOfLight --section ComputeWorkloadAnalysis --section SchedulerStats --section WarpStateStats \
  --section InstructionStats --section Occupancy --section MemoryWorkloadAnalysis --section LaunchStats --section SourceCounters \
  $D/A --case mhgru64 --method deer --no-reference --reps 1 > $OUT/m/ncu_A.txt 2>&1; echo "ncu rc=$?"
grep -E "Duration|Executed Ipc|Issue Slots Busy|Warp Cycles Per Issued|Registers|Achieved Occupancy|Executed Instructions |Stall|No Eligible|Memory Throughput|L1/TEX Hit|Local" $OUT/m/ncu_A.txt | head -60
