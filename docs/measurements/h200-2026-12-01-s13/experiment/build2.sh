#!/bin/bash
# build.sh NAME [extra nvcc flags...]: compiles /work/dev's deer-bench with extra flags into /work/exp/NAME-deer-bench
set -e
name=$1; shift
cd /work/dev/build-cuda-T
W=/work/main/.deps/kokkos-cuda/bin/nvcc_wrapper
o=/work/exp/$name-bench.o
start=$(date +%s)
$W -DFMT_SHARED -DKOKKOS_DEPENDENCE -DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL -DSPDLOG_SHARED_LIB -I/work/exp/src/include -I/work/dev/build-cuda-T/include -isystem /work/main/.deps/kokkos-cuda/include -O3 -DNDEBUG -Xcudafe --diag_error=20011 -expt-extended-lambda -arch=sm_90 -std=c++17 -Xptxas=-v "$@" -o $o -c /work/exp/src/drivers/bench.cpp > /work/exp/$name-ptxas.log 2>&1
$W -O3 -DNDEBUG -DKOKKOS_DEPENDENCE -arch=sm_90 $o -o /work/exp/$name-deer-bench /usr/lib/x86_64-linux-gnu/libspdlog.so.1.10.0 /usr/lib/x86_64-linux-gnu/libfmt.so.9.1.0 /work/main/.deps/kokkos-cuda/lib/libkokkoscontainers.a /work/main/.deps/kokkos-cuda/lib/libkokkoscore.a /usr/local/cuda/lib/stubs/libcuda.so /usr/local/cuda/lib/libcudart.so /usr/lib/x86_64-linux-gnu/libdl.a
rm -f $o
echo "$name built in $(( $(date +%s) - start )) s"
