/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/beampattern.h>
#include <algorithm>
#include <cmath>
#include <limits>

namespace gr {
namespace isac {
namespace core {

namespace {
// ||c_m(B)||^2 for every grid point, given C = B^H A (+ Z).
rvec col_energy(const bp_problem& p, const cmat& C)
{
    rvec e = C.colwise().squaredNorm().transpose();
    if (p.u.size())
        e += p.u;
    return e;
}

cmat coupled(const bp_problem& p, const cmat& B)
{
    cmat C = B.adjoint() * p.A;
    if (p.Z.size())
        C += p.Z;
    return C;
}

double penalty(const bp_problem& p, const cmat& B)
{
    double v = 0;
    if (p.Q2.size())
        v += std::real((B.adjoint() * p.Q2 * B).trace());
    if (p.E2.size())
        v += 2.0 * std::real((B.adjoint() * p.E2).trace());
    return v;
}

double matching_sum(const bp_problem& p, const rvec& energy)
{
    return (energy.cwiseSqrt() - p.delta).squaredNorm();
}
} // namespace

void validate(const bp_problem& p)
{
    const Eigen::Index nb = p.A.rows(), M = p.A.cols();
    if (nb < 1 || M < 1)
        throw_param("A", shape_str(p.A.rows(), p.A.cols()), "at least 1x1");
    check_int_range("L", p.L, 1, 1 << 24);
    if (p.Z.size() && (p.Z.rows() != p.L || p.Z.cols() != M))
        throw_param("Z", shape_str(p.Z.rows(), p.Z.cols()), "L x M or empty");
    if (p.u.size() && p.u.size() != M)
        throw_param("u", "size " + std::to_string(p.u.size()), "M or empty");
    if (p.u.size() && (p.u.array() < 0).any())
        throw_param("u", "a negative entry", "energies >= 0");
    if (p.delta.size() != M)
        throw_param("delta", "size " + std::to_string(p.delta.size()), "M");
    if (!p.delta.allFinite() || (p.delta.array() < 0).any())
        throw_param("delta", "a negative or non-finite entry", "finite values >= 0");
    check_positive_finite("budget", p.budget);
    if (!(std::isfinite(p.weight) && p.weight >= 0))
        throw_param("weight", std::to_string(p.weight), "a finite value >= 0");
    if (p.Q2.size() && (p.Q2.rows() != nb || p.Q2.cols() != nb))
        throw_param("Q2", shape_str(p.Q2.rows(), p.Q2.cols()), "n_b x n_b or empty");
    if (p.E2.size() && (p.E2.rows() != nb || p.E2.cols() != p.L))
        throw_param("E2", shape_str(p.E2.rows(), p.E2.cols()), "n_b x L or empty");
    if (!p.A.allFinite() || (p.Z.size() && !p.Z.allFinite()) ||
        (p.u.size() && !p.u.allFinite()) || (p.Q2.size() && !p.Q2.allFinite()) ||
        (p.E2.size() && !p.E2.allFinite()))
        throw_param("bp_problem", "non-finite entries", "finite matrices");
}

double bp_matching_cost(const bp_problem& p, const cmat& B)
{
    return matching_sum(p, col_energy(p, coupled(p, B))) / p.L;
}

double bp_objective(const bp_problem& p, const cmat& B)
{
    return p.weight * matching_sum(p, col_energy(p, coupled(p, B))) + penalty(p, B);
}

rvec bp_pattern(const bp_problem& p, const cmat& B)
{
    return col_energy(p, coupled(p, B)) / double(p.L);
}

trs_result solve_trs(const rvec& lam, const cmat& Uq, const cmat& G, double budget, const cmat& dir)
{
    const Eigen::Index n = lam.size();
    const cmat Gb = Uq.adjoint() * G;
    const rvec g = Gb.rowwise().squaredNorm();
    const double gsum = g.sum();
    const double lmin = lam[0];
    const double scale = std::max(1.0, lam.cwiseAbs().maxCoeff());
    const double eig_tol = 1e-12 * scale;
    trs_result r;
    r.B.resize(Gb.rows(), Gb.cols());

    // Hard case (null-space paper Algorithm 1): G has no component on the lambda_min
    // eigenspace and the remaining components cannot fill the budget at nu = -lambda_min.
    double g_min = 0, phi_rest = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        if (lam[i] - lmin <= eig_tol)
            g_min += g[i];
        else
            phi_rest += g[i] / ((lam[i] - lmin) * (lam[i] - lmin));
    }
    if (g_min <= 1e-28 * std::max(gsum, 1e-300) && phi_rest < budget) {
        r.hard_case = true;
        r.nu = -lmin;
        cmat Bb = cmat::Zero(Gb.rows(), Gb.cols());
        Eigen::Index first_min = -1;
        for (Eigen::Index i = 0; i < n; ++i) {
            if (lam[i] - lmin > eig_tol)
                Bb.row(i) = Gb.row(i) / (lam[i] - lmin);
            else if (first_min < 0)
                first_min = i;
        }
        // Any direction in the lambda_min eigenspace attains the minimum; take
        // the hint's component there when it has one so MM keeps continuity.
        cvec fill = cvec::Zero(Gb.cols());
        if (dir.size()) {
            const cmat db = Uq.adjoint() * dir;
            for (Eigen::Index i = 0; i < n; ++i)
                if (lam[i] - lmin <= eig_tol) {
                    fill = db.row(i).transpose();
                    first_min = i;
                    break;
                }
        }
        if (!(fill.norm() > 0)) {
            fill.setZero();
            fill[0] = 1.0;
        }
        fill *= std::sqrt(std::max(0.0, budget - phi_rest)) / fill.norm();
        Bb.row(first_min) = fill.transpose();
        r.B = Uq * Bb;
        return r;
    }

