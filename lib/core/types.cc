/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "clones.h"
#include <gnuradio/isac/core/types.h>
#include <algorithm>
#include <limits>
#include <sstream>

namespace gr {
namespace isac {
namespace core {

void throw_param(const std::string& name,
                 const std::string& value,
                 const std::string& allowed)
{
    throw param_error(name + " = " + value + " is out of range; allowed: " + allowed);
}

static std::string num(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

void check_int_range(const std::string& name, long v, long lo, long hi)
{
    if (v < lo || v > hi) {
        std::string range = (hi == std::numeric_limits<long>::max())
                                ? (">= " + std::to_string(lo))
                                : ("[" + std::to_string(lo) + ", " +
                                   std::to_string(hi) + "]");
        throw_param(name, std::to_string(v), range);
    }
}

double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0;
    const double q = 0.25 * x * x;
    for (int k = 1; k < 500; ++k) {
        term *= q / (double(k) * double(k));
        sum += term;
        if (term < 1e-17 * sum)
            break;
    }
    return sum;
}

// The series' divisions chain within one argument; 8 arguments side by side
// overlap them (a Kaiser window's taps are evaluated together). A lane stops
// where bessel_i0 would (its own test, after its own last term) and keeps its sum.
ISAC_CLONES_EXACT void bessel_i0_n(const double* x, double* out, int n)
{
    constexpr int V = 8;
    for (int j0 = 0; j0 < n; j0 += V) {
        const int m = std::min(V, n - j0);
        double q[V], sum[V], term[V];
        bool act[V];
        for (int l = 0; l < V; ++l) {
            const double xl = l < m ? x[j0 + l] : 0.0;
            q[l] = 0.25 * xl * xl;
            sum[l] = term[l] = 1.0;
            act[l] = l < m;
        }
        for (int k = 1; k < 500; ++k) {
            const double kk = double(k) * double(k);
            bool any = false;
            for (int l = 0; l < V; ++l) {
                const double t = term[l] * (q[l] / kk);
                const double s = sum[l] + t;
                const bool a = act[l];
                term[l] = a ? t : term[l];
                sum[l] = a ? s : sum[l];
                act[l] = a && !(t < 1e-17 * s);
                any = any || act[l];
            }
            if (!any)
                break;
        }
        for (int l = 0; l < m; ++l)
            out[j0 + l] = sum[l];
    }
}

void check_positive_finite(const std::string& name, double v)
{
    if (!(std::isfinite(v) && v > 0.0))
        throw_param(name, num(v), "a finite value > 0");
}

void check_finite(const std::string& name, double v)
{
    if (!std::isfinite(v))
        throw_param(name, num(v), "a finite value");
}

void check_angle_deg(const std::string& name, double v)
{
    if (!(std::isfinite(v) && v >= -90.0 && v <= 90.0))
        throw_param(name, num(v), "[-90, 90] degrees");
}

double angle_deg_to_rad(const std::string& name, double deg)
{
    check_angle_deg(name, deg);
    return deg2rad(deg);
}

std::vector<double> angle_deg_to_rad(const std::string& name,
                                     const std::vector<double>& deg)
{
    std::vector<double> r;
    r.reserve(deg.size());
    for (double d : deg)
        r.push_back(angle_deg_to_rad(name, d));
    return r;
}

} // namespace core
} // namespace isac
} // namespace gr
