#!/bin/bash
# Session 23, call 4: the peers and our DEER over T in one call, for ratios from one session
# (N: call 2's deer-bench, the commit's code; the measured run length by default).
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.deps/s22/lib:$LD_LIBRARY_PATH
D=$PWD/.deps/s23b
cd $D && tar xJf bins3.tar.xz && cd - >/dev/null
timeout 300 python3 scripts/peers.py --quick 2>&1 | tail -n 25
timeout 120 $D/N --case none --sweep --method deer --reps 10 > /tmp/a.log 2>&1
echo "N sweep rc=$?"; grep -E "^[a-z0-9_]+ +(deer|sequential) " /tmp/a.log | cut -c1-150; grep -o "runs of [0-9]*" /tmp/a.log | tr '\n' ' '; echo
