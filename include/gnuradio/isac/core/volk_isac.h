/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gr-isac's own VOLK-style kernels. Debian's VOLK 2.5 exports neither its CPU
 * feature checks nor a way to register kernels at run time, and volk_modtool
 * needs VOLK's source tree to generate a separate library. So the kernels are
 * written in VOLK's protokernel format (lib/core/volk_isac/, one implementation
 * per LV_HAVE_* machine plus a generic one), each machine is compiled in its own
 * translation unit with its flags, and a small dispatcher follows VOLK's
 * machine model: it picks the best implementation the CPU runs, once, and
 * honours VOLK's own overrides, VOLK_GENERIC set in the environment and a line
 * "<kernel> <impl> <impl>" in VOLK's config file (volk_get_config_path(),
 * normally ~/.volk/volk_config).
 */
#ifndef INCLUDED_ISAC_CORE_VOLK_ISAC_H
#define INCLUDED_ISAC_CORE_VOLK_ISAC_H

#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

/*!
 * 1-bit quantiser kernel: out[i] = in[i] < 0 ? -amplitude : +amplitude (so -0.0
 * and NaN give +amplitude), *nan_flag nonzero if any in[i] is NaN. in and out
 * may be the same array; no alignment is required.
 */
void volk_isac_32f_s32f_binary_slicer_32f(float* out,
                                          uint32_t* nan_flag,
                                          const float* in,
                                          float amplitude,
                                          unsigned int num_points);

//! The same kernel through the named implementation (throws std::invalid_argument
//! if it is not compiled in or this CPU cannot run it).
void volk_isac_32f_s32f_binary_slicer_32f_manual(float* out,
                                                 uint32_t* nan_flag,
                                                 const float* in,
                                                 float amplitude,
                                                 unsigned int num_points,
                                                 const std::string& impl_name);

//! Implementations compiled in that this CPU runs, generic first, best last.
std::vector<std::string> volk_isac_32f_s32f_binary_slicer_32f_impls();

//! The implementation the dispatcher chose.
std::string volk_isac_32f_s32f_binary_slicer_32f_selected();

} // namespace core
} // namespace isac
} // namespace gr

#endif