    auto phi = [&](double nu) {
        double s = 0;
        for (Eigen::Index i = 0; i < n; ++i) {
            const double d = lam[i] + nu;
            s += g[i] / (d * d);
        }
        return s;
    };
    double lo = -lmin;                                  // phi -> inf (g_min > 0)
    double hi = std::sqrt(gsum / budget) - lmin + 1e-300; // phi(hi) <= budget
    double nu = hi;
    for (int it = 0; it < 300; ++it) {
        nu = 0.5 * (lo + hi);
        if (nu <= lo || nu >= hi)
            break;
        const double f = phi(nu);
        if (std::fabs(f - budget) <= 1e-15 * budget)
            break;
        if (f > budget)
            lo = nu;
        else
            hi = nu;
    }
    r.nu = nu;
    for (Eigen::Index i = 0; i < n; ++i)
        r.B.row(i) = Gb.row(i) / (lam[i] + nu);
    r.B = Uq * r.B;
    // The bisection leaves |phi - budget| ~ 1e-15 budget: rescale so that the
    // constraint ||B||_F^2 = budget holds to rounding.
    const double nb = r.B.norm();
    if (nb > 0)
        r.B *= std::sqrt(budget) / nb;
    return r;
}

mm_result mm_linesearch(const bp_problem& p, const cmat& B0, const mm_options& opt)
{
    validate(p);
    if (B0.rows() != p.A.rows() || B0.cols() != p.L)
        throw_param("B0", shape_str(B0.rows(), B0.cols()), "n_b x L");
    if (!B0.allFinite() || !(B0.norm() > 0))
        throw_param("B0", "zero or non-finite", "a finite non-zero start");
    check_positive_finite("tol", opt.tol);
    check_int_range("max_iter", opt.max_iter, 0, 1000000);

    const Eigen::Index M = p.A.cols();
    // Q = w A A^H + Q2 does not depend on the iterate: one EVD per problem.
    cmat Q = p.weight * (p.A * p.A.adjoint());
    if (p.Q2.size())
        Q += p.Q2;
    Eigen::SelfAdjointEigenSolver<cmat> evd(Q);
    const rvec lam = evd.eigenvalues();
    const cmat& Uq = evd.eigenvectors();
    cmat lin = cmat::Zero(p.A.rows(), p.L); // w A Z^H + E2
    if (p.Z.size())
        lin = p.weight * (p.A * p.Z.adjoint());
    if (p.E2.size())
        lin += p.E2;

    mm_result res;
    res.B = B0 * (std::sqrt(p.budget) / B0.norm());
    // Without a coupled part Z the cost depends on B only through W = B B^H:
    // ||c_m||^2 = a_m'^H W a_m' + u_m and the majoriser's G = w A Lambda A^H B.
    // Working with the n_b x n_b Gram matrix costs O(n_b^2 M) per iteration
    // instead of O(n_b L M): cheaper whenever n_b < L.
    const bool gram = p.Z.size() == 0 && p.A.rows() < p.L;
    cmat C, WA, AL;
    auto energies = [&](const cmat& B) -> rvec {
        if (gram) {
            WA.noalias() = (B * B.adjoint()) * p.A;
            rvec e = p.A.conjugate().cwiseProduct(WA).colwise().sum().real().transpose();
            if (p.u.size())
                e += p.u;
            return e.cwiseMax(0.0);
        }
        C = coupled(p, B);
        return col_energy(p, C);
    };
    rvec energy = energies(res.B);
    double f = p.weight * matching_sum(p, energy) + penalty(p, res.B);
    res.cost_history.push_back(f);
    res.norm_history.push_back(res.B.squaredNorm());
    const cancel_check stop = opt.cancel.with_deadline(opt.max_seconds);
    for (int it = 0; it < opt.max_iter; ++it) {
        if (stop()) {
            res.cancelled = opt.cancel.cancelled();
            res.out_of_time = !res.cancelled;
            break;
        }
        // Majoriser weights Lambda_m = delta_m/||c_m|| (term dropped when c_m = 0).
        rvec w(M);
        for (Eigen::Index m = 0; m < M; ++m) {
            const double nm = std::sqrt(energy[m]);
            w[m] = nm > 0 ? p.delta[m] / nm : 0.0;
        }
        cmat G;
        if (gram) {
            AL.noalias() = p.A * w.cast<cdouble>().asDiagonal();
            const cmat Kw = AL * p.A.adjoint();
            G = p.weight * (Kw * res.B) - lin;
        } else {
            AL.noalias() = C * w.cast<cdouble>().asDiagonal();
            G = p.weight * (p.A * AL.adjoint()) - lin;
        }
        trs_result t = solve_trs(lam, Uq, G, p.budget, res.B);
        rvec en = energies(t.B);
        const double fn = p.weight * matching_sum(p, en) + penalty(p, t.B);
        res.iterations = it + 1;
        res.B = std::move(t.B);
        energy = std::move(en);
        res.cost_history.push_back(fn);
        res.norm_history.push_back(res.B.squaredNorm());
        const double change = std::fabs(f - fn);
        f = fn;
        if (change <= opt.tol * std::fabs(fn)) {
            res.converged = true;
            break;
        }
    }
    res.cost = f;
    res.matching_cost = matching_sum(p, energy) / p.L;
    return res;
}

std::vector<double> angle_grid(double step_rad)
{
    check_positive_finite("grid step", step_rad);
    const double half = pi / 2;
    const long n = std::lround(std::floor(pi / step_rad + 1e-9));
    if (n > 1000000)
        throw_param("grid step", std::to_string(step_rad), "at least pi/1e6 rad");
    std::vector<double> g;
    g.reserve(n + 2);
    for (long i = 0; i <= n; ++i)
        g.push_back(-half + i * step_rad);
    if (half - g.back() > 1e-12)
        g.push_back(half);
    return g;
}

rvec rect_pattern(const std::vector<double>& grid,
                  const std::vector<double>& targets,
                  double width,
                  double power,
                  double level)
{
    if (grid.empty())
        throw_param("grid", "empty", "at least one angle");
    if (targets.empty())
        throw_param("targets", "empty", "at least one target angle");
    check_positive_finite("beam width", width);
    for (double t : targets)
        check_finite("target angle", t);
    rvec d = rvec::Zero(grid.size());
    long main = 0;
    for (size_t m = 0; m < grid.size(); ++m)
        for (double t : targets)
            if (std::fabs(grid[m] - t) <= width / 2 + 1e-9) {
                d[m] = 1.0;
                ++main;
                break;
            }
    if (main == 0)
        throw_param("beam width", std::to_string(width),
                    "wide enough to cover at least one grid point around a target");
    if (level <= 0) {
        check_positive_finite("power", power);
        level = power * double(grid.size()) / double(main);
    }
    return d * level;
}

rvec pattern_of_covariance(const cmat& R, const cmat& Agrid)
{
    if (R.rows() != Agrid.rows() || R.cols() != Agrid.rows())
        throw_param("R",
                    shape_str(R.rows(), R.cols()),
                    "N x N with N = rows of the steering grid");
    const cmat RA = R * Agrid;
    rvec out(Agrid.cols());
    for (Eigen::Index m = 0; m < Agrid.cols(); ++m)
        out[m] = std::real(Agrid.col(m).dot(RA.col(m)));
    return out;
}

pslr_result pslr(const rvec& pattern,
                 const std::vector<double>& grid,
                 const std::vector<double>& targets,
                 double width,
                 double guard)
{
    if (pattern.size() != Eigen::Index(grid.size()))
        throw_param("pattern", "size " + std::to_string(pattern.size()), "one value per grid angle");
    if (targets.empty())
        throw_param("targets", "empty", "at least one target angle");
    pslr_result r;
    r.peak_angles.assign(targets.size(), std::numeric_limits<double>::quiet_NaN());
    std::vector<double> best(targets.size(), -1.0);
    for (size_t m = 0; m < grid.size(); ++m) {
        bool side = true;
        for (size_t k = 0; k < targets.size(); ++k) {
            const double dist = std::fabs(grid[m] - targets[k]);
            if (dist <= width / 2 + 1e-9) {
                r.main_peak = std::max(r.main_peak, pattern[m]);
                if (pattern[m] > best[k]) {
                    best[k] = pattern[m];
                    r.peak_angles[k] = grid[m];
                }
            }
            if (dist <= width / 2 + guard + 1e-9) // grid points on the guard edge are guard
                side = false;
        }
        if (side)
            r.side_peak = std::max(r.side_peak, pattern[m]);
    }
    r.pslr = r.main_peak > 0 ? r.side_peak / r.main_peak : std::numeric_limits<double>::infinity();
    r.pslr_db = 10 * std::log10(r.pslr);
    return r;
}

namespace {
// Real linear functionals of a Hermitian N x N matrix that fix its ULA
// beampattern: Re s_0 and Re/Im s_l (l = 1..N-1), s_l = sum_{i-j=l} M_ij.
Eigen::VectorXd lag_functionals(const cmat& W, const cmat& E)
{
    const Eigen::Index N = W.rows();
    const cmat M = W * E * W.adjoint();
    Eigen::VectorXd v(2 * N - 1);
    v[0] = std::real(M.trace());
    for (Eigen::Index l = 1; l < N; ++l) {
        cdouble s = 0;
        for (Eigen::Index j = 0; j + l < N; ++j)
            s += M(j + l, j);
        v[2 * l - 1] = std::real(s);
        v[2 * l] = std::imag(s);
    }
    return v;
}
} // namespace

cmat reduce_pattern_rank(const cmat& P, const cmat& V0, int target_rank)
{
    if (P.cols() != V0.rows())
        throw_param(
            "V", shape_str(V0.rows(), V0.cols()), "n_b x r with n_b = columns of P");
    check_int_range("target_rank", target_rank, 1, 1 << 20);
    const Eigen::Index N = P.rows();
    const Eigen::Index m = 2 * N - 1;
    // Drop numerically empty directions first.
    cmat V;
    {
        Eigen::JacobiSVD<cmat> svd(V0, Eigen::ComputeThinU);
        const rvec s = svd.singularValues();
        Eigen::Index r = 0;
        while (r < s.size() && s[r] > 1e-12 * std::max(s[0], 1e-300))
            ++r;
        V = svd.matrixU().leftCols(r) * s.head(r).cast<cdouble>().asDiagonal();
    }
    while (V.cols() > target_rank && V.cols() * V.cols() > m) {
        const Eigen::Index r = V.cols();
        const cmat W = P * V;
        // Basis of r x r Hermitian matrices: r^2 real coordinates.
        std::vector<cmat> basis;
        basis.reserve(r * r);
        for (Eigen::Index a = 0; a < r; ++a) {
            cmat E = cmat::Zero(r, r);
            E(a, a) = 1.0;
            basis.push_back(E);
        }
        for (Eigen::Index a = 0; a < r; ++a)
            for (Eigen::Index b = a + 1; b < r; ++b) {
                cmat E = cmat::Zero(r, r);
                E(a, b) = E(b, a) = 1.0;
                basis.push_back(E);
                E(a, b) = cdouble(0, 1);
                E(b, a) = cdouble(0, -1);
                basis.push_back(E);
            }
        Eigen::MatrixXd Mlin(m, r * r);
        for (size_t q = 0; q < basis.size(); ++q)
            Mlin.col(q) = lag_functionals(W, basis[q]);
        // r^2 > m: the last right singular vector spans part of the kernel.
        Eigen::JacobiSVD<Eigen::MatrixXd> svd(Mlin, Eigen::ComputeFullV);
        const Eigen::VectorXd x = svd.matrixV().col(r * r - 1);
        cmat D = cmat::Zero(r, r);
        for (size_t q = 0; q < basis.size(); ++q)
            D += x[q] * basis[q];
        Eigen::SelfAdjointEigenSolver<cmat> evd(D);
        // D and -D both keep the lags; take the sign whose largest eigenvalue
        // is the one of largest magnitude, so lmax > 0.
        rvec ev = evd.eigenvalues();
        if (std::fabs(ev[0]) > std::fabs(ev[r - 1]))
            ev = -ev;
        const double lmax = ev.maxCoeff();
        // I - D/lmax (with D's sign chosen so lmax > 0) is PSD with a zero eigenvalue.
        cmat Vn(V.rows(), 0);
        std::vector<Eigen::Index> keep;
        for (Eigen::Index i = 0; i < r; ++i)
            if (1.0 - ev[i] / lmax > 1e-12)
                keep.push_back(i);
        Vn.resize(V.rows(), keep.size());
        for (size_t c = 0; c < keep.size(); ++c)
            Vn.col(c) = V * evd.eigenvectors().col(keep[c]) * std::sqrt(1.0 - ev[keep[c]] / lmax);
        V = Vn;
    }
    return V;
}

} // namespace core
} // namespace isac
} // namespace gr
