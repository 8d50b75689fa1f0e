#!/bin/bash
# Session 6, device call 3: the committed code (lanes, multi-head GRU heads as Gru cells with
# the hand-written Jacobian). Bench of every case, a profile and ncu counters of the
# multi-head GRU, then the CUDA tests (Serial + Cuda, float and double).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/d && (cd /tmp/d && tar xJf $REPO/.deps/s6d-bin.tar.xz)
mkdir -p $OUT/m
timeout 200 /tmp/d/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "bench rc=$?"; grep -E "copy|one_pass|^(gru|mhgru|diag)" $OUT/m/bench.log | cut -c1-150
timeout 60 /tmp/d/deer-bench --case quasi_gru64 --no-reference --reps 1 > $OUT/m/quasi64.log 2>&1; echo "quasi64 rc=$?"; grep -E "quasi_deer " $OUT/m/quasi64.log | cut -c1-170
timeout 60 /tmp/d/deer-bench --case mhgru64 --reps 2 --profile --no-reference > $OUT/m/profile.log 2>&1; echo "profile rc=$?"; grep -E "profile" $OUT/m/profile.log | cut -c1-150
timeout 150 ncu --kernel-name-base demangled --kernel-name regex:"MultiHeadGru" --launch-count 6 --metrics gpu__time_duration.sum,smsp__inst_executed.sum,smsp__thread_inst_executed.sum,l1tex__t_sectors_pipe_lsu_mem_local_op_ld.sum,sm__throughput.avg.pct_of_peak_sustained_elapsed,dram__throughput.avg.pct_of_peak_sustained_elapsed,sm__warps_active.avg.pct_of_peak_sustained_active /tmp/d/deer-bench --case mhgru64 --method deer --no-reference --reps 1 > $OUT/m/ncu.log 2>&1; echo "ncu rc=$?"; grep -E "^  [A-Za-z].*\(|gpu__time|inst_executed|local_op|throughput|warps_active" $OUT/m/ncu.log | cut -c1-160 | head -60
for t in test_jacobian test_cells test_scan test_solvers; do timeout 300 /tmp/d/$t > $OUT/m/$t.log 2>&1; echo "$t rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/$t.log | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/$t.log | head -5; done
