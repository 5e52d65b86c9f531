/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VOLK machine "avx": compiled with the flags that enable it (lib/CMakeLists.txt);
 * only the dispatcher calls into it, after checking the CPU.
 */
#define LV_HAVE_AVX 1
#include "ci_flip_kernels.h"
#include "ci_lp_kernels.h"
#include "machines.h"
#include "volk_isac_32f_s32f_binary_slicer_32f.h"

namespace gr {
namespace isac {
namespace core {
namespace volk_isac_machines {

const binary_slicer_impl binary_slicer_avx = {
    "u_avx", volk_isac_32f_s32f_binary_slicer_32f_u_avx
};

const ci_lp_kernels ci_lp_avx = { "avx",
                                  ci_lp_pivot_row_avx,
                                  ci_lp_ratios_avx,
                                  ci_lp_next_breakpoint_avx,
                                  ci_lp_update_d_avx };

const ci_flip_kernels ci_flip_avx = { "avx", ci_flip_pair_violation_avx };

} // namespace volk_isac_machines
} // namespace core
} // namespace isac
} // namespace gr
