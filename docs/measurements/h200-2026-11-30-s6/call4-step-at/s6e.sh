#!/bin/bash
# Session 6, device call 4: e = call 3's code (d) + 32-bit step_at + lanes without the extra
# division; alternating with d.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/d /tmp/e && (cd /tmp/d && tar xJf $REPO/.deps/s6d-bin.tar.xz ./deer-bench) && (cd /tmp/e && tar xJf $REPO/.deps/s6e-bin.tar.xz)
mkdir -p $OUT/m
for v in d e d e; do
timeout 100 /tmp/$v/deer-bench --case gru1 --case gru8 --case mhgru64 --reps 5 > $OUT/m/bench_$v.log 2>&1; echo "$v rc=$?"; grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | grep -v auto | cut -c1-150
done
timeout 60 /tmp/e/deer-bench --case mhgru64 --reps 2 --profile --no-reference > $OUT/m/profile_e.log 2>&1; echo "profile rc=$?"; grep -E "profile mhgru64 deer" $OUT/m/profile_e.log | cut -c1-150
timeout 100 ncu --kernel-name-base demangled --kernel-name regex:"EvaluatePairs.*MultiHeadGru" --launch-count 1 --metrics gpu__time_duration.sum,smsp__inst_executed.sum,smsp__thread_inst_executed.sum,l1tex__t_sectors_pipe_lsu_mem_local_op_ld.sum,sm__warps_active.avg.pct_of_peak_sustained_active,launch__registers_per_thread,launch__occupancy_limit_registers /tmp/e/deer-bench --case mhgru64 --method deer --no-reference --reps 1 > $OUT/m/ncu_e.log 2>&1; echo "ncu rc=$?"; grep -E "gpu__time|inst_executed|local_op|warps_active|registers" $OUT/m/ncu_e.log | cut -c1-160
