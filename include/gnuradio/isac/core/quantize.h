/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * 1-bit quantisation (1-bit ISAC paper Sec. II-III): each real and imaginary part is
 * mapped to +amplitude or -amplitude by its sign. DAC: amplitude = sqrt(E/(2 N_T)) so
 * every N_T vector has ||x||^2 = E. ADC: amplitude = 1, entries +-1 +-j. sgn(0) = +1,
 * also for -0.0 (the comparison v < 0 is false for -0.0). NaN components compare false as
 * well, so they map to +amplitude: a NaN input gives a defined alphabet point, and the
 * kernel reports how many NaN components it saw (the one_bit_quantizer block's "adc" mode
 * passes NaN on instead: one_bit_quantizer.h).
 */
#ifndef INCLUDED_ISAC_CORE_QUANTIZE_H
#define INCLUDED_ISAC_CORE_QUANTIZE_H

#include <gnuradio/isac/core/types.h>
#include <cstddef>
#include <cstdint>

namespace gr {
namespace isac {
namespace core {

/*!
 * Quantise n_real floats (real and imaginary parts interleaved) to
 * +-amplitude with the VOLK-dispatched kernel volk_isac_32f_s32f_binary_slicer_32f
 * (core/volk_isac.h). in and out must not overlap (NaNs are counted from in
 * after the kernel ran).
 * \return the number of NaN components in the input.
 */
uint64_t one_bit_quantize(const float* in, float* out, size_t n_real, float amplitude);

//! DAC amplitude sqrt(power / (2 n)) for an n-antenna snapshot.
float one_bit_dac_amplitude(int n, double power);

//! One-snapshot convenience wrappers used by the design code and tests.
cvec one_bit_dac(const cvec& x, double power);
cvec one_bit_adc(const cvec& r);

} // namespace core
} // namespace isac
} // namespace gr

#endif
