/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/beam_count.h>
#include <gnuradio/isac/core/beampattern.h>
#include <gnuradio/isac/core/comm_precoder.h>
#include <gnuradio/isac/core/isl.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/nullspace.h>
#include <algorithm>
#include <chrono>
#include <limits>
#include <random>
#include <sstream>

namespace gr {
namespace isac {
namespace core {

nullspace_basis null_space(const cmat& H)
{
    if (H.rows() < 1 || H.cols() < 1)
        throw_param("H", shape_str(H.rows(), H.cols()), "at least 1x1");
    if (!H.allFinite())
        throw_param("H", "non-finite entries", "finite entries");
    Eigen::JacobiSVD<cmat> svd(H, Eigen::ComputeFullV);
    nullspace_basis b;
    b.singular_values = svd.singularValues();
    const double smax = b.singular_values.size() ? b.singular_values[0] : 0.0;
    b.tol = std::max(H.rows(), H.cols()) * std::numeric_limits<double>::epsilon() * smax;
    b.rank = 0;
    for (Eigen::Index i = 0; i < b.singular_values.size(); ++i)
        b.rank += b.singular_values[i] > b.tol && smax > 0;
    const Eigen::Index N = H.cols();
    b.V1 = svd.matrixV().leftCols(b.rank);
    b.P = svd.matrixV().rightCols(N - b.rank);
    return b;
}

double leakage_ratio(const cmat& H, const cmat& Y)
{
    const double n = Y.norm();
    return n > 0 ? (H * Y).norm() / n : 0.0;
}

rmat exp_correlation(int n, double r)
{
    check_int_range("n", n, 1, 1 << 20);
    if (!(std::isfinite(r) && r >= 0 && r < 1))
        throw_param("csi_corr", std::to_string(r), "[0, 1)");
    rmat R(n, n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            R(i, j) = std::pow(r, std::abs(i - j));
    return R;
}

void sdisac_params::validate(int n_tx, int n_users) const
{
    check_int_range("n_tx", n_tx, 2, max_antennas);
    check_int_range("n_users", n_users, 1, n_tx - 1);
    check_int_range("frame_len", frame_len, 1, 1 << 16);
    check_positive_finite("power", power);
    if (comm != "zf" && comm != "mrt" && comm != "minpower")
        throw_param("comm", "'" + comm + "'", "'zf', 'mrt' or 'minpower'");
    if (!(comm_power >= 0 && std::isfinite(comm_power)))
        throw_param("comm_power", std::to_string(comm_power), "a finite value >= 0");
    if (comm_power > 0 && comm == "minpower")
        throw_param("comm_power", std::to_string(comm_power),
                    "0 with comm = 'minpower' (its power follows from the SINR targets)");
    if (comm_power == 0 || comm == "minpower") {
        if (sinr.size() != 1 && sinr.size() != n_users)
            throw_param("sinr_db",
                        std::to_string(sinr.size()) + " values",
                        "1 or n_users = " + std::to_string(n_users) + " values");
        // sinr is linear (callers convert sinr_db and range-check it in dB first)
        for (Eigen::Index k = 0; k < sinr.size(); ++k)
            if (!(sinr[k] > 0 && std::isfinite(sinr[k])))
                throw_param("sinr[" + std::to_string(k) + "] (linear; from sinr_db)",
                            num_str(sinr[k]),
                            "finite and > 0");
    }
    check_positive_finite("noise_var", noise_var); // SINRs are reported in every mode
    if (sensing != "beampattern" && sensing != "isl" && sensing != "external" && sensing != "none")
        throw_param("sensing", "'" + sensing + "'", "'beampattern', 'isl', 'external' or 'none'");
    if (sensing == "beampattern" && targets_rad.empty())
        throw_param("targets_deg", "empty", "at least one target angle for sensing = 'beampattern'");
    for (double t : targets_rad)
        if (!(std::isfinite(t) && std::fabs(t) <= pi / 2 + 1e-12))
            throw_param("targets_deg", std::to_string(rad2deg(t)), "[-90, 90] degrees");
    if (!(std::isfinite(beam_width_rad) && beam_width_rad > 0 && beam_width_rad <= pi))
        throw_param("beam_width_deg", std::to_string(rad2deg(beam_width_rad)), "(0, 180] degrees");
    if (!(std::isfinite(grid_step_rad) && grid_step_rad >= deg2rad(0.01) && grid_step_rad <= deg2rad(10)))
        throw_param("grid_step_deg", std::to_string(rad2deg(grid_step_rad)), "[0.01, 10] degrees");
    if (!(std::isfinite(guard_rad) && guard_rad >= 0))
        throw_param("guard_deg", std::to_string(rad2deg(guard_rad)), "a finite value >= 0");
    if (sensing == "isl") {
        check_int_range("frame_len", frame_len, 2, 1 << 16);
        check_int_range("isl_lags", isl_lags, 0, frame_len - 1);
    }
    if (!(std::isfinite(csi_error) && csi_error >= 0 && csi_error <= 1))
        throw_param("csi_error", std::to_string(csi_error), "[0, 1]");
    if (!(std::isfinite(csi_weight) && csi_weight >= 0 && csi_weight <= 1))
        throw_param("csi_weight", std::to_string(csi_weight), "[0, 1]");
    if (!(std::isfinite(csi_corr) && csi_corr >= 0 && csi_corr < 1))
        throw_param("csi_corr", std::to_string(csi_corr), "[0, 1)");
    check_int_range("sensing_beams", sensing_beams, -1, n_tx);
    check_int_range("max_iter", max_iter, 0, 100000);
    if (!(std::isfinite(max_seconds) && max_seconds >= 0 && max_seconds <= 1e6))
        throw_param(
            "max_seconds", num_str(max_seconds), "[0, 1e6] seconds (0: no budget)");
    check_positive_finite("tol", tol);
    if (symbols.size() && (symbols.rows() != n_users || symbols.cols() != frame_len ||
                           !symbols.allFinite()))
        throw_param("symbols",
                    shape_str(symbols.rows(), symbols.cols()),
                    "empty or finite n_users x frame_len");
    steering.validate();
}

namespace {
cmat random_start(Eigen::Index rows, Eigen::Index cols, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> nd;
    cmat B(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i)
            B(i, j) = cdouble(nd(rng), nd(rng));
    return B;
}

int matrix_rank(const cmat& B)
{
    if (B.size() == 0)
        return 0;
    Eigen::JacobiSVD<cmat> svd(B);
    const rvec s = svd.singularValues();
    int r = 0;
    for (Eigen::Index i = 0; i < s.size(); ++i)
        r += s[i] > 1e-9 * s[0] && s[0] > 0;
    return r;
}

// Rows of a scaled DFT: Q Q^H = I_r (r <= L), so B = sqrt(L) V Q has B B^H / L = V V^H.
cmat orthonormal_rows(Eigen::Index r, Eigen::Index L)
{
    cmat Q(r, L);
    for (Eigen::Index i = 0; i < r; ++i)
        for (Eigen::Index n = 0; n < L; ++n)
            Q(i, n) = std::polar(1.0 / std::sqrt(double(L)), -2.0 * pi * double(i * n) / double(L));
    return Q;
}

isl_problem make_isl_problem(const sdisac_design& d, const sdisac_params& prm, double budget)
{
    const int T = prm.isl_lags > 0 ? prm.isl_lags : prm.frame_len - 1;
    if (prm.symbols.size()) {
        isl_problem p;
        p.Xc = d.F * prm.symbols;
        p.P = d.P;
        p.L = prm.frame_len;
        p.T = T;
        p.budget = budget;
        return p;
    }
    return expected_isl_problem(d.P, prm.frame_len, T, d.comm_power, budget);
}

// The iterative sensing designs (MM for the beampattern, RCG for the ISL) end
// alike: false when cancelled (their B is no design to keep); else their B, cost
// and history go into d, with a note in msg when the work budget cut them short.
template <class Result>
bool take_iterative(const Result& r,
                    const char* method,
                    double max_seconds,
                    sdisac_design& d,
                    std::ostream& msg)
{
    if (r.cancelled) {
        msg << "design cancelled";
        return false;
    }
    if (r.out_of_time)
        msg << method << " stopped at the " << max_seconds << " s work budget after "
            << r.iterations << " iterations (not converged). ";
    d.B = r.B;
    d.cost = r.cost;
    d.iterations = r.iterations;
    d.cost_history = r.cost_history;
    return true;
}
} // namespace

sdisac_design design_sdisac(const cmat& H, const sdisac_params& prm)
{
    const auto t0 = std::chrono::steady_clock::now();
    const int N = static_cast<int>(H.cols()), K = static_cast<int>(H.rows());
    prm.validate(N, K);
    if (!H.allFinite())
        throw_param("H", "non-finite entries", "finite entries");
    const int L = prm.frame_len;
    sdisac_design d;
    d.H = H;
    d.frame_len = L;
    d.symbols = prm.symbols;
    d.steering = prm.steering;
    std::ostringstream msg;
    auto finish = [&]() {
        d.message = msg.str();
        d.design_time_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return d;
    };

    // (2) null space first: it also tells the numerical rank (null-space paper eq.
    // (4)-(7)).
    nullspace_basis nb = null_space(H);
    d.P = nb.P;
    d.rank = nb.rank;
    d.rank_deficient = nb.rank < K;
    if (d.rank_deficient)
        msg << "H is rank-deficient (numerical rank " << nb.rank << " < K = " << K
            << "); the null space has " << d.P.cols() << " columns. ";

    // (1) communication precoder F.
    rvec gamma;
    if (prm.sinr.size())
        gamma = prm.sinr.size() == 1 ? rvec::Constant(K, prm.sinr[0]) : prm.sinr;
    try {
        if (prm.comm == "minpower") {
            minpower_result mp = minpower_precoder(H, gamma, prm.noise_var);
            d.lambda = mp.lambda;
            if (!mp.feasible) {
                msg << mp.why;
                return finish();
            }
            d.F = mp.F;
            d.dual_value = mp.dual_value;
        } else {
            const cmat U = prm.comm == "zf" ? zf_directions(H) : mrt_directions(H);
            if (prm.comm_power > 0) {
                d.F = scale_columns(U, rvec::Constant(K, prm.comm_power / K));
            } else {
                power_control_result pc = sinr_power_control(H, U, gamma, prm.noise_var);
                if (!pc.feasible) {
                    msg << prm.comm << ": " << pc.why;
                    return finish();
                }
                d.F = scale_columns(U, pc.p);
            }
        }
    } catch (const param_error& e) {
        // ZF on a rank-deficient channel, a zero user channel: channel-dependent,
        // so reported as an infeasible design rather than thrown.
        msg << prm.comm << ": " << e.what();
        return finish();
    }
    d.comm_ok = true;
    d.comm_power = d.F.squaredNorm();
    d.split = d.comm_power / prm.power;
    d.sinr = sinr(H, d.F, prm.noise_var);
    if (d.comm_power > prm.power * (1 + 1e-12)) {
        msg << "P_c = " << d.comm_power << " > P_t = " << prm.power
            << ": the communication design needs more than the total power";
        return finish();
    }
    const double Pa = std::max(0.0, prm.power - d.comm_power);
    const Eigen::Index nbc = d.P.cols();
    const double budget = L * Pa;
    const bool have_power = Pa > 1e-12 * prm.power;
    bool isl_known = false; // d.cost is the ISL of the final B (sensing "isl")

    // Grid and reference pattern (also used to report PSLR for any design).
    d.grid_rad = angle_grid(prm.grid_step_rad);
    const cmat Agrid = ula_steering_matrix(N, d.grid_rad, prm.steering);
    if (!prm.targets_rad.empty())
        d.desired = rect_pattern(d.grid_rad, prm.targets_rad, prm.beam_width_rad, prm.power);

    if (prm.sensing == "beampattern" && have_power) {
        bp_problem p;
        p.A = d.P.adjoint() * Agrid;
        p.L = L;
        p.budget = budget;
        p.delta = (d.desired * double(L)).cwiseSqrt();
        cmat Xc;
        if (prm.symbols.size()) {
            Xc = d.F * prm.symbols;
            p.Z = Xc.adjoint() * Agrid;
        } else {
            p.u = double(L) * (d.F.adjoint() * Agrid).colwise().squaredNorm().transpose();
        }
        const bool csi = prm.csi_error > 0;
        if (csi) {
            // null-space paper Sec. V: min omega g + (1 - omega) mu^2 ||R^{1/2}(X_c +
            // Delta B)||^2.
            const double mu2 = prm.csi_error * prm.csi_error * K;
            const cmat R = exp_correlation(N, prm.csi_corr).cast<cdouble>();
            p.weight = prm.csi_weight / L;
            p.Q2 = (1 - prm.csi_weight) * mu2 * (d.P.adjoint() * R * d.P);
            if (Xc.size())
                p.E2 = (1 - prm.csi_weight) * mu2 * (d.P.adjoint() * R * Xc);
        }
        mm_options o;
        o.tol = prm.tol;
        o.max_iter = prm.max_iter;
        o.cancel = prm.cancel;
        o.max_seconds = prm.max_seconds;
        mm_result r = mm_linesearch(p, random_start(nbc, L, prm.seed), o);
        if (!take_iterative(r, "MM", prm.max_seconds, d, msg))
            return finish();
        d.matching_cost = r.matching_cost;
        if (prm.sensing_beams != 0) {
            const int bound = beam_count_bound(K, sensing_dof("beampattern", 1, N), true, N).sensing;
            const int target = prm.sensing_beams > 0 ? prm.sensing_beams : bound;
            if (prm.symbols.size() || csi) {
                msg << "rank reduction skipped: with known symbols or the CSI penalty the cost "
                       "is not a function of the ULA lags alone. ";
            } else {
                const cmat V = reduce_pattern_rank(d.P, d.B / std::sqrt(double(L)), target);
                if (V.cols() <= L) {
                    d.B = std::sqrt(double(L)) * V * orthonormal_rows(V.cols(), L);
                    msg << "sensing covariance reduced to rank " << V.cols()
                        << " (beamformer-count paper bound " << bound
                        << " beams) with the same beampattern. ";
                }
            }
        }
    } else if (prm.sensing == "isl" && have_power) {
        isl_problem p = make_isl_problem(d, prm, budget);
        rcg_options o;
        o.rel_tol = prm.tol;
        o.max_iter = prm.max_iter > 0 ? std::max(prm.max_iter, 1) : 0;
        o.cancel = prm.cancel;
        o.max_seconds = prm.max_seconds;
        rcg_result r = rcg_isl(p, random_start(nbc, L, prm.seed), o);
        if (!take_iterative(r, "ISL", prm.max_seconds, d, msg))
            return finish();
        isl_known = std::isfinite(r.cost);
    } else if (prm.sensing == "beampattern" || prm.sensing == "isl") {
        d.B = cmat::Zero(nbc, L);
        msg << "no power left for sensing (P_c = P_t). ";
    } else if (prm.sensing == "none") {
        d.B = cmat::Zero(nbc, L);
    }
    if (prm.sensing == "beampattern" || prm.sensing == "isl" || prm.sensing == "none") {
        const cmat PB = d.P * d.B;
        d.sensing_power = d.B.squaredNorm() / L;
        d.leakage = leakage_ratio(H, PB);
        d.sensing_rank = matrix_rank(d.B);
        if (isl_known) {
            d.isl = d.cost; // the ISL design's cost is this ISL, fully evaluated
        } else if (L >= 2) {
            // One evaluation costs as much as an ISL iteration (N^2 L^2): it gets
            // what is left of the work budget, else it is reported as not evaluated.
            const double left =
                prm.max_seconds -
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                    .count();
            const cancel_check stop =
                prm.cancel.with_deadline(prm.max_seconds > 0 ? std::max(left, 1e-9) : 0);
            d.isl =
                isl_cost(make_isl_problem(d, prm, std::max(budget, 1e-300)), d.B, stop);
            if (prm.cancel.cancelled()) {
                msg << "design cancelled";
                return finish();
            }
            if (stop.past_deadline()) {
                d.isl = std::numeric_limits<double>::quiet_NaN();
                msg << "ISL not evaluated within the work budget. ";
            }
        }
    }
    d.pattern = design_pattern(d, d.grid_rad);
    if (!prm.targets_rad.empty()) {
        pslr_result ps =
            pslr(d.pattern, d.grid_rad, prm.targets_rad, prm.beam_width_rad, prm.guard_rad);
        d.pslr_db = ps.pslr_db;
        d.peak_angles_rad = ps.peak_angles;
    }
    d.ok = true;
    return finish();
}

rvec design_pattern(const sdisac_design& d, const std::vector<double>& grid)
{
    if (!d.comm_ok)
        throw_param("design", "infeasible", "a design with a communication precoder");
    const int N = static_cast<int>(d.H.cols());
    const cmat Agrid = ula_steering_matrix(N, grid, d.steering);
    const double L = d.frame_len;
    if (d.symbols.size()) {
        cmat X = d.F * d.symbols;
        if (d.B.size())
            X += d.P * d.B;
        return (X.adjoint() * Agrid).colwise().squaredNorm().transpose() / L;
    }
    cmat R = d.F * d.F.adjoint();
    if (d.B.size()) {
        const cmat PB = d.P * d.B;
        R += PB * PB.adjoint() / L;
    }
    return pattern_of_covariance(R, Agrid);
}

void superimpose(const cfloat* s, cfloat* x, long n_items, const cmatf& F, const cmatf& M, long phase)
{
    const Eigen::Index N = F.rows(), K = F.cols();
    Eigen::Map<const cmatf> S(s, K, n_items);
    Eigen::Map<cmatf> X(x, N, n_items);
    if (M.size() == 0) {
        X.noalias() = F * S;
        return;
    }
    const long L = M.cols();
    long pos = ((phase % L) + L) % L;
    for (long n = 0; n < n_items;) {
        const long run = std::min(L - pos, n_items - n);
        X.middleCols(n, run) = M.middleCols(pos, run);
        n += run;
        pos = 0;
    }
    X.noalias() += F * S;
}

void superimpose_external(const cfloat* s, const cfloat* b, cfloat* x, long n_items,
                          const cmatf& F, const cmatf& Pi)
{
    const Eigen::Index N = F.rows(), K = F.cols();
    Eigen::Map<const cmatf> S(s, K, n_items);
    Eigen::Map<const cmatf> Bx(b, N, n_items);
    Eigen::Map<cmatf> X(x, N, n_items);
    X.noalias() = F * S;
    X.noalias() += Pi * Bx;
}

} // namespace core
} // namespace isac
} // namespace gr
