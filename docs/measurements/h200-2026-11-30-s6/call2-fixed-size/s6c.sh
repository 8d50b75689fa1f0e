#!/bin/bash
# Session 6, device call 2: c = lanes + compile-time sizes (compat::with_fixed_size, the
# multi-head GRU's head loops to its capacity), stored-pairs rule: lanes never store.
# b = call 1's lanes binary (same store rule); l = session 5's binary.
export PATH=/usr/local/cuda/bin:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
REPO=$PWD; mkdir -p /tmp/s6 /tmp/l && (cd /tmp/s6 && tar xJf $REPO/.deps/s6ab-bin.tar.xz && tar xJf $REPO/.deps/s6c-bin.tar.xz) && (cd /tmp/l && tar xJf $REPO/.deps/s5l-bin.tar.xz deer-bench)
mkdir -p $OUT/m
for v in s6/b s6/c s6/b s6/c; do
timeout 120 /tmp/$v/deer-bench --case mhgru64 --reps 5 > $OUT/m/mh_${v#s6/}.log 2>&1; echo "$v rc=$?"; grep -E "^mhgru" $OUT/m/mh_${v#s6/}.log | cut -c1-150
done
timeout 120 /tmp/s6/c/deer-bench --case mhgru64 --reps 2 --profile --no-reference > $OUT/m/profile_c.log 2>&1; echo "profile rc=$?"; grep -E "profile" $OUT/m/profile_c.log | cut -c1-150
for v in l s6/c; do timeout 120 /tmp/$v/deer-bench --case gru1 --case gru8 --reps 5 > $OUT/m/gru_${v#s6/}.log 2>&1; echo "gru $v rc=$?"; grep -E "^gru" $OUT/m/gru_${v#s6/}.log | cut -c1-150; done
