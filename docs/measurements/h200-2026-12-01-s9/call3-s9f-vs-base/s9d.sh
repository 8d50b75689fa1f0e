#!/bin/bash
# Session 9, call 4: the final code (s9f: one-pass 2x2 blocks, constant n/k for scalar lanes)
# against session 8's (base), then the bench with the reference, peers.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s9/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s9
cd $D && tar xJf bin.tar.xz && tar xJf final.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
C="--case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2; do
  for v in base final; do
    timeout 120 $D/$v/deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?"; grep -E "^(gru|mhgru|diag)" $OUT/m/bench_$v.log | grep -v auto | cut -c1-75
  done
done
timeout 200 $D/final/deer-bench --case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --json $OUT/m/bench.json > $OUT/m/bench.log 2>&1; echo "ref rc=$?"; grep -E "^(copy|gru|mhgru|diag)" $OUT/m/bench.log | cut -c1-130
timeout 100 $D/final/deer-bench --case mhgru64 --reps 5 --no-reference --scan chunked > $OUT/m/bench_chunked.log 2>&1; echo "chunked rc=$?"; grep -E "^mhgru" $OUT/m/bench_chunked.log | cut -c1-75
timeout 150 python3 scripts/peers.py --quick --json $OUT/m/peers.json > $OUT/m/peers.log 2>&1; echo "peers rc=$?"; grep '"peer"' $OUT/m/peers.log | head
