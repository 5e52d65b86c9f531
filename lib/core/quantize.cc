/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/quantize.h>

namespace gr {
namespace isac {
namespace core {

uint64_t one_bit_quantize(const float* __restrict in,
                          float* __restrict out,
                          size_t n_real,
                          float amplitude)
{
    // Both loops are written so that GCC vectorises them at -O2/-O3 with
    // plain SSE2 (compare + blend, compare + add): no branches, no libm.
    // Counting NaNs in a separate pass keeps each loop trivially vectorisable;
    // the second pass reads data that is still in L1 for a snapshot-sized call.
    const float neg = -amplitude;
    for (size_t i = 0; i < n_real; ++i)
        out[i] = in[i] < 0.0f ? neg : amplitude;
    uint32_t nan = 0;
    uint64_t total = 0;
    constexpr size_t chunk = 1u << 20; // keep the 32-bit lane counters from overflowing
    for (size_t base = 0; base < n_real; base += chunk) {
        const size_t end = std::min(n_real, base + chunk);
        nan = 0;
        for (size_t i = base; i < end; ++i)
            nan += (in[i] != in[i]);
        total += nan;
    }
    return total;
}

float one_bit_dac_amplitude(int n, double power)
{
    check_int_range("vlen", n, 1, 1L << 24);
    check_positive_finite("power", power);
    return static_cast<float>(std::sqrt(power / (2.0 * n)));
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
    check_positive_finite("power", power);
    return quantize_d(x, std::sqrt(power / (2.0 * x.size())));
}

cvec one_bit_adc(const cvec& r) { return quantize_d(r, 1.0); }

} // namespace core
} // namespace isac
} // namespace gr
