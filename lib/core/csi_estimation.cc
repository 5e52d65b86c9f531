/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/csi_estimation.h>
#include <gnuradio/isac/core/limits.h>
#include <algorithm>
#include <cmath>
#include <sstream>

namespace gr {
namespace isac {
namespace core {

csi_estimator parse_csi_estimator(const std::string& name, const std::string& value)
{
    if (value == "ls")
        return csi_estimator::ls;
    if (value == "mmse")
        return csi_estimator::mmse;
    throw_param(name, "'" + value + "'", "'ls' or 'mmse'");
}

std::string to_string(csi_estimator e) { return e == csi_estimator::ls ? "ls" : "mmse"; }

cmat ls_estimate(const cmat& Z, const cmat& P, double amp)
{
    if (Z.cols() != P.cols())
        throw_param("Z",
                    std::to_string(Z.cols()) + " columns",
                    std::to_string(P.cols()) + " (the pilot length)");
    check_positive_finite("amp", amp);
    const double c = P.row(0).squaredNorm();
    // orthogonal pilots: (P P^H)^-1 = I / c
    return Z * P.adjoint() / (amp * c);
}

double ls_error_var(double noise_var, double pilot_energy_per_antenna)
{
    return noise_var / pilot_energy_per_antenna;
}

cvec mmse_row(const cvec& g_ls, double err_var, const cmat& R)
{
    const Eigen::Index n = g_ls.size();
    if (R.rows() != n || R.cols() != n)
        throw_param(
            "R", shape_str(R.rows(), R.cols()), "n x n with n = " + std::to_string(n));
    if (!(err_var >= 0.0))
        return g_ls;
    cmat A = R;
    A.diagonal().array() += err_var;
    const cvec h_ls = g_ls.conjugate();
    const cvec h = R * A.ldlt().solve(h_ls);
    return h.conjugate();
}

double ls_nmse_theory(double err_var, double beta) { return err_var / beta; }

double mmse_nmse_theory(double err_var, const cmat& R)
{
    cmat A = R;
    A.diagonal().array() += err_var;
    const cmat E = R - R * A.ldlt().solve(R);
    return E.trace().real() / R.trace().real();
}

cdouble align_phase(const cvec& est, const cvec& ref)
{
    const cdouble ip = est.dot(ref); // est^H ref
    const double a = std::abs(ip);
    return a > 0 ? ip / a : cdouble(1.0, 0.0);
}

double aligned_nmse(const cvec& est, const cvec& truth)
{
    if (est.size() != truth.size())
        throw_param("est",
                    list_str(est.size(), "entry", "entries"),
                    std::to_string(truth.size()) + " (the truth's size)");
    const double t2 = truth.squaredNorm();
    if (t2 <= 0)
        return std::nan("");
    return (est * align_phase(est, truth) - truth).squaredNorm() / t2;
}

namespace {
double row_scale(const cvec& g)
{
    double s = 0;
    for (Eigen::Index i = 0; i < g.size(); ++i)
        s = std::max(s, std::max(std::abs(g[i].real()), std::abs(g[i].imag())));
    return s;
}
} // namespace

cvec quantize_row(const cvec& g, int bits)
{
    check_int_range("bits", bits, 0, 24);
    if (bits == 0)
        return g;
    const double s = row_scale(g);
    if (!(s > 0) || !std::isfinite(s))
        return g;
    const double levels = std::ldexp(1.0, bits);
    const double delta = 2.0 * s / levels;
    auto q = [&](double v) {
        double k = std::floor((v + s) / delta);
        k = std::min(std::max(k, 0.0), levels - 1.0);
        return (k + 0.5) * delta - s;
    };
    cvec out(g.size());
    for (Eigen::Index i = 0; i < g.size(); ++i)
        out[i] = cdouble(q(g[i].real()), q(g[i].imag()));
    return out;
}

double quantization_nmse_theory(const cvec& g, int bits)
{
    if (bits == 0)
        return 0.0;
    const double delta = 2.0 * row_scale(g) / std::ldexp(1.0, bits);
    return double(g.size()) * delta * delta / 6.0 / g.squaredNorm();
}

csi_tracker::csi_tracker(int n, int memory) : d_n(n), d_memory(memory)
{
    check_int_range("n", n, 1, 1 << 16);
    check_int_range("avg_frames", memory, 1, 1 << 20);
    reset();
}

void csi_tracker::reset()
{
    d_count = 0;
    d_outliers = 0;
    d_mean = cvec::Zero(d_n);
    d_var = 0.0;
}

double csi_tracker::add(const cvec& g, double e)
{
    if (g.size() != d_n)
        throw_param("g", list_str(g.size(), "entry", "entries"), std::to_string(d_n));
    if (d_count == 0) {
        d_mean = g;
        d_var = e;
        d_count = 1;
        return 0.0;
    }
    const cdouble rot = align_phase(g, d_mean);
    // A channel that changed (the transmitter recalibrated, an antenna moved)
    // would otherwise leak into the average for ~memory frames. The aligned
    // residual is n (e + var) on average (chi-square, 2n dof); beyond 4 times
    // that and 1 % of the row's energy (smaller changes the average follows)
    // the estimate is an outlier: one is skipped, two in a row restart the
    // average from the new estimate.
    const double resid = (g * rot - d_mean).squaredNorm();
    if (resid > std::max(4.0 * d_n * (e + d_var), 0.01 * d_mean.squaredNorm())) {
        if (++d_outliers < 2)
            return -std::arg(rot);
        ++d_restarts;
        d_outliers = 0;
        d_mean = g * rot; // keeps the phase reference
        d_var = e;
        d_count = 1;
        return -std::arg(rot);
    }
    d_outliers = 0;
    ++d_count;
    const double w = std::max(1.0 / d_count, 1.0 / d_memory);
    d_mean = (1.0 - w) * d_mean + w * (g * rot);
    d_var = (1.0 - w) * (1.0 - w) * d_var + w * w * e;
    return -std::arg(rot);
}

cvec reciprocity_from_pairs(const cmat& fwd)
{
    const Eigen::Index n = fwd.rows();
    if (fwd.cols() != n || n < 1)
        throw_param("fwd", shape_str(fwd.rows(), fwd.cols()), "a square matrix");
    auto ok = [](cdouble v) {
        return std::isfinite(v.real()) && std::isfinite(v.imag()) && std::abs(v) > 0;
    };
    // kappa_i fwd(j, i) - kappa_j fwd(i, j) = 0 for every measured pair; normal
    // equations M kappa = 0 with kappa_0 = 1.
    cmat M = cmat::Zero(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = i + 1; j < n; ++j) {
            const cdouble a = fwd(j, i), b = -fwd(i, j);
            if (!ok(a) || !ok(b))
                continue;
            M(i, i) += std::norm(a);
            M(j, j) += std::norm(b);
            M(i, j) += std::conj(a) * b;
            M(j, i) += std::conj(b) * a;
        }
    cvec kappa = cvec::Ones(n);
    if (n == 1)
        return kappa;
    const cmat Mrr = M.bottomRightCorner(n - 1, n - 1);
    const cvec rhs = -M.block(1, 0, n - 1, 1);
    Eigen::LDLT<cmat> ldlt(Mrr);
    if (ldlt.info() != Eigen::Success || Mrr.diagonal().real().minCoeff() <= 0)
        throw_param("fwd",
                    "a measurement set that does not connect every antenna to 0",
                    "both directions measured for enough pairs");
    kappa.tail(n - 1) = ldlt.solve(rhs);
    return kappa;
}

cvec reciprocity_from_reference(const cvec& g_dl, const cvec& h_ul)
{
    if (g_dl.size() != h_ul.size() || g_dl.size() < 1)
        throw_param("h_ul",
                    list_str(h_ul.size(), "entry", "entries"),
                    std::to_string(g_dl.size()) + " (the downlink row's size)");
    cvec kappa(g_dl.size());
    for (Eigen::Index n = 0; n < g_dl.size(); ++n) {
        if (!(std::abs(h_ul[n]) > 0))
            throw_param("h_ul", "a zero entry", "non-zero entries");
        kappa[n] = g_dl[n] / h_ul[n];
    }
    const cdouble k0 = kappa[0];
    if (!(std::abs(k0) > 0))
        throw_param("g_dl", "a zero entry 0", "non-zero entries");
    return kappa / k0;
}

cmat downlink_from_uplink(const cmat& H_ul, const cvec& kappa)
{
    if (H_ul.rows() != kappa.size())
        throw_param("kappa",
                    list_str(kappa.size(), "entry", "entries"),
                    std::to_string(H_ul.rows()) + " (base-station antennas)");
    return H_ul.transpose() * kappa.asDiagonal();
}

} // namespace core
} // namespace isac
} // namespace gr
