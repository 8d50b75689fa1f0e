#!/bin/bash
# Session 12, call 3: c = b without light launches in for_each_index (the code to commit),
# against session 11's final code, alternating; then c's table (every case with the
# reference), its sweep, quasi-DEER GRU n=64 at T=1e6 and the peers, in one call.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s12/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s12
cd $D && tar xJf lib.tar.xz && tar xJf bin.tar.xz && cd - >/dev/null
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
C="--case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2 3; do
  for v in final c; do
    timeout 100 $D/$v-deer-bench $C > /tmp/bench_$v.log 2>&1; echo "$v run $r rc=$?: $(grep -oE "one_pass [0-9.]+ ms" /tmp/bench_$v.log) $(grep -E "^(gru|mhgru)" /tmp/bench_$v.log | awk '{printf "%s/%s %s(%s); ", $1, $2, $5, $8}')"
  done
done
timeout 200 $D/c-deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "bench rc=$?"; grep -E "^(copy|gru|mhgru|diag)" $OUT/m/bench.log | cut -c1-130
timeout 150 $D/c-deer-bench --case none --sweep --reps 5 --json $OUT/m/bench_sweep.json > $OUT/m/bench_sweep.log 2>&1; echo "sweep rc=$?"; grep -E "^gru" $OUT/m/bench_sweep.log | grep -v auto | cut -c1-110
timeout 120 $D/c-deer-bench --case quasi_gru64 --reps 1 --no-reference > $OUT/m/bench_quasi64.log 2>&1; echo "quasi64 rc=$?"; grep -E "^quasi|converged|extra memory" $OUT/m/bench_quasi64.log | cut -c1-150 | tail -4
timeout 200 python3 scripts/peers.py --quick --json $OUT/m/peers.json > $OUT/m/peers.log 2>&1; echo "peers rc=$?"; tail -12 $OUT/m/peers.log
