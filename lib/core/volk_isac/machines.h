/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The implementations each machine translation unit provides (VOLK's machine
 * model: machine_<m>.cc defines LV_HAVE_<M>, is compiled with that machine's
 * flags and includes the kernel headers). CMake compiles the machines the
 * target and compiler support and defines ISAC_VOLK_MACHINE_<M> for each one
 * in the dispatcher, lib/core/volk_isac.cc.
 */
#ifndef INCLUDED_ISAC_CORE_VOLK_ISAC_MACHINES_H
#define INCLUDED_ISAC_CORE_VOLK_ISAC_MACHINES_H

#include <cstddef>
#include <cstdint>

namespace gr {
namespace isac {
namespace core {
namespace volk_isac_machines {

using binary_slicer_fn = void (*)(float*, uint32_t*, const float*, float, unsigned int);

struct binary_slicer_impl {
    const char* name; // the protokernel suffix, as VOLK names implementations
    binary_slicer_fn fn;
};

extern const binary_slicer_impl binary_slicer_generic;
extern const binary_slicer_impl binary_slicer_sse;
extern const binary_slicer_impl binary_slicer_avx;
extern const binary_slicer_impl binary_slicer_avx512f;
extern const binary_slicer_impl binary_slicer_neon;

// The dual simplex's pivot loops (ci_lp_kernels.h), internal to the core.
struct ci_lp_kernels {
    const char* name;
    double (*pivot_row)(const double*, int, int, const double*, const int*, double*);
    size_t (*ratios)(int,
                     const double*,
                     const double*,
                     const int*,
                     const double*,
                     const double*,
                     double,
                     double,
                     double*);
    int (*next_breakpoint)(const double*, const double*, int);
    void (*update_d)(int, double, const double*, const int*, double*);
};

extern const ci_lp_kernels ci_lp_avx;

// The flip search's pair-repair scan (ci_flip_kernels.h), internal to the core.
struct ci_flip_kernels {
    const char* name;
    double (*pair_violation)(
        int, int, const double*, const double*, const double*, double, double*);
};

extern const ci_flip_kernels ci_flip_avx;

//! The widest LP kernels this CPU runs, or nullptr (use the generic loops): once,
//! from the CPU; VOLK_GENERIC set in the environment forces nullptr.
const ci_lp_kernels* ci_lp_selected();
//! The same for the flip search's kernels.
const ci_flip_kernels* ci_flip_selected();

} // namespace volk_isac_machines
} // namespace core
} // namespace isac
} // namespace gr

#endif
