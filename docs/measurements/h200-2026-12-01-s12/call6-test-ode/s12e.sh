#!/bin/bash
# Session 12, call 6: CUDA test_ode built from 85ee250 (the committed code).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s12/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s12
(cd $D && tar xJf lib.tar.xz && tar xJf bin.tar.xz && tar xJf tests.tar.xz)
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv
mkdir -p $OUT/m
export DEER_SHARED_DATA=$PWD/data/golden
for t in ${TESTS:-test_ode}; do
  timeout ${TLIM:-400} $D/$t > $OUT/m/$t.txt 2>&1; echo "$t rc=$?: $(grep -E '^\[  (PASSED|FAILED) ' $OUT/m/$t.txt | tr '\n' ' ')"; grep -E "^\[  FAILED  \]" $OUT/m/$t.txt | head -8
done
exit 0
timeout 150 ncu --clock-control none --metrics gpu__time_duration.sum $D/c-deer-bench --case gru1 --reps 1 --no-reference --method deer > /tmp/ncu_all.txt 2>&1; echo "ncu all rc=$?"
python3 - <<'PY' | tee $OUT/m/ncu_gru1_kernels.txt
import re
name=None
rows=[]
for l in open('/tmp/ncu_all.txt').read().splitlines():
    if re.match(r'^  [a-zA-Z]',l): name=l.strip()
    m=re.search(r'gpu__time_duration.sum\s+(\S+)\s+([\d.,]+)',l)
    if m and name:
        n=re.sub(r'Kokkos::|Impl::|deer::|detail::|cuda_parallel_launch_\w+<|void |ParallelFor<','',name)
        rows.append((m.group(1), m.group(2), n[:90]))
for r in rows: print(r[0], r[1].rjust(10), r[2])
PY
