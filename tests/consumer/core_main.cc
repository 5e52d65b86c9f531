/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/quantize.h>
#include <gnuradio/isac/core/steering.h>
#include <cmath>
#include <cstdio>

int main()
{
    // 1-bit DAC of 2 antennas at power 2: amplitude sqrt(2 / 4), signs kept
    const float in[4] = { 0.3f, -1.0f, -0.0f, 2.0f };
    float out[4];
    const float a = gr::isac::core::one_bit_dac_amplitude(2, 2.0);
    gr::isac::core::one_bit_quantize(in, out, 4, a);
    bool ok = std::fabs(a - std::sqrt(0.5f)) < 1e-6f && out[0] == a && out[1] == -a &&
              out[2] == a && out[3] == a;
    // the module's steering vector has element 0 as the phase reference
    const auto g = gr::isac::core::ula_steering(8, 0.3);
    ok = ok && g.size() == 8 && std::abs(g[0] - g[0].real()) < 1e-12;
    std::printf("%s: core\n", ok ? "ok" : "FAIL");
    return ok ? 0 : 1;
}
