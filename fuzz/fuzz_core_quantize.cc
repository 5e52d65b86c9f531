/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fuzzes core/quantize.h. The input bytes are the samples themselves, so
 * every float bit pattern (NaN payloads, -0.0, denormals, Inf) reaches the
 * kernel at every alignment. Properties: out[i] is exactly -amp when
 * in[i] < 0 and +amp otherwise (NaN included), the return value is the NaN
 * count, the DAC wrappers keep ||x||^2 = E, and bad sizes/powers are
 * rejected with param_error only.
 */
#include "fuzz_common.h"
#include <gnuradio/isac/core/quantize.h>

using namespace gr::isac::core;
using isac_fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    isac_fuzz::reader r(data, size);
    const int which = r.u8() % 3;
    const size_t skew = r.u8() % 4; // misalign the sample buffer by 0..3 floats
    const float amp = r.flag() ? 1.0f : float(std::fabs(r.real()));
    const long n = long(r.integer());
    const double power = r.flag() ? 1.0 : r.real();
    // the rest of the input is the sample buffer
    std::vector<float> buf(skew);
    while (!r.empty()) {
        uint32_t b = r.u32();
        float f;
        std::memcpy(&f, &b, sizeof f);
        buf.push_back(f);
    }
    const float* in = buf.data() + skew;
    const size_t n_real = buf.size() - skew;
    try {
        if (which == 0) {
            std::vector<float> out(n_real + skew, 42.0f);
            const uint64_t nans = one_bit_quantize(in, out.data() + skew, n_real, amp);
            uint64_t ref = 0;
            for (size_t i = 0; i < n_real; ++i) {
                ref += std::isnan(in[i]);
                const float want = in[i] < 0.0f ? -amp : amp;
                if (std::memcmp(&want, &out[skew + i], sizeof want) != 0)
                    fail("one_bit_quantize", "wrong output at " + std::to_string(i));
            }
            for (size_t i = 0; i < skew; ++i)
                if (out[i] != 42.0f)
                    fail("one_bit_quantize", "wrote before the output buffer");
            if (nans != ref)
                fail("one_bit_quantize", "NaN count mismatch");
        } else if (which == 1) {
            const float a = one_bit_dac_amplitude(int(n), power);
            if (!(a > 0.0f) || !std::isfinite(a))
                fail("one_bit_dac_amplitude",
                     "returned a non-positive or non-finite amplitude");
        } else {
            cvec x(n_real / 2);
            for (Eigen::Index i = 0; i < x.size(); ++i)
                x[i] = cdouble(in[2 * i], in[2 * i + 1]);
            const cvec q = one_bit_adc(x);
            for (Eigen::Index i = 0; i < x.size(); ++i)
                if (q[i] != cdouble(x[i].real() < 0 ? -1 : 1, x[i].imag() < 0 ? -1 : 1))
                    fail("one_bit_adc", "wrong output");
            const cvec d = one_bit_dac(x, power);
            const double e = d.squaredNorm();
            if (d.size() != x.size() || !(std::fabs(e - power) <= 1e-9 * power))
                fail("one_bit_dac",
                     "||x||^2 = " + std::to_string(e) +
                         " != power = " + std::to_string(power) +
                         " (n = " + std::to_string(x.size()) + ")");
        }
    } catch (const param_error&) {
    } catch (const std::exception& e) {
        fail("quantize threw something other than param_error", e.what());
    }
    return 0;
}
