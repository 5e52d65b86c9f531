/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_ISAC_CORE_CLONES_H
#define INCLUDED_ISAC_CORE_CLONES_H

/*
 * ISAC_CLONES: GCC function multi-versioning for the core's vectorisable loops: the
 * same source built for AVX-512, AVX2 and the baseline, picked at load time. The
 * AVX-512 clone may contract a * b + c into FMAs (other rounding).
 * ISAC_CLONES_EXACT: the same clones without contraction, so that every clone
 * rounds as the baseline does and the results do not depend on the machine (the
 * emulator's outputs stay bit-identical per seed).
 * ISAC_HAVE_CLONES: defined where the clones exist (the qa's clone tests run them,
 * qa_clones.h).
 */
#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
#define ISAC_HAVE_CLONES 1
#define ISAC_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define ISAC_CLONES_EXACT                                       \
    __attribute__((target_clones("avx512f", "avx2", "default"), \
                   optimize("fp-contract=off")))
#else
#define ISAC_CLONES
#define ISAC_CLONES_EXACT
#endif

#endif
