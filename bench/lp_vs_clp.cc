/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * core::lp_solve against COIN-OR CLP (ClpSimplex) on the same LPs, in one run.
 *
 * The LPs are those of the CI precoder's first MM step on the scenario family's draws
 * (bench/ci_family.py --export FILE): maximise w^T z s.t. Atilde z >= lambda,
 * -c <= z <= c, with w the target beam's surrogate. Per symbol vector, the sequence
 * the solver runs: a cold solve, 3 warm re-solves with the objective rotated by
 * 22.5, 45, 67.5 deg (the phase sweep: c changes) and 4 warm re-solves with every row
 * raised by 0.15 k lambda (the tightened roundings: b changes). CLP gets the same
 * warm starts: one model per A, the objective or row bounds changed in place, then
 * primal (c changed) or dual (b changed) simplex from the previous basis; a cold solve
 * includes loading the model. Thread CPU time per LP, the ratio CLP/ours, and the
 * largest relative difference of the optimal values (statuses must agree).
 *
 *   ./build/bench/lp_vs_clp --family=FILE [PER_DRAW]   (vectors per draw, default 16)
 */
#include "ci_family_load.h"
#include <coin/ClpSimplex.hpp>
#include <coin/CoinPackedMatrix.hpp>
#include <ctime>
#include <random>

