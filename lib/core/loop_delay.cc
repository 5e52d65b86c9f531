/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/loop_delay.h>
#include <algorithm>
#include <cmath>
#include <sstream>

namespace gr {
namespace isac {
namespace core {

loop_delay_estimator::loop_delay_estimator(
    int n_tx, int n_rx, int max_delay, long n_avg, double min_peak_db)
    : d_ntx(n_tx),
      d_nrx(n_rx),
      d_max(max_delay),
      d_navg(n_avg),
      d_min_peak_db(min_peak_db)
{
    check_int_range("n_tx", n_tx, 1, max_antennas);
    check_int_range("n_rx", n_rx, 1, max_antennas);
    check_int_range("max_delay", max_delay, 4, 65536);
    check_int_range("n_avg", n_avg, 16, 1L << 40);
    if (!(std::isfinite(min_peak_db) && min_peak_db >= 0.0 && min_peak_db <= 100.0)) {
        std::ostringstream s;
        s << min_peak_db;
        throw_param("min_peak_db", s.str(), "[0, 100] dB");
    }
    d_hist.assign(size_t(max_delay) * n_tx, cfloat(0.0f, 0.0f));
    restart();
}

void loop_delay_estimator::restart()
{
    d_C.assign(d_max + 1, cmat::Zero(d_nrx, d_ntx));
    d_sum_x = cvec::Zero(d_ntx);
    d_sum_r = cvec::Zero(d_nrx);
    d_count = 0;
    // a pending sub-block belongs to the dropped estimate: the history keeps
    // only the last max_delay snapshots
    const size_t keep = size_t(d_max) * d_ntx;
    if (d_hist.size() > keep)
        d_hist.erase(d_hist.begin(), d_hist.end() - keep);
    d_rpend.clear();
}

bool loop_delay_estimator::process(const cfloat* x, const cfloat* r, long n)
{
    bool done = false;
    // The float products are summed in sub-blocks of `block` snapshots that start
    // at multiples of `block` of the estimate (d_count), not at this call's start:
    // the estimate (and the delay lines set from it) is then the same to the bit
    // whatever the call sizes. Rows of a sub-block this call leaves incomplete
    // wait for the next one: their r rows in d_rpend, their x rows at the end of
    // the history.
    constexpr long block = 256;
    const long p = long(d_rpend.size()) / d_nrx; // pending rows, first in this call
    const long n2 = p + n;
    const long H = d_max; // [history (H + p snapshots) | this call's x]: lag k of
                          // row t (pending rows first) is row H + t - k
    std::vector<cfloat> buf(size_t(H + n2) * d_ntx);
    std::copy(d_hist.begin(), d_hist.end(), buf.begin());
    std::copy(x, x + size_t(n) * d_ntx, buf.begin() + size_t(H + p) * d_ntx);
    auto finite_row = [](const cfloat* q, int m) {
        for (int i = 0; i < m; ++i)
            if (!std::isfinite(q[i].real()) || !std::isfinite(q[i].imag()))
                return false;
        return true;
    };
    // a non-finite snapshot becomes zeros (it then adds nothing to any lag)
    for (long t = p; t < n2; ++t) {
        cfloat* q = buf.data() + size_t(H + t) * d_ntx;
        if (!finite_row(q, d_ntx))
            std::fill(q, q + d_ntx, cfloat(0.0f, 0.0f));
    }
    std::vector<cfloat> rbuf;
    const cfloat* rr = r;
    if (p > 0) {
        rbuf.resize(size_t(n2) * d_nrx);
        std::copy(d_rpend.begin(), d_rpend.end(), rbuf.begin());
        std::copy(r, r + size_t(n) * d_nrx, rbuf.begin() + size_t(p) * d_nrx);
        rr = rbuf.data();
    }

    long t = 0;
    while (t < n2) {
        // the rows to the end of this sub-block (the estimate's last one may be short)
        const long m = std::min(block - d_count % block, d_navg - d_count);
        if (n2 - t < m)
            break; // incomplete: the next call completes it
        Eigen::MatrixXcf R(m, d_nrx);
        bool any = false;
        for (long i = 0; i < m; ++i) {
            const cfloat* ri = rr + size_t(t + i) * d_nrx;
            if (finite_row(ri, d_nrx)) {
                for (int c = 0; c < d_nrx; ++c)
                    R(i, c) = ri[c];
                any = true;
            } else {
                R.row(i).setZero();
            }
        }
        if (any) {
            for (int k = 0; k <= d_max; ++k) {
                const cfloat* x0 = buf.data() + size_t(H + t - k) * d_ntx;
                Eigen::Map<
                    const Eigen::
                        Matrix<cfloat, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
                    X(x0, m, d_ntx);
                d_C[k] += (R.transpose() * X.conjugate()).cast<cdouble>();
            }
            d_sum_r += R.colwise().sum().transpose().cast<cdouble>();
            Eigen::Map<
                const Eigen::
                    Matrix<cfloat, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
                X0(buf.data() + size_t(H + t) * d_ntx, m, d_ntx);
            d_sum_x += X0.colwise().sum().transpose().cast<cdouble>();
        }
        d_count += m;
        t += m;
        if (d_count >= d_navg) {
            const double N = double(d_count);
            std::vector<cmat> Cc(d_C.size());
            const cmat mean_part = (d_sum_r / N) * (d_sum_x / N).adjoint() * N;
            for (size_t k = 0; k < d_C.size(); ++k)
                Cc[k] = d_C[k] - mean_part;
            d_result = fit(Cc, d_min_peak_db);
            d_result.snapshots = uint64_t(d_count);
            // t > p: a sub-block that ended among the pending rows was summed by
            // the previous call
            if (!done)
                d_done_at = t - p;
            done = true;
            restart(); // nothing pending; the history is reassigned below
        }
    }
    // the rows t.. wait; the history keeps their x and the H snapshots before them
    d_rpend.assign(rr + size_t(t) * d_nrx, rr + size_t(n2) * d_nrx);
    d_hist.assign(buf.begin() + size_t(t) * d_ntx, buf.end());
    return done;
}

loop_delay_result loop_delay_estimator::fit(const std::vector<cmat>& C,
                                            double min_peak_db)
{
    loop_delay_result res;
    const int K = int(C.size());
    if (K < 5)
        throw param_error("loop_delay_estimator::fit: needs at least 5 lags");
    std::vector<double> E(K);
    for (int k = 0; k < K; ++k)
        E[k] = C[k].squaredNorm();
    const int k0 = int(std::max_element(E.begin(), E.end()) - E.begin());
    res.peak_lag = k0;
    const double Ep = E[k0];
    res.profile.resize(K);
    for (int k = 0; k < K; ++k)
        res.profile[k] = Ep > 0.0 ? E[k] / Ep : 0.0;
    // detection margin: the peak against the median of the lags away from it
    std::vector<double> far;
    for (int k = 0; k < K; ++k)
        if (std::abs(k - k0) > 3)
            far.push_back(E[k]);
    double floor = 0.0;
    if (!far.empty()) {
        std::nth_element(far.begin(), far.begin() + far.size() / 2, far.end());
        floor = far[far.size() / 2];
    }
    res.peak_db = (floor > 0.0 && Ep > 0.0) ? 10.0 * std::log10(Ep / floor)
                                            : (Ep > 0.0 ? 300.0 : 0.0);
    if (!(Ep > 0.0))
        return res;

    // projections onto the peak lag: one real kernel shifted by d
    const double nrm = std::sqrt(Ep);
    const int W = 12;
    const int lo = std::max(0, k0 - W), hi = std::min(K - 1, k0 + W);
    std::vector<cdouble> p;
    for (int k = lo; k <= hi; ++k)
        p.push_back((C[k0].array().conjugate() * C[k].array()).sum() / nrm);
    // phase of the DTFT around k0: arg P(nu) = -2 pi nu (d - k0) + const
    const int nnu = 61;
    std::vector<cdouble> ph(size_t(nnu) * p.size());
    for (int i = 0; i < nnu; ++i) {
        const double nu = -0.3 + 0.6 * double(i) / double(nnu - 1);
        for (size_t j = 0; j < p.size(); ++j) {
            const double kk = double(lo + int(j) - k0);
            ph[size_t(i) * p.size() + j] =
                cdouble(std::cos(-2.0 * pi * nu * kk), std::sin(-2.0 * pi * nu * kk));
        }
    }
    auto slope = [&](const std::vector<cdouble>& q) {
        double sw = 0.0, swx = 0.0, swy = 0.0, swxx = 0.0, swxy = 0.0;
        for (int i = 0; i < nnu; ++i) {
            const double nu = -0.3 + 0.6 * double(i) / double(nnu - 1);
            cdouble P(0.0, 0.0);
            for (size_t j = 0; j < q.size(); ++j)
                P += q[j] * ph[size_t(i) * q.size() + j];
            const double w = std::norm(P);
            const double y = std::arg(P); // |slope| < pi across the band for |d - k0| < 1
            sw += w;
            swx += w * nu;
            swy += w * y;
            swxx += w * nu * nu;
            swxy += w * nu * y;
        }
        const double den = sw * swxx - swx * swx;
        return den > 0.0 ? -(sw * swxy - swx * swy) / den / (2.0 * pi) : 0.0;
    };
    double frac_shift = slope(p);
    // the standard error (header): noise per entry from the far lags' median
    // (the median of a Gamma(M, s2) is about M s2 (1 - 1 / 9M)^3, M entries)
    // Its lags are those outside the fit's window where there are enough of
    // them: the kernel's sidelobes reach the margin's far lags and would
    // inflate a strong echo's noise.
    std::vector<double> out;
    for (int k = 0; k < K; ++k)
        if (k < lo || k > hi)
            out.push_back(E[k]);
    double noise = floor;
    if (out.size() >= 8) {
        std::nth_element(out.begin(), out.begin() + out.size() / 2, out.end());
        noise = out[out.size() / 2];
    }
    const double M = double(C[k0].size());
    const double s2 = noise / (M * std::pow(1.0 - 1.0 / (9.0 * M), 3));
    double g2 = 0.0;
    const double h = 1e-4 * nrm;
    std::vector<cdouble> q = p;
    for (size_t j = 0; j < p.size(); ++j) {
        for (const cdouble e : { cdouble(h, 0.0), cdouble(0.0, h) }) {
            q[j] = p[j] + e;
            const double up = slope(q);
            q[j] = p[j] - e;
            const double dn = slope(q);
            q[j] = p[j];
            g2 += std::pow((up - dn) / (2.0 * h), 2);
        }
    }
    res.delay_se = std::sqrt(0.5 * s2 * g2);
    frac_shift = std::max(-1.0, std::min(1.0, frac_shift));
    double d = std::max(0.0, double(k0) + frac_shift);
    res.delay = d;
    res.integer = long(std::floor(d));
    res.fractional = d - std::floor(d);
    // a peak on the last lag may be a longer delay seen through its sidelobe
    res.valid = res.peak_db >= min_peak_db && k0 < K - 1;
    return res;
}

} // namespace core
} // namespace isac
} // namespace gr
