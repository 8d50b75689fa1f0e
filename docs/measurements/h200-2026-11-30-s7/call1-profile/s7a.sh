#!/bin/bash
# Session 7, device call 1: where the time of GRU n=1, GRU n=8 and the diagonal scan goes
# (committed code 2720eab; deer-bench built with scripts/build-cuda.sh's toolchain).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/a && (cd /tmp/a && tar xJf $REPO/.deps/s7a-bin.tar.xz)
mkdir -p $OUT/m; B=/tmp/a/deer-bench
ncu --version | tail -1
timeout 60 $B --case diag_scan --case gru1 --case gru8 --reps 3 --profile --no-reference > $OUT/m/profile.log 2>&1; echo "profile rc=$?"; grep -E "profile|^(gru|diag)|one_pass" $OUT/m/profile.log | cut -c30-160
M=gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,smsp__inst_executed.sum,smsp__thread_inst_executed.sum,l1tex__t_sectors_pipe_lsu_mem_local_op_ld.sum,sm__warps_active.avg.pct_of_peak_sustained_active,launch__registers_per_thread,launch__occupancy_limit_registers,launch__occupancy_limit_shared_mem,smsp__average_warp_latency_issue_stalled_barrier,smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active,smsp__average_warps_issue_stalled_barrier_per_issue_active,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active,smsp__average_warps_issue_stalled_wait_per_issue_active,smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active,smsp__average_warps_issue_stalled_mio_throttle_per_issue_active,smsp__average_warps_issue_stalled_lg_throttle_per_issue_active,smsp__issue_active.avg.pct_of_peak_sustained_active
for c in "gru1 deer Gru" "gru8 quasi_deer Gru" "diag_scan x StoredPairs"; do set -- $c
timeout 120 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip 2 --launch-count 1 --metrics $M $B --case $1 --method $2 --no-reference --reps 1 > $OUT/m/ncu_$1.log 2>&1; echo "ncu $1 rc=$?"; grep -E "OnePassTiles|  [a-z_]+__" $OUT/m/ncu_$1.log | sed 's/^ *//' | cut -c1-150
done
timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"OnePassTiles" --launch-skip 2 --launch-count 1 --set full --import-source no -o $OUT/m/gru1 $B --case gru1 --method deer --no-reference --reps 1 > $OUT/m/ncu_full.log 2>&1; echo "full rc=$?"
ncu -i $OUT/m/gru1.ncu-rep --page details > $OUT/m/gru1_details.txt 2>&1; echo "details rc=$?"
ncu -i $OUT/m/gru1.ncu-rep --page source --csv --print-source sass > $OUT/m/gru1_sass.csv 2>&1; echo "sass rc=$? $(wc -l < $OUT/m/gru1_sass.csv)"
head -3 $OUT/m/gru1_sass.csv | cut -c1-400
