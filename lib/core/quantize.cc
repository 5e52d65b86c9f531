/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/quantize.h>
#include <gnuradio/isac/core/volk_isac.h>
#include <algorithm>
#include <limits>

namespace gr {
namespace isac {
namespace core {

uint64_t one_bit_quantize(const float* in, float* out, size_t n_real, float amplitude)
{
    // The kernel only flags NaNs (a per-lane OR, no reduction in the hot loop);
    // they are rare, so they are counted in a second pass only when flagged.
    uint32_t flagged = 0;
    for (size_t done = 0; done < n_real;) {
        const auto n = unsigned(std::min<size_t>(n_real - done, 1u << 30));
        uint32_t f = 0;
        volk_isac_32f_s32f_binary_slicer_32f(out + done, &f, in + done, amplitude, n);
        flagged |= f;
        done += n;
    }
    if (!flagged)
        return 0;
    uint64_t nan = 0;
    for (size_t i = 0; i < n_real; ++i)
        nan += std::isnan(in[i]);
    return nan;
}

float one_bit_dac_amplitude(int n, double power)
{
    check_int_range("vlen", n, 1, 1L << 24);
    check_positive_finite("power", power);
    // the kernel runs in float: a power whose amplitude under/overflows float
    // would give an all-zero or all-Inf "alphabet" (fuzz_core_quantize finding)
    const double a = std::sqrt(power / (2.0 * n));
    if (!(a >= double(std::numeric_limits<float>::min()) &&
          a <= double(std::numeric_limits<float>::max())))
        throw_param("power", std::to_string(power),
                    "a value whose DAC amplitude sqrt(power/(2 vlen)) is a normal float");
    return static_cast<float>(a);
}

namespace {
cvec quantize_d(const cvec& x, double a)
{
    cvec out(x.size());
    for (Eigen::Index i = 0; i < x.size(); ++i)
        out[i] = cdouble(x[i].real() < 0.0 ? -a : a, x[i].imag() < 0.0 ? -a : a);
    return out;
}
} // namespace

cvec one_bit_dac(const cvec& x, double power)
{
    check_int_range("vlen", x.size(), 1, 1L << 24);
    one_bit_dac_amplitude(int(x.size()), power); // same power range as the block
    return quantize_d(x, std::sqrt(power / (2.0 * x.size())));
}

cvec one_bit_adc(const cvec& r) { return quantize_d(r, 1.0); }

} // namespace core
} // namespace isac
} // namespace gr
