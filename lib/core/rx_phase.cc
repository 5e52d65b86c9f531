/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/rx_phase.h>
#include <algorithm>
#include <cmath>
#include <limits>

namespace gr {
namespace isac {
namespace core {

product_phase_sum::product_phase_sum(int n)
    : d_n(n), d_s1(n), d_s2(n), d_sa(n), d_prev(n), d_q1(n), d_q2(n), d_qa(n)
{
}

void product_phase_sum::reset()
{
    std::fill(d_s1.begin(), d_s1.end(), cdouble(0));
    std::fill(d_s2.begin(), d_s2.end(), cdouble(0));
    std::fill(d_sa.begin(), d_sa.end(), 0.0);
    std::fill(d_prev.begin(), d_prev.end(), cdouble(0));
    std::fill(d_q1.begin(), d_q1.end(), cdouble(0));
    std::fill(d_q2.begin(), d_q2.end(), cdouble(0));
    std::fill(d_qa.begin(), d_qa.end(), 0.0);
    d_count = 0;
}

void product_phase_sum::add(const cdouble* z)
{
    const cdouble z0 = std::conj(z[0]);
    if (z0 == cdouble(0))
        return;
    for (int c = 0; c < d_n; ++c) {
        const cdouble p = z[c] * z0;
        d_s1[c] += p;
        d_s2[c] += p * p;
        d_sa[c] += std::norm(p);
        if (d_count > 0) {
            const cdouble q = p * std::conj(d_prev[c]);
            d_q1[c] += q;
            d_q2[c] += q * q;
            d_qa[c] += std::norm(q);
        }
        d_prev[c] = p;
    }
    ++d_count;
}

std::vector<double> product_phase_sum::rotation() const
{
    std::vector<double> w(d_n, 0.0);
    for (int c = 1; c < d_n; ++c)
        if (d_count >= 2 && std::norm(d_q1[c]) > 0.0 && std::isfinite(std::norm(d_q1[c])))
            w[c] = std::arg(d_q1[c]);
    return w;
}

int product_phase_sum::rotating_channel(double z,
                                        double floor_rad,
                                        double min_step_rad,
                                        bool rayleigh,
                                        double& turn_rad) const
{
    turn_rad = 0.0;
    const double K = double(d_count - 1); // lag-one products
    if (K < 2.0)
        return -1;
    for (int c = 1; c < d_n; ++c) {
        const double m2 = std::norm(d_q1[c]);
        if (!(m2 > 0.0) || !std::isfinite(m2))
            continue;
        const double w = std::arg(d_q1[c]);
        const cdouble rot2 = std::conj(d_q1[c] * d_q1[c]) / m2;
        const double q = std::max(0.0, 0.5 * (d_qa[c] - std::real(d_q2[c] * rot2)));
        const double se = std::sqrt(K / (K - 1.0) * q / m2);
        const double turn = w * double(d_count - 1);
        // the lag-one sum itself z SDs above zero (Rayleigh: at most exp(-z^2)
        // of noise-only sums pass): a sum of noise has a uniform phase, which
        // its linearised SE does not describe
        if (std::isfinite(se) && (!rayleigh || m2 > z * z * d_qa[c]) &&
            std::abs(w) > min_step_rad && std::abs(turn) > floor_rad &&
            std::abs(turn) > z * se * double(d_count - 1)) {
            turn_rad = turn;
            return c;
        }
    }
    return -1;
}

long rx_rotation_sub_block(long block) { return std::max(1L, block / 64); }

namespace {
// z with P(|N(0,1)| > z) = p (bisection on erfc: monotone, 60 halvings)
double two_sided_z(double p)
{
    double lo = 0.0, hi = 40.0;
    for (int i = 0; i < 60; ++i) {
        const double mid = 0.5 * (lo + hi);
        (std::erfc(mid / std::sqrt(2.0)) > p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}
} // namespace

double rx_rotation_sub_z(int n) { return two_sided_z(5e-4 / double(std::max(1, n - 1))); }

rx_rotation find_rx_rotation(const product_phase_sum& obs,
                             long obs_len,
                             const product_phase_sum* sub,
                             long sub_len)
{
    // z = 3.29 on the observations: main's test (a false alarm at most 1e-3
    // per channel against the noise, the SE being conservative there: the
    // linear terms of adjacent q telescope); 10 deg: more than the harsh
    // profile's drift moves in a 65536-snapshot average (about 1.5 deg); 1e-6
    // cycles per snapshot: below any two separate references (docs/ota_measurements.md)
    constexpr double z = 3.29, floor_rad = 10.0 * pi / 180.0, min_rate = 1e-6;
    rx_rotation r;
    const auto found = [&r](const product_phase_sum& acc,
                            long len,
                            double zz,
                            double min_cycles,
                            bool rayleigh) {
        double turn = 0.0;
        const int c = acc.rotating_channel(
            zz, floor_rad, 2.0 * pi * min_cycles * double(len), rayleigh, turn);
        if (c < 0)
            return false;
        r.channel = c;
        r.turn_rad = turn;
        r.cycles_per_snapshot = turn / (2.0 * pi * double(len) * double(acc.count() - 1));
        return true;
    };
    // The sub-blocks first: where both see a turn, theirs is not aliased.
    // Their sums can be noise-dominated where the blocks' are not (1/64 of
    // the coherent gain), where the linearised SE is about exact rather than
    // conservative: half the 1e-3 per average is split over their n - 1
    // tests, and their lag-one sum must pass the Rayleigh condition. The
    // observations' own test is main's, without that condition, which needs
    // at least 12 observations to be met at all (|sum q|^2 <= K sum |q|^2).
    const double z_sub = rx_rotation_sub_z(int(obs.sums().size()));
    if (!(sub &&
          found(*sub, sub_len, z_sub, std::max(min_rate, 0.25 / double(obs_len)), true)))
        found(obs, obs_len, z, min_rate, false);
    return r;
}

std::vector<double> product_phase_sum::phase_se() const
{
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> se(d_n, 0.0);
    for (int c = 1; c < d_n; ++c) {
        const double m2 = std::norm(d_s1[c]);
        if (d_count < 2 || !(m2 > 0.0) || !std::isfinite(m2)) {
            se[c] = inf;
            continue;
        }
        // sum Im(p e^{-j phi})^2 = (sum |p|^2 - Re(sum p^2 e^{-2j phi})) / 2
        const cdouble rot2 = std::conj(d_s1[c] * d_s1[c]) / m2;
        const double q = std::max(0.0, 0.5 * (d_sa[c] - std::real(d_s2[c] * rot2)));
        const double K = double(d_count);
        const double v = K / (K - 1.0) * q / m2;
        se[c] = std::isfinite(v) ? std::sqrt(v) : inf;
    }
    return se;
}

} // namespace core
} // namespace isac
} // namespace gr
