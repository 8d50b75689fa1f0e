#!/bin/bash
# Session 19, call 5: where the multi-head GRU's one-pass iteration spends its instructions:
# ncu source counters of the commit's kernels built with -lineinfo (binary L), per CUDA source
# line and per SASS opcode.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s19/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s19
cd $D && tar xJf bins5.tar.xz && cd - >/dev/null
mkdir -p $OUT/m
timeout 300 ncu --kernel-name-base demangled --kernel-name regex:OnePassTiles --launch-skip 3 --launch-count 1 \
  --section SourceCounters --section WarpStateStats --import-source yes -o /tmp/rep \
  $D/L --case mhgru64 --method deer --no-reference --reps 1 > $OUT/m/ncu_run.txt 2>&1; echo "ncu rc=$?"
for mode in cuda sass; do
  timeout 200 ncu -i /tmp/rep.ncu-rep --page source --csv --print-source $mode > /tmp/src_$mode.csv 2> /tmp/err_$mode.txt
  echo "page source $mode rc=$? lines $(wc -l < /tmp/src_$mode.csv)"; head -c 600 /tmp/err_$mode.txt; head -c 800 /tmp/src_$mode.csv; echo
done
python3 - <<'PY' > $OUT/m/summary.txt 2>&1
import csv, collections, os
for mode in ['cuda', 'sass']:
    f = '/tmp/src_%s.csv' % mode
    if not os.path.exists(f) or os.path.getsize(f) == 0: print(mode, 'missing'); continue
    rows = list(csv.reader(open(f, errors='replace')))
    hdr = None
    for k, r in enumerate(rows):
        if any('Instructions Executed' in c for c in r): hdr = k; break
    if hdr is None: print(mode, 'no header; first rows:', rows[:3]); continue
    h = rows[hdr]; print(mode, 'columns:', h)
    ie = [i for i, c in enumerate(h) if c.strip() == 'Instructions Executed' or c.strip().startswith('Instructions Executed')][0]
    src = [i for i, c in enumerate(h) if c.strip() in ('Source', 'Source Code')]
    src = src[0] if src else 1
    line = [i for i, c in enumerate(h) if c.strip() in ('#', 'Line', 'Address')]
    def num(x):
        try: return float(x.replace(',', ''))
        except: return 0.0
    data = [(num(r[ie]), r) for r in rows[hdr+1:] if len(r) > ie]
    tot = sum(d for d, _ in data)
    print(mode, 'total instructions executed', tot)
    if mode == 'sass':
        op = collections.Counter()
        for d, r in data:
            t = r[src].strip().split()
            o = t[0] if t else '?'
            if o.startswith('@') and len(t) > 1: o = t[1]
            op[o.split('.')[0]] += d
        for o, d in op.most_common(40): print('  %-10s %6.1f%%' % (o, 100 * d / tot))
    top = sorted(data, key=lambda x: -x[0])[:80]
    for d, r in top: print('  %6.2f%%  %s' % (100 * d / tot, ' | '.join(c.strip()[:90] for c in r[:ie])))
PY
head -c 6000 $OUT/m/summary.txt
