# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Cross build for 64-bit ARM (e.g. the ARM processors of embedded USRPs) with
# Debian's cross toolchain (g++-aarch64-linux-gnu) and multiarch arm64
# libraries (libcppunit-dev:arm64, libvolk2-dev:arm64; Eigen is header-only and
# architecture independent). Test executables run under qemu-user. Used by
# `./run cross` with -DISAC_CORE_ONLY=ON: the core and its CppUnit tests.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# search <prefix>/lib/aarch64-linux-gnu (multiarch) instead of the host's
# <prefix>/lib/x86_64-linux-gnu
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
# -L: the dynamic loader and C/C++ runtime of the cross toolchain; the
# multiarch libraries (cppunit, volk, orc) are found in /usr/lib/aarch64-linux-gnu.
find_program(ISAC_QEMU_AARCH64 qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${ISAC_QEMU_AARCH64} -L /usr/aarch64-linux-gnu)
