/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "clones.h"
#include <gnuradio/isac/core/frontend.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/steering.h>
#include <gnuradio/isac/core/tx_phase.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace gr {
namespace isac {
namespace core {

namespace {
/*
 * c[m] = sum_i y[i] conj(x[m + i]), m = 0 .. M-1, i = 0 .. B-1, on split real and
 * imaginary parts: all lags at once, the lags in the vector lanes (a dot product
 * call per lag spent most of its time in the call for B = 32).
 */
ISAC_CLONES void correlate_lags(const float* __restrict xr,
                                const float* __restrict xi,
                                const cfloat* y,
                                int B,
                                int M,
                                float* __restrict cr,
                                float* __restrict ci)
{
    // blocks of 256 lags keep the sums in L1 while the B terms sweep over them
    for (int m0 = 0; m0 < M; m0 += 256) {
        const int L = std::min(256, M - m0);
        float* a = cr + m0;
        float* b = ci + m0;
        for (int m = 0; m < L; ++m) {
            a[m] = 0.0f;
            b[m] = 0.0f;
        }
        int i = 0;
        for (; i + 4 <= B; i += 4) { // four terms per pass over the sums
            const float r0 = y[i].real(), q0 = y[i].imag();
            const float r1 = y[i + 1].real(), q1 = y[i + 1].imag();
            const float r2 = y[i + 2].real(), q2 = y[i + 2].imag();
            const float r3 = y[i + 3].real(), q3 = y[i + 3].imag();
            const float* pr = xr + m0 + i;
            const float* pq = xi + m0 + i;
            for (int m = 0; m < L; ++m) {
                a[m] += (r0 * pr[m] + q0 * pq[m]) + (r1 * pr[m + 1] + q1 * pq[m + 1]) +
                        (r2 * pr[m + 2] + q2 * pq[m + 2]) +
                        (r3 * pr[m + 3] + q3 * pq[m + 3]);
                b[m] += (q0 * pr[m] - r0 * pq[m]) + (q1 * pr[m + 1] - r1 * pq[m + 1]) +
                        (q2 * pr[m + 2] - r2 * pq[m + 2]) +
                        (q3 * pr[m + 3] - r3 * pq[m + 3]);
            }
        }
        for (; i < B; ++i) {
            const float yr = y[i].real(), yi = y[i].imag();
            const float* pr = xr + m0 + i;
            const float* pq = xi + m0 + i;
            for (int m = 0; m < L; ++m) {
                a[m] += yr * pr[m] + yi * pq[m];
                b[m] += yi * pr[m] - yr * pq[m];
            }
        }
    }
}
} // namespace

tx_phase_estimator::tx_phase_estimator(int n_tx,
                                       double ref_rad,
                                       double spacing,
                                       int max_lag,
                                       long n_avg,
                                       int block_len,
                                       double min_score)
    : d_ntx(n_tx), d_max(max_lag), d_navg(n_avg), d_B(block_len), d_min_score(min_score)
{
    check_int_range("n_tx", n_tx, 1, max_antennas);
    check_int_range("max_lag", max_lag, 0, 65536);
    // >= 6: the fit's validity test asks for 10 times what the blocks' own
    // rotations (one per block_len snapshots) explain of noise alone, 5 /
    // block_len of y's power: at 5 or less no estimate could ever pass
    check_int_range("block_len", block_len, std::max(2 * n_tx, 6), 1 << 20);
    check_int_range("n_avg", n_avg, block_len, 1L << 40);
    if (!(std::isfinite(min_score) && min_score >= 0.0)) {
        std::ostringstream s;
        s << min_score;
        throw_param("min_score", s.str(), "a finite value >= 0");
    }
    if (!(std::isfinite(ref_rad) && std::abs(ref_rad) <= pi / 2 + 1e-12)) {
        std::ostringstream s;
        s << rad2deg(ref_rad);
        throw_param("ref_deg", s.str(), "[-90, 90] degrees");
    }
    array_convention c;
    c.spacing = spacing;
    c.validate();
    const cvec a = ula_steering(n_tx, ref_rad, c);
    d_geom = a * std::conj(a[0]);
    restart();
}

void tx_phase_estimator::restart()
{
    d_phase = d_max > 0 ? 0 : 1;
    d_lag = 0;
    d_lag_peak_db = 0.0;
    d_lag_score = 0.0;
    d_count = 0;
    d_E.assign(d_max + 1, 0.0);
    d_Q = cmat::Zero(d_ntx, d_ntx);
    d_A = cmat::Zero(d_ntx, d_ntx);
    d_Y = 0.0;
    d_v.clear();
    d_Ab.clear();
    d_x2.clear();
    d_y2.clear();
    d_xf.clear();
    d_xh.assign(size_t(d_max + d_B) * d_ntx, cfloat(0.0f, 0.0f));
    d_yb.assign(d_B, cfloat(0.0f, 0.0f));
    d_blk = 0;
}

void tx_phase_estimator::set_lag(long lag)
{
    check_int_range("lag", lag, 0, d_max);
    d_lag = lag;
    d_phase = 1;
    d_count = 0;
    d_span = 0;
    d_Q = cmat::Zero(d_ntx, d_ntx);
    d_A = cmat::Zero(d_ntx, d_ntx);
    d_Y = 0.0;
    d_v.clear();
    d_Ab.clear();
    d_x2.clear();
    d_y2.clear();
    d_xf.clear();
}

void tx_phase_estimator::form_regressor(double mu)
{
    // x_mu(t) = x(t - k* - mu), band-limited: the emulator's delay kernel (a
    // real receiver's sampling instant between snapshots interpolates x the
    // same way). Only the observations whose kernel lies inside the stretch
    // for every mu in [-1, 1] enter the fit: a truncated regressor would bias
    // it, and the search compares residuals over the same observations.
    // frac_taps is 32, not 16: against a longer reference kernel the 16-tap
    // one's response near Nyquist, where a white payload has power, left phase
    // errors 1.24 times their SE (docs/ota.md).
    const int nt = d_ntx;
    const long N = long(d_y2.size());
    mu = std::clamp(mu, -1.0, 1.0);
    d_mu = mu;
    d_lo = std::min(N, long(frac_taps / 2 + 1));
    d_hi = std::max(d_lo, N - long(frac_taps / 2 + 1));
    if (mu == 0.0) {
        d_xf = d_x2;
    } else {
        constexpr int P = frac_taps; // keeps the kernel's delay positive
        int kf = 0;
        const auto w = fractional_delay::kernel(mu + P, frac_taps, frac_beta, kf);
        // x2 offset of w[0]: x_mu(t) = sum_j w[j] x2(t - first - j), and
        // t - first - j stays in [0, N) for t in [d_lo, d_hi)
        const long first = long(std::floor(mu + P)) - P + kf;
        d_xf.assign(size_t(N) * nt, cfloat(0.0f, 0.0f));
        for (long t = d_lo; t < d_hi; ++t) {
            cfloat* o = d_xf.data() + size_t(t) * nt;
            for (size_t j = 0; j < w.size(); ++j) {
                const cfloat* xi = d_x2.data() + size_t(t - first - long(j)) * nt;
                const float wj = float(w[j]);
                for (int n = 0; n < nt; ++n)
                    o[n] += wj * xi[n];
            }
        }
    }
    d_A = cmat::Zero(nt, nt);
    d_Y = 0.0;
    const long nblk = N / d_B;
    d_Ab.assign(size_t(nblk), cmat::Zero(nt, nt));
    for (long t = d_lo; t < d_hi; ++t) {
        const cfloat* xr = d_xf.data() + size_t(t) * nt;
        cmat& Ab = d_Ab[size_t(t / d_B)];
        d_Y += std::norm(cdouble(d_y2[size_t(t)]));
        for (int n = 0; n < nt; ++n) {
            const cdouble xn(xr[n]);
            for (int m = 0; m <= n; ++m)
                Ab(n, m) += std::conj(xn) * cdouble(xr[m]);
        }
    }
    for (const auto& Ab : d_Ab)
        d_A += Ab;
}

void tx_phase_estimator::form_v(double f)
{
    const int nt = d_ntx;
    const long nblk = long(d_y2.size()) / d_B;
    d_Q = cmat::Zero(nt, nt);
    d_v.assign(size_t(nblk), cvec::Zero(nt));
    for (long t = d_lo; t < d_hi; ++t) {
        const double cyc = f * double(t);
        const cdouble yi = cdouble(d_y2[size_t(t)]) *
                           std::polar(1.0, -2.0 * pi * (cyc - std::floor(cyc)));
        cvec& v = d_v[size_t(t / d_B)];
        const cfloat* xr = d_xf.data() + size_t(t) * nt;
        for (int n = 0; n < nt; ++n)
            v[n] += std::conj(cdouble(xr[n])) * yi;
    }
    for (const auto& v : d_v)
        d_Q += v * v.adjoint();
}

double tx_phase_estimator::fit_fraction(double f)
{
    // The reference receiver samples between the snapshots (a timing offset
    // of k* + mu): against x at k* alone its y holds the neighbours' share
    // through the delay kernel. White x turns that share into noise; the
    // frames' known sections are not white, and the share then leans
    // differently on each direction of x, which biases the phases (a few
    // degrees at mu = 0.1 where a precoder leaves a direction to the known
    // sections). mu: the least residual of the fit over a grid of 1/8 on
    // [-1, 1] (the lag search's k* is within a sample of the truth), then a
    // golden-section search within the best grid step.
    auto rss_at = [&](double mu) {
        form_regressor(mu);
        form_v(f);
        double cond = 0.0;
        const cvec b = solve_gains(cond);
        const double r = b.allFinite() ? residual(b) : 0.0;
        return std::isfinite(r) ? r : std::numeric_limits<double>::infinity();
    };
    double best = 0.0, rbest = rss_at(0.0);
    for (int j = -8; j <= 8; ++j) {
        const double mu = j / 8.0;
        if (j == 0)
            continue;
        const double r = rss_at(mu);
        if (r < rbest) {
            rbest = r;
            best = mu;
        }
    }
    const double g = 0.5 * (std::sqrt(5.0) - 1.0);
    double a = std::max(-1.0, best - 0.125), b = std::min(1.0, best + 0.125);
    double c = b - g * (b - a), d = a + g * (b - a);
    double rc = rss_at(c), rd = rss_at(d);
    for (int it = 0; it < 14; ++it) { // 0.25 g^14: within 3e-4 samples
        if (rc < rd) {
            b = d;
            d = c;
            rd = rc;
            c = b - g * (b - a);
            rc = rss_at(c);
        } else {
            a = c;
            c = d;
            rc = rd;
            d = a + g * (b - a);
            rd = rss_at(d);
        }
    }
    const double mu_s = rc < rd ? c : d;
    if (std::min(rc, rd) < rbest)
        best = mu_s;
    form_regressor(best);
    form_v(f);
    return best;
}

cvec tx_phase_estimator::solve_gains(double& condition_db) const
{
    // b maximises sum_blocks |v^H b|^2 / (b^H A b): the principal generalised
    // eigenvector of (Q, A). Noise adds s2 A to Q and so shifts every
    // eigenvalue equally: the eigenvector stays unbiased.
    const int nt = d_ntx;
    cmat A = d_A.selfadjointView<Eigen::Lower>();
    const double tr = A.diagonal().real().sum();
    condition_db = 300.0;
    if (!(tr > 0.0))
        return cvec::Zero(nt);
    // how well x excited every transmit channel: a direction x never takes
    // leaves its part of b to the noise
    Eigen::SelfAdjointEigenSolver<cmat> ea(A, Eigen::EigenvaluesOnly);
    const double lmin = ea.eigenvalues()[0], lmax = ea.eigenvalues()[nt - 1];
    condition_db = lmin > 0.0 ? 10.0 * std::log10(lmax / lmin) : 300.0;
    A.diagonal().array() += 1e-12 * tr / nt; // keep A positive definite
    Eigen::LLT<cmat> llt(A);
    const cmat L = llt.matrixL();
    const cmat Li = L.triangularView<Eigen::Lower>().solve(cmat::Identity(nt, nt));
    const cmat M = Li * d_Q * Li.adjoint();
    Eigen::SelfAdjointEigenSolver<cmat> es(M);
    cvec b = Li.adjoint() * es.eigenvectors().col(nt - 1); // eigenvalues ascending
    // The eigenvector weighs blocks by their energy, which biases it when the
    // blocks differ (a frame's known section against its payload). From it,
    // alternate the two least-squares steps of y_blk = e^{j theta} X_blk b:
    // theta_blk = arg(b^H v_blk), then b = A^{-1} sum e^{-j theta_blk} v_blk.
    for (int it = 0; it < 50; ++it) {
        cvec s = cvec::Zero(nt);
        for (const auto& v : d_v) {
            const cdouble c = b.dot(v); // b^H v
            const double a = std::abs(c);
            if (a > 0.0)
                s += (std::conj(c) / a) * v;
        }
        const cvec nb = llt.solve(s);
        const double change = (nb * std::conj(nb[0] / std::abs(nb[0])) -
                               b * std::conj(b[0] / std::abs(b[0])))
                                  .norm() /
                              std::max(1e-300, nb.norm());
        b = nb;
        if (!(change > 1e-9))
            break;
    }
    return b;
}

double tx_phase_estimator::remove_cfo()
{
    // One rotation per block absorbs a CFO only while it turns little within a
    // block: a free-running receiver (10 ppm at 2.45 GHz and 1 MS/s: 0.0245
    // cycles per snapshot, 0.78 cycles over a block of 32) turns so far that
    // the blocks' sums lose most of their power and the fit skews the phases
    // of the channels whose pilots sit early or late in the block. The CFO f
    // is one number. Coarse: the f of a grid (step 1 / (4 block_len), the
    // whole (-1/2, 1/2]) whose derotated blocks keep the most energy,
    // sum ||X_blk^H y_blk e^{-j 2 pi f t}||^2 (the lag search's statistic; at
    // half a step from the truth it loses 3 %). Fine: from the fit b on the
    // derotated blocks, z(t) = y(t) e^{-j 2 pi f t} conj(x(t)^T b) turns at
    // the remaining offset, which the lag-B products of z give (within
    // 1 / (2 B) after the grid). Then v is formed again on y e^{-j 2 pi f t};
    // X^H X does not change.
    // (x here is the regressor d_xf, over the observations d_lo .. d_hi)
    const int nt = d_ntx;
    const long N = long(d_y2.size());
    const long nblk = N / d_B;
    if (N < 2 * long(d_B) || nblk * d_B != N)
        return 0.0;
    auto derotated = [&](double f, long t) {
        const double cyc = f * double(t);
        return cdouble(d_y2[size_t(t)]) *
               std::polar(1.0, -2.0 * pi * (cyc - std::floor(cyc)));
    };
    const int M = 4 * d_B;
    double best = -1.0, f = 0.0;
    for (int j = 0; j < M; ++j) {
        const double fj = double(j - M / 2) / double(M);
        // within a block the rotation from the block's start suffices (each
        // block's own phase is free)
        const cdouble step = std::polar(1.0, -2.0 * pi * fj);
        double e = 0.0;
        for (long blk = 0; blk < nblk; ++blk) {
            cvec v = cvec::Zero(nt);
            cdouble w = 1.0;
            for (int i = 0; i < d_B; ++i) {
                const long t = blk * d_B + i;
                if (t >= d_lo && t < d_hi) {
                    const cdouble yi = cdouble(d_y2[size_t(t)]) * w;
                    for (int n = 0; n < nt; ++n)
                        v[n] += std::conj(cdouble(d_xf[size_t(t) * nt + n])) * yi;
                }
                w *= step;
            }
            e += v.squaredNorm();
        }
        if (e > best) {
            best = e;
            f = fj;
        }
    }
    if (!(best > 0.0))
        return 0.0;
    form_v(f);
    double cond = 0.0;
    const cvec b = solve_gains(cond);
    if (b.allFinite() && b.norm() > 0.0) {
        cdouble rB = 0.0;
        std::vector<cdouble> z(static_cast<size_t>(N));
        for (long t = d_lo; t < d_hi; ++t) {
            cdouble st = 0.0;
            for (int n = 0; n < nt; ++n)
                st += cdouble(d_xf[size_t(t) * nt + n]) * b[n];
            z[size_t(t)] = derotated(f, t) * std::conj(st);
            if (t >= d_lo + d_B)
                rB += z[size_t(t)] * std::conj(z[size_t(t - d_B)]);
        }
        if (std::abs(rB) > 0.0 && std::isfinite(std::abs(rB))) {
            f += std::arg(rB) / (2.0 * pi * double(d_B));
            form_v(f);
        }
    }
    return f;
}

std::vector<cdouble> tx_phase_estimator::regressor_derivative() const
{
    // d x_mu / d mu over [d_lo, d_hi), from the kernels at mu -+ h: both lie
    // within the margins d_lo and d_hi keep for |mu| <= 1
    const int nt = d_ntx;
    const long N = long(d_y2.size());
    const double h = 1e-3;
    constexpr int P = frac_taps;
    std::vector<cdouble> xd(size_t(N) * nt, cdouble(0.0));
    const double lo = std::max(-1.0, d_mu - h), hi = std::min(1.0, d_mu + h);
    for (const double sgn : { -1.0, 1.0 }) {
        const double m = sgn > 0.0 ? hi : lo;
        const double scale = sgn / (hi - lo);
        int kf = 0;
        const auto w = fractional_delay::kernel(m + P, frac_taps, frac_beta, kf);
        const long first = long(std::floor(m + P)) - P + kf;
        for (long t = d_lo; t < d_hi; ++t) {
            cdouble* o = xd.data() + size_t(t) * nt;
            for (size_t j = 0; j < w.size(); ++j) {
                const cfloat* xi = d_x2.data() + size_t(t - first - long(j)) * nt;
                const double wj = scale * w[j];
                for (int n = 0; n < nt; ++n)
                    o[n] += wj * cdouble(xi[n]);
            }
        }
    }
    return xd;
}

long tx_phase_estimator::blocks_used() const
{
    const long first = d_lo / d_B, last = (d_hi - 1) / d_B;
    return d_hi > d_lo ? last - first + 1 : 0;
}

double tx_phase_estimator::residual(const cvec& b) const
{
    const cmat A = d_A.selfadjointView<Eigen::Lower>();
    double fitted = 0.0;
    for (const auto& v : d_v)
        fitted += std::abs(b.dot(v));
    // sum |y - e^{j theta} X b|^2 at theta_blk = arg(b^H v_blk)
    return d_Y - 2.0 * fitted + (b.adjoint() * A * b)(0, 0).real();
}

std::vector<double> tx_phase_estimator::phase_se(const cvec& b) const
{
    const int nt = d_ntx;
    std::vector<double> se(nt, 0.0);
    const double inf = std::numeric_limits<double>::infinity();
    const double dof = double(d_hi - d_lo) - nt - 0.5 * double(blocks_used());
    const cmat A = d_A.selfadjointView<Eigen::Lower>();
    const double rss = residual(b);
    if (!(dof > 0.0) || !(std::abs(b[0]) > 0.0) || !b.allFinite()) {
        std::fill(se.begin() + 1, se.end(), inf);
        return se;
    }
    const double s2 = std::max(rss, 0.0) / dof;
    // the real form of a complex vector and matrix: [Re; Im], [[Re, -Im], [Im, Re]]
    auto real_vec = [nt](const cvec& w) {
        Eigen::VectorXd r(2 * nt);
        r << w.real(), w.imag();
        return r;
    };
    // The fitted fraction mu is one more parameter (last row and column): a
    // delay error leans on each direction of x differently, as mu left out
    // does. Its column: the model's derivative e^{j theta} X'_blk b, X' the
    // derivative of x_mu in mu (central difference of the kernel).
    const int P = 2 * nt + 1;
    Eigen::MatrixXd J = Eigen::MatrixXd::Zero(P, P);
    J.topLeftCorner(2 * nt, 2 * nt) << A.real(), -A.imag(), A.imag(), A.real();
    const long nblk = long(d_Ab.size());
    std::vector<cvec> gb(size_t(nblk), cvec::Zero(nt)); // X_blk^H X'_blk b
    std::vector<double> ub(size_t(nblk), 0.0);          // ||X'_blk b||^2
    const auto xd = regressor_derivative();
    for (long t = d_lo; t < d_hi && !xd.empty(); ++t) {
        const cdouble* dx = xd.data() + size_t(t) * nt;
        const cfloat* x = d_xf.data() + size_t(t) * nt;
        cdouble u = 0.0;
        for (int n = 0; n < nt; ++n)
            u += dx[n] * b[n];
        const long blk = t / d_B;
        for (int n = 0; n < nt; ++n)
            gb[size_t(blk)][n] += std::conj(cdouble(x[n])) * u;
        ub[size_t(blk)] += std::norm(u);
    }
    for (long blk = 0; blk < nblk; ++blk) {
        const cvec Ab = d_Ab[size_t(blk)].selfadjointView<Eigen::Lower>() * b;
        const double e = b.dot(Ab).real(); // b^H A_blk b
        Eigen::VectorXd cr = Eigen::VectorXd::Zero(P);
        cr.head(2 * nt) = real_vec(cdouble(0.0, 1.0) * Ab);
        cr[2 * nt] = b.dot(gb[size_t(blk)]).imag();
        Eigen::VectorXd gm = Eigen::VectorXd::Zero(P);
        gm.head(2 * nt) = real_vec(gb[size_t(blk)]);
        gm[2 * nt] = ub[size_t(blk)];
        J.col(2 * nt) += gm;
        J.row(2 * nt).head(2 * nt) += gm.head(2 * nt).transpose();
        if (e > 0.0)
            J -= cr * cr.transpose() / e;
    }
    if (!(J(2 * nt, 2 * nt) > 0.0)) // mu was not fitted or x does not move with it
        J(2 * nt, 2 * nt) = 1.0;
    // b's common phase, j b, is J's null direction: fill it (every gradient
    // below is orthogonal to it, so this is the pseudo-inverse on them)
    Eigen::VectorXd nb = Eigen::VectorXd::Zero(P);
    nb.head(2 * nt) = real_vec(cdouble(0.0, 1.0) * b).normalized();
    J += (J.topLeftCorner(2 * nt, 2 * nt).trace() / (2.0 * nt)) * nb * nb.transpose();
    Eigen::LDLT<Eigen::MatrixXd> ldlt(J);
    if (ldlt.info() != Eigen::Success) {
        std::fill(se.begin() + 1, se.end(), inf);
        return se;
    }
    for (int n = 1; n < nt; ++n) {
        if (!(std::abs(b[n]) > 0.0)) {
            se[n] = inf;
            continue;
        }
        // d psi_n = Im(db_n / b_n) - Im(db_0 / b_0) on [Re db; Im db]
        Eigen::VectorXd g = Eigen::VectorXd::Zero(P);
        const cdouble cn = 1.0 / b[n], c0 = 1.0 / b[0];
        g[n] = cn.imag();
        g[nt + n] = cn.real();
        g[0] = -c0.imag();
        g[nt] = -c0.real();
        const double q = g.dot(ldlt.solve(g));
        se[n] = q >= 0.0 && std::isfinite(q) ? std::sqrt(0.5 * s2 * q) : inf;
    }
    return se;
}

void tx_phase_estimator::finish_block()
{
    const int nt = d_ntx;
    auto xrow = [&](long i) { return d_xh.data() + size_t(i) * nt; };
    if (d_phase == 0) {
        // E_k += ||X_k^H y||^2 for every lag: max_lag + 1 correlations of one
        // block with the history, the search's whole cost. Per antenna the
        // history is contiguous: lag k is the window at d_max - k, and every
        // window of the block is correlated at once (float over the block's B
        // terms; the sum over blocks in double).
        const size_t len = size_t(d_max + d_B);
        const int M = d_max + 1;
        d_xa.resize(2 * len * nt);
        for (int n = 0; n < nt; ++n) {
            float* xr = d_xa.data() + 2 * size_t(n) * len;
            float* xi = xr + len;
            for (size_t j = 0; j < len; ++j) {
                xr[j] = d_xh[j * nt + n].real();
                xi[j] = d_xh[j * nt + n].imag();
            }
        }
        d_cr.resize(size_t(M));
        d_ci.resize(size_t(M));
        d_e.assign(size_t(M), 0.0);
        for (int n = 0; n < nt; ++n) {
            const float* xr = d_xa.data() + 2 * size_t(n) * len;
            correlate_lags(xr, xr + len, d_yb.data(), d_B, M, d_cr.data(), d_ci.data());
            for (int m = 0; m < M; ++m)
                d_e[size_t(m)] += std::norm(cdouble(d_cr[size_t(m)], d_ci[size_t(m)]));
        }
        for (int k = 0; k <= d_max; ++k)
            d_E[k] += d_e[size_t(d_max - k)];
    } else {
        // x at lag k* and y; the fit forms its regressor from them at the end
        for (int i = 0; i < d_B; ++i) {
            const cfloat* xr = xrow(d_max + i - d_lag);
            d_x2.insert(d_x2.end(), xr, xr + nt);
            d_y2.push_back(d_yb[i]);
        }
    }
    // Only snapshots that radiated count toward n_avg: a muted frame payload
    // (zero snapshots before a channel is known) adds nothing to E_k, v or
    // X^H X, so counting it would end the estimate on fewer useful snapshots
    // than the user asked for. In the gains phase the regressor is x at k*;
    // in the lag search k* is unknown and the current x stands for it.
    const long shift = d_phase == 0 ? 0 : d_lag;
    for (int i = 0; i < d_B; ++i) {
        const cfloat* xr = xrow(d_max + i - shift);
        if (std::any_of(xr, xr + nt, [](cfloat c) { return c != cfloat(0.0f, 0.0f); }))
            ++d_count;
    }
    // the last max_lag rows become the history of the next block
    std::copy(d_xh.begin() + size_t(d_B) * nt, d_xh.end(), d_xh.begin());
    d_blk = 0;
}

bool tx_phase_estimator::process(const cfloat* x, const cfloat* y, long n)
{
    bool done = false;
    const int nt = d_ntx;
    for (long t = 0; t < n; ++t) {
        cfloat* dst = d_xh.data() + size_t(d_max + d_blk) * nt;
        bool ok = std::isfinite(y[t].real()) && std::isfinite(y[t].imag());
        for (int k = 0; k < nt; ++k) {
            const cfloat v = x[size_t(t) * nt + k];
            ok = ok && std::isfinite(v.real()) && std::isfinite(v.imag());
            dst[k] = v;
        }
        if (!ok) { // a bad snapshot adds nothing (zero regressor and observation)
            std::fill(dst, dst + nt, cfloat(0.0f, 0.0f));
            d_yb[d_blk] = cfloat(0.0f, 0.0f);
        } else {
            d_yb[d_blk] = y[t];
        }
        if (d_phase == 1)
            ++d_span;
        if (++d_blk < d_B)
            continue;
        finish_block();
        if (d_count < d_navg)
            continue;
        if (d_phase == 0) {
            d_lag = long(std::max_element(d_E.begin(), d_E.end()) - d_E.begin());
            // E_k of the other lags is a sum of many non-coherent block
            // energies: its spread shrinks with the number of blocks while
            // the peak's excess stays, so detect on the excess over the
            // floor in units of the floor's spread (median and MAD)
            std::vector<double> far;
            for (int k = 0; k <= d_max; ++k)
                if (std::abs(k - d_lag) > 1)
                    far.push_back(d_E[k]);
            double floor = 0.0, spread = 0.0;
            if (far.size() >= 3) {
                std::nth_element(far.begin(), far.begin() + far.size() / 2, far.end());
                floor = far[far.size() / 2];
                std::vector<double> dev;
                for (double v : far)
                    dev.push_back(std::abs(v - floor));
                std::nth_element(dev.begin(), dev.begin() + dev.size() / 2, dev.end());
                spread = 1.4826 * dev[dev.size() / 2];
            }
            const double Ep = d_E[d_lag];
            d_lag_peak_db =
                floor > 0.0 ? 10.0 * std::log10(Ep / floor) : (Ep > 0 ? 300.0 : 0.0);
            d_lag_score = spread > 0.0 ? (Ep - floor) / spread : (Ep > floor ? 1e9 : 0.0);
            set_lag(d_lag);
            continue;
        }
        tx_phase_result r;
        r.lag = d_lag;
        r.lag_peak_db = d_lag_peak_db;
        r.lag_score = d_lag_score;
        r.snapshots = uint64_t(d_count);
        r.span = uint64_t(d_span);
        r.phases_rad.assign(nt, 0.0);
        r.gains_db.assign(nt, 0.0);
        // the CFO first at x's integer lag (the fraction costs its search
        // little), then the fraction with the CFO removed, then the CFO again
        // on the fractionally delayed x
        form_regressor(0.0);
        form_v(0.0);
        r.cfo = remove_cfo();
        r.frac_lag = fit_fraction(r.cfo);
        r.cfo = remove_cfo();
        const cvec b = solve_gains(r.condition_db);
        r.phases_se_rad = phase_se(b);
        // A lag outside [0, max_lag] still has a peak: x's known sections
        // recur, and a partial overlap of them correlates. What the fit
        // explains there is close to what its n_tx + n_blocks / 2 parameters
        // explain of noise alone (a fraction of y's power equal to their share
        // of the complex observations); at the right lag it is the SNR's
        // share, SNR / (1 + SNR).
        bool fit_ok = false;
        {
            const double rss = std::max(residual(b), 0.0);
            const double expl = std::max(d_Y - rss, 0.0);
            r.fit_db = rss > 0.0 ? 10.0 * std::log10(expl / rss) : 300.0;
            const double nobs = double(d_hi - d_lo);
            const double chance =
                (nt + 0.5 * double(blocks_used())) / std::max(nobs, 1.0);
            fit_ok = d_Y > 0.0 && expl / d_Y >= db2lin(min_fit_excess_db) * chance;
        }
        for (int k = 0; k < nt; ++k) {
            double ph = std::arg(b[k] * std::conj(b[0])) - std::arg(d_geom[k]);
            ph = std::atan2(std::sin(ph), std::cos(ph));
            r.phases_rad[k] = k == 0 ? 0.0 : ph;
            r.gains_db[k] = std::abs(b[0]) > 0.0 && std::abs(b[k]) > 0.0
                                ? 20.0 * std::log10(std::abs(b[k]) / std::abs(b[0]))
                                : 0.0;
        }
        r.valid = b.allFinite() && std::abs(b[0]) > 0.0 &&
                  r.condition_db <= max_condition_db && fit_ok &&
                  (d_max == 0 || d_lag_score >= d_min_score);
        // result() and done_at() describe the same (the call's last) estimate:
        // its window, its offset and its phases belong together
        d_done_at = t + 1;
        d_result = r;
        done = true;
        set_lag(d_lag); // the next estimate keeps the lag
    }
    return done;
}

std::vector<cfloat> tx_cal_weights(const tx_phase_result& r, bool equalize_gains)
{
    const size_t n = r.phases_rad.size();
    if (equalize_gains && r.gains_db.size() != n)
        throw_param("gains_db",
                    list_str(r.gains_db.size(), "value"),
                    std::to_string(n) + " (one per phase)");
    double mean_g2 = 0.0;
    if (equalize_gains) {
        for (double g : r.gains_db)
            mean_g2 += db2lin(g);
        mean_g2 /= double(std::max<size_t>(n, 1));
    }
    std::vector<cfloat> w(n);
    for (size_t i = 0; i < n; ++i) {
        const double a = equalize_gains
                             ? std::sqrt(mean_g2) * std::pow(10.0, -r.gains_db[i] / 20.0)
                             : 1.0;
        w[i] = cfloat(std::polar(a, -r.phases_rad[i]));
    }
    return w;
}

} // namespace core
} // namespace isac
} // namespace gr
