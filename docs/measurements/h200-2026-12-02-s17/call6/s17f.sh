#!/bin/bash
# Session 17, call 6: ncu on the one_step pass of the multi-head GRU (v4): Kokkos launches it
# as cuda_parallel_launch_constant_memory with blocks of 128 (the one-pass scan: blocks of 256).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s17/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s17
cd $D && tar xJf bin4.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
timeout 300 ncu --kernel-name regex:constant_memory --launch-count 4 --section SpeedOfLight --section Occupancy \
    --section LaunchStats --section WarpStateStats --section SchedulerStats --section InstructionStats --section MemoryWorkloadAnalysis \
    $D/v4-bench --case mhgru64 --method deer --no-reference --reps 1 > $OUT/m/ncu_mhgru64.txt 2>&1
grep -E "cuda_parallel_launch|Block Size|Grid Size|Duration|Registers Per|Achieved Occupancy|Theoretical Occupancy|Executed Ipc A|Issue Slots Busy|Memory Throughput|Compute \(SM\) Thr|Local|Warp Cycles Per Issued|Executed Instructions  |Block Limit Reg" $OUT/m/ncu_mhgru64.txt | head -80
