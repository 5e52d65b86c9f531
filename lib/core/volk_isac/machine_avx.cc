/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VOLK machine "avx": compiled with the flags that enable it (lib/CMakeLists.txt);
 * only the dispatcher calls into it, after checking the CPU.
 */
#define LV_HAVE_AVX 1
#include "machines.h"
#include "volk_isac_32f_s32f_binary_slicer_32f.h"

namespace gr {
namespace isac {
namespace core {
namespace volk_isac_machines {

const binary_slicer_impl binary_slicer_avx = {
    "u_avx", volk_isac_32f_s32f_binary_slicer_32f_u_avx
};

} // namespace volk_isac_machines
} // namespace core
} // namespace isac
} // namespace gr