namespace {

double thread_cpu()
{
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

struct lp_case {
    rmat A;
    rvec b, lo, hi;
    std::vector<rvec> c; // objectives of the sequence (c[0]: cold)
    std::vector<rvec> bs;
};

struct tally {
    double t_cold = 0, t_warm = 0;
    long n_cold = 0, n_warm = 0;
};

struct outcome {
    bool feasible;
    double value;
};

// ours: one basis carried through the sequence
std::vector<outcome> run_ours(const lp_case& L, tally& t)
{
    std::vector<outcome> out;
    lp_basis basis;
    auto solve = [&](const rvec& c, const rvec& b, bool cold) {
        const double t0 = thread_cpu();
        const lp_result r = lp_solve(c, L.A, b, L.lo, L.hi, 0, &basis);
        (cold ? t.t_cold : t.t_warm) += thread_cpu() - t0;
        ++(cold ? t.n_cold : t.n_warm);
        out.push_back({ r.status == lp_result::optimal, r.value });
    };
    solve(L.c[0], L.b, true);
    for (size_t i = 1; i < L.c.size(); ++i)
        solve(L.c[i], L.b, false);
    for (const rvec& b : L.bs)
        solve(L.c[0], b, false);
    return out;
}

std::vector<outcome> run_clp(const lp_case& L, tally& t)
{
    std::vector<outcome> out;
    const int m = int(L.A.rows()), n = int(L.A.cols());
    double t0 = thread_cpu();
    ClpSimplex model;
    model.setLogLevel(0);
    {
        CoinPackedMatrix P(true, 0, 0); // column-ordered
        P.setDimensions(m, 0);
        std::vector<int> rows(m);
        for (int i = 0; i < m; ++i)
            rows[i] = i;
        for (int j = 0; j < n; ++j)
            P.appendCol(m, rows.data(), L.A.col(j).data());
        const std::vector<double> rub(m, COIN_DBL_MAX);
        model.loadProblem(
            P, L.lo.data(), L.hi.data(), L.c[0].data(), L.b.data(), rub.data());
    }
    model.setOptimizationDirection(-1); // maximise
    auto record = [&](bool cold) {
        (cold ? t.t_cold : t.t_warm) += thread_cpu() - t0;
        ++(cold ? t.n_cold : t.n_warm);
        out.push_back({ model.isProvenOptimal(), model.objectiveValue() });
    };
    model.dual();
    record(true);
    for (size_t i = 1; i < L.c.size(); ++i) {
        t0 = thread_cpu();
        double* obj = model.objective();
        for (int j = 0; j < n; ++j)
            obj[j] = L.c[i][j];
        model.primal(1); // the basis stays primal feasible: primal simplex from it
        record(false);
    }
    for (const rvec& b : L.bs) {
        t0 = thread_cpu();
        double* obj = model.objective();
        for (int j = 0; j < n; ++j)
            obj[j] = L.c[0][j];
        double* rlo = model.rowLower();
        for (int i = 0; i < m; ++i)
            rlo[i] = b[i];
        model.dual(0); // the basis stays dual feasible: dual simplex from it
        record(false);
    }
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    family_arg(argc, argv);
    const int per_draw = positional(
        driver_args(argc,
                    argv,
                    "usage: lp_vs_clp [--family=FILE] [PER_DRAW]\n"
                    "  PER_DRAW: symbol vectors per draw (16), the draw's own first",
                    1),
        0,
        16);
    load_family();
    if (family.empty()) {
        std::fprintf(stderr,
                     "no draws in %s (bench/ci_family.py --export)\n",
                     family_file.c_str());
        return 2;
    }
    std::printf("%5s %6s %12s %12s %12s %12s %8s %8s %10s %6s\n",
                "N_T",
                "LPs",
                "ours cold",
                "CLP cold",
                "ours warm",
                "CLP warm",
                "cold x",
                "warm x",
                "max rel",
                "diff");
    for (const auto& [N, draws] : family) {
        tally ours, clp;
        double max_rel = 0;
        long status_diff = 0, lps = 0;
        std::mt19937 rng(11);
        for (const auto& d : draws) {
            const ci_solver s(
                family_scene(d), d.U, family_params(d, ci_preset::realtime));
            const rvec w = s.surrogate(s.beam()).w;
            std::uniform_int_distribution<int> ud(0, d.M - 1);
            for (int v = 0; v < per_draw; ++v) {
                cvec sym(d.U);
                for (int u = 0; u < d.U; ++u)
                    sym[u] = psk_point(d.M, v == 0 ? d.k[u] : ud(rng));
                lp_case L;
                L.A = ci_real_constraints(ci_constraint_matrix(d.H, sym, d.M));
                const double lam =
                    safe_margin_threshold(std::pow(10.0, d.gamma_db / 10.0),
                                          std::pow(10.0, -d.snr_c_db / 10.0));
                L.b = rvec::Constant(L.A.rows(), lam);
                L.lo = rvec::Constant(2 * N, -s.amplitude());
                L.hi = rvec::Constant(2 * N, s.amplitude());
                for (int p = 0; p < 4; ++p) {
                    const double phi = pi / 8 * p, cs = std::cos(phi), sn = std::sin(phi);
                    rvec c(2 * N);
                    for (int j = 0; j < N; ++j) {
                        c[j] = cs * w[j] - sn * w[N + j];
                        c[N + j] = sn * w[j] + cs * w[N + j];
                    }
                    L.c.push_back(c);
                }
                for (int t = 1; t <= 4; ++t)
                    L.bs.push_back(L.b.array() + 0.15 * t * lam);
                const auto a = run_ours(L, ours);
                const auto b = run_clp(L, clp);
                for (size_t i = 0; i < a.size(); ++i) {
                    ++lps;
                    if (a[i].feasible != b[i].feasible) {
                        ++status_diff;
                        continue;
                    }
                    if (a[i].feasible)
                        max_rel = std::max(max_rel,
                                           std::abs(a[i].value - b[i].value) /
                                               std::max(1e-12, std::abs(b[i].value)));
                }
            }
        }
        const double oc = 1e6 * ours.t_cold / ours.n_cold,
                     cc = 1e6 * clp.t_cold / clp.n_cold,
                     ow = 1e6 * ours.t_warm / ours.n_warm,
                     cw = 1e6 * clp.t_warm / clp.n_warm;
        std::printf(
            "%5d %6ld %9.2f us %9.2f us %9.2f us %9.2f us %7.1fx %7.1fx %10.2e %6ld\n",
            N,
            lps,
            oc,
            cc,
            ow,
            cw,
            cc / oc,
            cw / ow,
            max_rel,
            status_diff);
    }
    return 0;
}
