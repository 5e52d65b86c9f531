#!/bin/sh
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# find_package(gnuradio-isac) from a separate CMake project: install the build
# into a temporary prefix, configure, build and run tests/consumer against it.
#   check_find_package.sh <build dir> <work dir> [cmake] [cxx flags] [exe linker flags]
# The consumer is compiled with the module's own flags: Eigen's heap layout
# depends on some of them (under ASan it stops relying on glibc's malloc
# alignment), and Eigen objects cross the library boundary.
set -eu
build=$1
work=$2
cmake=${3:-cmake}
cxxflags=${4:-}
ldflags=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
prefix=$work/prefix
rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$prefix" > "$work/install.log"
# Only the temporary prefix may provide gr-isac (not a copy in /usr/local).
"$cmake" -S "$here/consumer" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_IGNORE_PREFIX_PATH=/usr/local \
    -DCMAKE_CXX_FLAGS="$cxxflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" > "$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; exit 1; }
found=$(sed -n 's/^gnuradio-isac_DIR:PATH=//p' "$work/build/CMakeCache.txt")
case $found in
    "$prefix"/*) echo "gnuradio-isac found in $found" ;;
    *) echo "FAIL: gnuradio-isac found in '$found', not in $prefix"; exit 1 ;;
esac
"$cmake" --build "$work/build" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
libdirs=$(find "$prefix" -name 'libgnuradio-isac*.so*' -exec dirname {} \; | sort -u | tr '\n' ':')
LD_LIBRARY_PATH="$libdirs${LD_LIBRARY_PATH:-}" "$work/build/isac_consumer"
LD_LIBRARY_PATH="$libdirs${LD_LIBRARY_PATH:-}" "$work/build/isac_core_consumer"
rm -rf "$work"
