/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/frame.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/tdd_csi.h>
#include <algorithm>
#include <cmath>
#include <string>

namespace gr {
namespace isac {
namespace core {

void tdd_csi_params::validate() const
{
    check_int_range("n_tx", n_tx, 1, max_antennas);
    check_int_range("n_users", n_users, 1, max_users);
    int order = 1;
    while (order < n_users)
        order *= 2;
    if (uplink_len < 1 || uplink_len % order || uplink_len > frame_max_len)
        throw_param("uplink_len",
                    std::to_string(uplink_len),
                    "a multiple of " + std::to_string(order) +
                        " (n_users rounded up to a power of two) up to " +
                        std::to_string(frame_max_len));
    if (uplink_period < uint64_t(uplink_len) || uplink_period > (uint64_t(1) << 40))
        throw_param("uplink_period",
                    std::to_string(uplink_period),
                    "[uplink_len, 2^40] snapshots");
    if (uplink_offset > (uint64_t(1) << 62))
        throw_param("uplink_offset", std::to_string(uplink_offset), "[0, 2^62]");
    if (pilot_seed == 0)
        throw_param("pilot_seed", "0", "> 0");
    check_int_range("ref_user", ref_user, -1, n_users - 1);
    check_int_range("memory", memory, 1, 1 << 20);
}

tdd_csi_estimator::tdd_csi_estimator(const tdd_csi_params& p)
    : d_p((p.validate(), p)), d_ref(p.n_tx, p.memory)
{
    d_p.validate();
    d_P = orthogonal_pilots(d_p.n_users, d_p.uplink_len, d_p.pilot_seed).cast<cdouble>();
    d_Z = cmat::Zero(d_p.n_tx, d_p.uplink_len);
    reset();
}

void tdd_csi_estimator::reset()
{
    d_ul.assign(size_t(d_p.n_users), csi_tracker(d_p.n_tx, d_p.memory));
    d_ref.reset();
    d_have_ref = false;
    d_fill = 0;
    d_slot_ok = false;
    d_noise.assign(size_t(d_p.n_tx), 0.0);
    d_energy.assign(size_t(d_p.n_users), 0.0);
    d_energy_n.assign(size_t(d_p.n_users), 0);
    d_slots = d_bad = d_last_end = d_ref_rows = 0;
}

int tdd_csi_estimator::process(const cfloat* const* in, long n, uint64_t pos0)
{
    const uint64_t P = d_p.uplink_period, L = uint64_t(d_p.uplink_len);
    int done = 0;
    long i = 0;
    if (pos0 < d_p.uplink_offset)
        i = long(std::min<uint64_t>(uint64_t(n), d_p.uplink_offset - pos0));
    while (i < n) {
        const uint64_t pos = pos0 + uint64_t(i);
        const uint64_t k = (pos - d_p.uplink_offset) % P;
        if (k >= L) { // skip to the next slot
            i += long(std::min<uint64_t>(P - k, uint64_t(n - i)));
            continue;
        }
        if (k == 0) {
            d_fill = 0;
            d_slot_ok = true;
            d_slot_start = pos;
        }
        if (uint64_t(d_fill) != k) // entered the slot midway
            d_slot_ok = false;
        const long m = long(std::min<uint64_t>(L - k, uint64_t(n - i)));
        for (int c = 0; c < d_p.n_tx; ++c) {
            const cfloat* s = in[c] + i;
            for (long j = 0; j < m; ++j) {
                const cfloat v = s[j];
                if (!(std::isfinite(v.real()) && std::isfinite(v.imag()))) {
                    d_slot_ok = false;
                    continue;
                }
                d_Z(c, long(k) + j) = cdouble(v);
            }
        }
        d_fill = long(k) + m;
        i += m;
        if (uint64_t(d_fill) == L) {
            if (d_slot_ok) {
                finish_slot();
                ++done;
            } else {
                ++d_bad;
            }
            d_fill = 0;
            d_slot_ok = false;
        }
    }
    return done;
}

void tdd_csi_estimator::finish_slot()
{
    const int L = d_p.uplink_len, nu = d_p.n_users;
    const cmat H = ls_estimate(d_Z, d_P, 1.0); // n_tx x n_users
    const cmat R = d_Z - H * d_P;
    double mean_noise = 0.0;
    for (int k = 0; k < d_p.n_tx; ++k) {
        // the LS fit takes n_users of the L complex degrees of freedom (none
        // left with L = n_users: no noise estimate, the tracker then weighs
        // every slot alike)
        d_noise[size_t(k)] = L > nu ? R.row(k).squaredNorm() / double(L - nu) : 0.0;
        mean_noise += d_noise[size_t(k)] / d_p.n_tx;
    }
    const double e = mean_noise / d_P.row(0).squaredNorm(); // per entry, eq. LS
    for (int u = 0; u < nu; ++u)
        d_ul[size_t(u)].add(H.col(u), e);
    ++d_slots;
    d_last_end = d_slot_start + uint64_t(L);
}

void tdd_csi_estimator::add_reference_row(const cvec& g, double err_var)
{
    if (g.size() != d_p.n_tx)
        throw_param("row",
                    list_str(g.size(), "entry", "entries"),
                    "n_tx = " + std::to_string(d_p.n_tx) + " entries");
    if (!g.allFinite() || !(g.squaredNorm() > 0.0))
        throw_param("row", "non-finite or all-zero entries", "a finite, non-zero row");
    if (!(std::isfinite(err_var) && err_var >= 0.0))
        throw_param("err_var", std::to_string(err_var), "a finite value >= 0");
    d_ref.add(g, err_var);
    d_have_ref = true;
    ++d_ref_rows;
}

namespace {
// |kappa_n / kappa_0| bounds; kappa_0's own magnitude only kept from overflow
// (a calibration is defined up to a common factor: an un-normalised one, all
// t_n / r_n near 2e3 in other gain units, is valid)
constexpr double kappa_min_ratio = 1e-3, kappa_max_ratio = 1e3;
constexpr double kappa0_min_abs = 1e-15, kappa0_max_abs = 1e15;

// kappa_n = t_n / r_n is a ratio of two radio chains' gains: normalised to
// kappa_0 = 1 about 1 on real hardware (the chains of one array differ by a few
// dB). Far outside it is not a calibration: 1e38 scales its antenna's column of
// the published H to 1e38 (Inf in the c32 csi past 3.4e38), 1e-45 zeroes it,
// and a precoder would design on either. The reason it is not, empty when it is.
std::string kappa_out_of_bounds(const cvec& kappa)
{
    const double a0 = std::abs(kappa[0]);
    if (!(std::isfinite(kappa[0].real()) && std::isfinite(kappa[0].imag()) &&
          a0 >= kappa0_min_abs && a0 <= kappa0_max_abs))
        return "entry 0 of magnitude " + num_str(a0);
    for (Eigen::Index n = 1; n < kappa.size(); ++n) {
        const double a = std::abs(kappa[n]) / a0;
        if (!(std::isfinite(kappa[n].real()) && std::isfinite(kappa[n].imag()) &&
              a >= kappa_min_ratio && a <= kappa_max_ratio))
            return "entry " + std::to_string(n) + " with |kappa_n / kappa_0| " +
                   num_str(a);
    }
    return std::string();
}
} // namespace

void tdd_csi_estimator::set_kappa(const cvec& kappa)
{
    if (kappa.size() != d_p.n_tx)
        throw_param("kappa",
                    list_str(kappa.size(), "entry", "entries"),
                    "n_tx = " + std::to_string(d_p.n_tx) + " entries");
    const std::string why = kappa_out_of_bounds(kappa);
    if (!why.empty())
        throw_param("kappa",
                    why,
                    "finite entries with |kappa_n / kappa_0| in [1e-3, 1e3] (a "
                    "ratio of two chains' gains, up to a common factor) and "
                    "|kappa_0| in [1e-15, 1e15]");
    d_kappa_ext = kappa;
}

void tdd_csi_estimator::add_user_energy(int u, double energy)
{
    check_int_range("user", u, 0, d_p.n_users - 1);
    if (!(std::isfinite(energy) && energy > 0.0))
        throw_param("energy", std::to_string(energy), "a finite value > 0");
    int& k = d_energy_n[size_t(u)];
    k = std::min(k + 1, d_p.memory);
    d_energy[size_t(u)] += (energy - d_energy[size_t(u)]) / double(k);
}

void tdd_csi_estimator::clear_kappa() { d_kappa_ext.resize(0); }

void tdd_csi_estimator::take_calibration(const tdd_csi_estimator& o)
{
    if (o.d_p.n_tx != d_p.n_tx || o.d_p.n_users != d_p.n_users ||
        o.d_p.memory != d_p.memory || o.d_p.ref_user != d_p.ref_user)
        throw_param("calibration source", "other parameters", "this estimator's");
    d_ref = o.d_ref;
    d_have_ref = o.d_have_ref;
    d_kappa_ext = o.d_kappa_ext;
    d_energy = o.d_energy;
    d_energy_n = o.d_energy_n;
    d_ref_rows = o.d_ref_rows;
}

cvec tdd_csi_estimator::kappa() const
{
    if (d_kappa_ext.size())
        return d_kappa_ext;
    const cvec k = own_kappa();
    // the reference user's uplink in a deep fade on one antenna (or a
    // reference row far off) gives a ratio no radio has: that antenna's
    // noise in every user's row would be scaled by it. Held to the bounds of
    // an external kappa: no kappa (no csi) until the estimates come back in them
    if (k.size() && !kappa_out_of_bounds(k).empty())
        return cvec();
    return k;
}

std::string tdd_csi_estimator::own_kappa_out_of_bounds() const
{
    if (d_kappa_ext.size())
        return std::string();
    const cvec k = own_kappa();
    return k.size() ? kappa_out_of_bounds(k) : std::string();
}

cvec tdd_csi_estimator::own_kappa() const
{
    if (d_p.ref_user < 0 || !d_have_ref || d_ul[size_t(d_p.ref_user)].count() == 0)
        return cvec();
    const cvec& h = d_ul[size_t(d_p.ref_user)].mean();
    const cvec& g = d_ref.mean();
    cvec k(d_p.n_tx);
    for (int n = 0; n < d_p.n_tx; ++n) {
        if (!(std::abs(h[n]) > 0.0))
            return cvec();
        k[n] = g[n] / h[n];
    }
    return k;
}

bool tdd_csi_estimator::ready() const
{
    if (kappa().size() == 0)
        return false;
    for (const auto& t : d_ul)
        if (t.count() == 0)
            return false;
    return true;
}

cmat tdd_csi_estimator::uplink() const
{
    cmat H = cmat::Zero(d_p.n_tx, d_p.n_users);
    for (int u = 0; u < d_p.n_users; ++u)
        if (d_ul[size_t(u)].count())
            H.col(u) = d_ul[size_t(u)].mean();
    return H;
}

double tdd_csi_estimator::uplink_nmse(int u) const
{
    check_int_range("u", u, 0, d_p.n_users - 1);
    const auto& t = d_ul[size_t(u)];
    const double p = t.count() ? t.mean().squaredNorm() / d_p.n_tx : 0.0;
    return p > 0.0 ? t.err_var() / p : std::numeric_limits<double>::infinity();
}

cmat tdd_csi_estimator::downlink() const
{
    const cvec k = kappa();
    cmat D = cmat::Zero(d_p.n_users, d_p.n_tx);
    if (k.size() == 0)
        return D;
    for (int u = 0; u < d_p.n_users; ++u) {
        if (!d_ul[size_t(u)].count())
            continue;
        D.row(u) = (k.array() * d_ul[size_t(u)].mean().array()).transpose();
        const double e = D.row(u).squaredNorm();
        if (u != d_p.ref_user && d_energy_n[size_t(u)] > 0 && e > 0.0)
            D.row(u) *= std::sqrt(d_energy[size_t(u)] / e);
        const cdouble d0 = D(u, 0);
        if (std::abs(d0) > 0.0)
            D.row(u) *= std::conj(d0) / std::abs(d0);
    }
    return D;
}

} // namespace core
} // namespace isac
} // namespace gr
