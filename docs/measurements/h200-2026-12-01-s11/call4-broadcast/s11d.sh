#!/bin/bash
# Session 11, call 4: h = g + the batch_first broadcast by teams (BroadcastY0Rows); h2 = h + L2 instead of L1
# prefetches (compat::prefetch); against base and g, alternating. ncu: every kernel of one GRU
# n=1 solve (h).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s11/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s11
cd $D && tar xJf lib.tar.xz && tar xJf bin.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
C="--case diag_scan --case gru1 --case gru8 --case mhgru64 --reps 5 --no-reference"
for r in 1 2; do
  for v in ${VARIANTS:-base g h h2}; do
    timeout 100 $D/$v-deer-bench $C > $OUT/m/bench_$v.log 2>&1; echo "$v run $r rc=$?: $(grep -oE "one_pass [0-9.]+ ms" $OUT/m/bench_$v.log) $(grep -E "^(gru|mhgru)" $OUT/m/bench_$v.log | grep -v auto | awk '{printf "%s/%s %s; ", $1, $2, $5}')"
  done
done
[ -n "$NONCU" ] && exit 0
timeout 150 ncu --clock-control none --metrics gpu__time_duration.sum $D/${ALLK:-h}-deer-bench --case gru1 --reps 1 --no-reference --method deer > /tmp/ncu_all.txt 2>&1; echo "ncu all rc=$?"
python3 - <<'PY'
import re
name=None
for l in open('/tmp/ncu_all.txt').read().splitlines():
    if re.match(r'^  [a-zA-Z]',l): name=l.strip()
    m=re.search(r'gpu__time_duration.sum\s+\S+\s+([\d.,]+)',l)
    if m and name:
        n=re.sub(r'Kokkos::|Impl::|deer::|detail::|cuda_parallel_launch_\w+<|void |ParallelFor<','',name)
        print(m.group(1).rjust(8), n[:90])
PY
