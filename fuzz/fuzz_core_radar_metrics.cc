/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fuzzes core/radar_metrics.h: random array sizes, angles (in and out of
 * [-90, 90] deg, NaN), SNR/CNR, clutter counts, transmit vectors and
 * couplings of the wrong length, solutions from another scene, pfa and noise
 * variance. Allowed: param_error, or finite results that agree with the
 * explicit O(N_R Q) formulas the Woodbury shortcuts replace:
 *   ||u||^2 == filter_norm2,  u^H g_R(theta_q) == filter_clutter_gain,
 *   u^H g_R0 c_0 == 1 (distortionless),  0 < g^H M^-1 g <= 1.
 */
#include "fuzz_common.h"
#include <gnuradio/isac/core/radar_metrics.h>

using namespace gr::isac::core;
using isac_fuzz::fail;

namespace {

double angle(isac_fuzz::reader& r)
{
    return r.u8() < 200 ? deg2rad(double(int16_t(r.u16())) / 256.0) : r.real();
}

double moderate(isac_fuzz::reader& r)
{
    // a magnitude in [1e-3, 1e3] (where the cross-checks are well conditioned)
    return std::pow(10.0, double(r.range(-3000, 3000)) / 1000.0);
}

bool near(double a, double b, double rel)
{
    return std::fabs(a - b) <= rel * (1.0 + std::fabs(b));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    isac_fuzz::reader r(data, size);
    const bool wild = r.u8() < 40; // out-of-range values vs well-posed scenes
    const int n_tx = wild ? int(r.integer()) : int(r.range(1, 40));
    const int n_rx = wild ? int(r.integer()) : int(r.range(1, 40));
    const double target = angle(r);
    std::vector<double> clutter(r.range(0, wild ? 40 : 6));
    for (auto& c : clutter)
        c = angle(r);
    std::vector<double> cnr(
        std::max<long>(0, long(clutter.size()) + (wild ? r.range(-1, 1) : 0)));
    for (auto& v : cnr)
        v = wild ? r.real() : moderate(r);
    const double snr = wild ? r.real() : moderate(r);
    const adc_model m = r.flag() ? adc_model::one_bit : adc_model::ideal;
    try {
        radar_scene s(n_tx, n_rx, target, clutter, snr, cnr);
        const int Q = s.n_clutter();
        // a transmit vector, sometimes of the wrong length or with NaN
        cvec x(std::max<long>(0, n_tx + (r.u8() < 20 ? r.range(-2, 2) : 0)));
        const bool bad_x = r.u8() < 20;
        for (Eigen::Index i = 0; i < x.size(); ++i)
            x[i] = bad_x ? cdouble(r.real(), r.real())
                         : cdouble(r.range(-1, 1) ? 1.0 : -1.0, r.flag() ? 1.0 : -1.0);
        cvec c = s.couplings(x);
        if (c.size() != Q + 1)
            fail("couplings", "wrong length");
        if (r.u8() < 30) // couplings of another scene
            c.conservativeResize(std::max<long>(0, Q + 1 + r.range(-3, 3)));
        const radar_solution sol = s.solve(c, m);
        const double pfa = r.u8() < 30 ? r.real() : 1e-6;
        const double nv = r.u8() < 30 ? r.real() : 1.0;
        const double kappa = s.threshold(sol, m, pfa, nv);
        const cvec u = s.filter(sol);
        const double un2 = s.filter_norm2(sol);
        const cvec ug = s.filter_clutter_gain(sol);
        if (u.size() != n_rx || ug.size() != Q)
            fail("filter/filter_clutter_gain", "wrong length");
        if (!c.allFinite() || bad_x || wild)
            return 0; // only the named rejections and memory safety are promised there
        double cmin = 1e300, cmax = 0;
        for (Eigen::Index q = 0; q <= Q; ++q) {
            cmin = std::min(cmin, std::abs(c[q]));
            cmax = std::max(cmax, std::abs(c[q]));
        }
        if (!std::isfinite(sol.metric) || sol.metric < 0 || !std::isfinite(kappa) ||
            kappa < 0)
            fail("solve/threshold", "non-finite or negative metric/threshold");
        if (!(sol.gmg > 0.0) || sol.gmg > 1.0 + 1e-9)
            fail("solve", "g^H M^-1 g outside (0, 1]");
        if (sol.degenerate || cmin < 1e-3 || cmax > 1e3)
            return 0;
        // explicit checks of the Woodbury shortcuts
        if (!near(u.squaredNorm(), un2, 1e-6))
            fail("filter_norm2", "disagrees with ||filter||^2");
        const cdouble dist = u.dot(s.gr().col(0)) * c[0];
        if (std::abs(dist - 1.0) > 1e-6)
            fail("filter", "not distortionless");
        for (int q = 0; q < Q; ++q)
            if (std::abs(u.dot(s.gr().col(q + 1)) - ug[q]) >
                1e-6 * (1.0 + std::abs(ug[q])))
                fail("filter_clutter_gain", "disagrees with u^H g_q");
    } catch (const param_error&) {
    } catch (const std::exception& e) {
        fail("radar_metrics threw something other than param_error", e.what());
    }
    return 0;
}
