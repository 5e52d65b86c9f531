/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Can a users' subset prove a snapshot infeasible? User u's two QoS rows depend only
 * on (h_u, s_u), so if the rows of a few users admit no alphabet point, so does every
 * snapshot of that channel with the same symbols of those users (up to a common
 * quarter turn when M % 4 == 0): one proof could serve many snapshots. This driver
 * measures whether such subsets exist where the feasibility branch and bound runs
 * (not a benchmark of one kernel). Every snapshot is classified as ci_family_cost
 * does (max-min search at margin 0, its LP bound, the feasibility search); for each
 * snapshot that is not feasible at once every user and every pair is tested with the
 * same exact feasibility search on its rows alone, and where the branch and bound ran,
 * the larger subsets up to --max-size (increasing size, stopping at the first size
 * with an infeasible subset; the whole set is the snapshot itself).
 *   /usr/bin/python3 bench/ci_family.py --export /tmp/ci_family.txt --draws 20
 *   build/bench/ci_subset_proof --family=/tmp/ci_family.txt 16 [per_draw]
 *   build/bench/ci_subset_proof --family=/tmp/ci_family.txt --stream=FILE 16
 * (--stream: the symbol vectors of `bench/bench_ci_block.py ... --export-stream FILE`.)
 * It prints per category the smallest infeasible subset's size, the cost of a pair's
 * proof against the full branch and bound, and how many distinct (pair, symbol-pair
 * class) entries the snapshots that run the branch and bound touch: the size and the
 * reuse a per-channel table of pair outcomes would have.
 */
#include "ci_family_load.h"
#include <gnuradio/isac/core/ci_ilp.h>
#include <gnuradio/isac/core/ci_solver.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>

using namespace gr::isac::core;

namespace {

enum { feasible, lp_infeasible, bnb_proven, bnb_undecided, bnb_found, n_categories };
const char* const category_name[n_categories] = {
    "feasible", "lp-infeasible", "bnb-proven", "bnb-undecided", "bnb-found"
};
constexpr int most_users = 8; // the family draws at most 6 (subsets: a bit mask)

struct tally {
    long count[n_categories] = {};
    //! [category][smallest infeasible subset size]; 0: none up to the size tested
    long smallest[n_categories][most_users + 1] = {};
    long whole[n_categories] = {}; //!< every proper subset tested and feasible
    double design_seconds = 0;     //!< the real-time designs of every snapshot
    double bnb_seconds = 0, proven_seconds = 0, pair_seconds = 0, larger_seconds = 0;
    long bnb_runs = 0, pair_proofs = 0, pairs_infeasible = 0, larger_proofs = 0;
    long pair_lookups = 0; // pairs of the snapshots that run the branch and bound
    std::set<std::vector<int>> pair_entries; //!< (draw, pair, symbol-pair class)
    //! infeasible subsets found so far (draw, users' mask, class of their symbols), and
    //! the bnb-proven snapshots with one of them: what a table filled by free proofs
    //! of every subset tested would save (an upper bound)
    std::set<std::vector<int>> infeasible_subsets;
    long reused = 0;
    double reused_seconds = 0;
};

struct context {
    const instance& d;
    const ci_solver& s;
    const rmat& At;
};

// The exact feasibility search on the rows of the users in `mask` alone; true when it
// proves them infeasible (at the subset's own tolerance, at most the snapshot's: a
// table used by the solver would prove at the snapshot's, so that its proof excludes
// every point the full search accepts; the 1e-10 difference does not show here).
bool subset_infeasible(const context& c, unsigned mask)
{
    std::vector<int> rows;
    for (int u = 0; u < c.d.U; ++u)
        if (mask >> u & 1) {
            rows.push_back(2 * u);
            rows.push_back(2 * u + 1);
        }
    rmat S(rows.size(), c.At.cols());
    for (size_t i = 0; i < rows.size(); ++i)
        S.row(i) = c.At.row(rows[i]);
    const ilp_result f = ilp_qos_feasibility(S,
                                             rvec::Constant(S.rows(), c.s.lambda()),
                                             c.s.amplitude(),
                                             c.s.tuning().feasibility_nodes);
    return !f.feasible && (!(f.lp_bound >= 0) || f.optimal);
}

// The class of the symbols of the users in `mask` under a common quarter turn (x -> j x
// maps the 1-bit alphabet to itself): the first one reduced below M / 4. Prefixed by
// the draw and the mask.
std::vector<int> subset_class(const instance& d, unsigned mask, const std::vector<int>& k)
{
    std::vector<int> key{ d.index, int(mask) };
    int turn = -1;
    for (int u = 0; u < d.U; ++u)
        if (mask >> u & 1) {
            if (turn < 0)
                turn = d.M % 4 ? 0 : k[u] - k[u] % (d.M / 4);
            key.push_back(((k[u] - turn) % d.M + d.M) % d.M);
        }
    return key;
}

void probe(const instance& d,
           const ci_solver& s,
           const std::vector<int>& k,
           int max_size,
           tally& t)
{
    const double t_design = thread_seconds();
    s.solve_indices(k);
    t.design_seconds += thread_seconds() - t_design;
    cvec sv(d.U);
    for (int u = 0; u < d.U; ++u)
        sv[u] = psk_point(d.M, k[u]);
    const rmat At = ci_real_constraints(ci_constraint_matrix(d.H, sv, d.M));
    const rvec lam = rvec::Constant(At.rows(), s.lambda());
    const double c = s.amplitude();
    const ilp_result h = ilp_maxmin_heuristic(At, lam, c, false, rvec(), 0.0, {}, 0.0);
    int cat;
    double proof_seconds = 0;
    if (h.feasible && h.objective >= -1e-10 * (1.0 + s.lambda()))
        cat = feasible;
    else if (!(h.lp_bound >= 0))
        cat = lp_infeasible;
    else {
        const double t0 = thread_seconds();
        const ilp_result f =
            ilp_qos_feasibility(At, lam, c, s.tuning().feasibility_nodes, {}, &h);
        const double dt = thread_seconds() - t0;
        t.bnb_seconds += dt;
        ++t.bnb_runs;
        cat = f.feasible ? bnb_found : f.optimal ? bnb_proven : bnb_undecided;
        if (cat == bnb_proven)
            t.proven_seconds += dt;
        proof_seconds = dt;
    }
    ++t.count[cat];
    if (cat == feasible)
        return;
    const context ctx{ d, s, At };
    const bool bnb_ran = cat >= bnb_proven;
    // proper subsets only, pairs at most where the LP bound already proved
    const int largest = std::min(d.U - 1, bnb_ran ? max_size : std::min(max_size, 2));
    int smallest = 0;
    bool reuse = false;
    for (int size = 1; size <= largest && !smallest; ++size) {
        for (unsigned m = 0; m < (1u << d.U); ++m) {
            if (__builtin_popcount(m) != size)
                continue;
            const double t0 = thread_seconds();
            const bool infeasible = subset_infeasible(ctx, m);
            const double dt = thread_seconds() - t0;
            if (size == 2) {
                t.pair_seconds += dt;
                ++t.pair_proofs;
                t.pairs_infeasible += infeasible;
            } else if (size > 2) {
                t.larger_seconds += dt;
                ++t.larger_proofs;
            }
            if (infeasible) {
                smallest = size;
                reuse |= !t.infeasible_subsets.insert(subset_class(d, m, k)).second;
            }
        }
    }
    if (!smallest && cat == bnb_proven && largest == d.U - 1)
        ++t.whole[cat];
    else
        ++t.smallest[cat][smallest];
    if (reuse && cat == bnb_proven) {
        ++t.reused;
        t.reused_seconds += proof_seconds;
    }
    if (!bnb_ran)
        return;
    for (int u = 0; u < d.U; ++u)
        for (int v = u + 1; v < d.U; ++v) {
            t.pair_entries.insert(subset_class(d, 1u << u | 1u << v, k));
            ++t.pair_lookups;
        }
}

ci_solver make_solver(const instance& d)
{
    if (d.U > most_users) {
        std::fprintf(stderr, "draw %d: U = %d > %d users\n", d.index, d.U, most_users);
        std::exit(2);
    }
    return realtime_solver(d);
}

void print(int N, const tally& t, int max_size)
{
    long vectors = 0;
    for (long n : t.count)
        vectors += n;
    std::printf("N_T = %d: %ld vectors; smallest infeasible users' subset (subsets up to "
                "%d users, larger ones only where the branch and bound ran)\n",
                N,
                vectors,
                max_size);
    for (int c = 1; c < n_categories; ++c) {
        if (!t.count[c])
            continue;
        std::printf(
            "  %-14s share %.3f  ", category_name[c], double(t.count[c]) / vectors);
        for (int s = 1; s <= most_users; ++s)
            if (t.smallest[c][s])
                std::printf(" %d users: %ld", s, t.smallest[c][s]);
        if (t.whole[c])
            std::printf(" only all U: %ld", t.whole[c]);
        if (t.smallest[c][0])
            std::printf(" none up to the size tested: %ld", t.smallest[c][0]);
        std::printf("\n");
    }
    std::printf("  real-time designs: %.1f us each\n", t.design_seconds / vectors * 1e6);
    if (t.bnb_runs)
        std::printf(
            "  full feasibility branch and bound: %.1f us each (%ld runs); on the "
            "bnb-proven snapshots %.1f %% of the designs' time\n",
            t.bnb_seconds / t.bnb_runs * 1e6,
            t.bnb_runs,
            100.0 * t.proven_seconds / t.design_seconds);
    if (t.pair_proofs)
        std::printf("  pair proofs: %.1f us each (%ld, %ld infeasible)\n",
                    t.pair_seconds / t.pair_proofs * 1e6,
                    t.pair_proofs,
                    t.pairs_infeasible);
    if (t.larger_proofs)
        std::printf("  subsets of 3 or more users: %.1f us each (%ld)\n",
                    t.larger_seconds / t.larger_proofs * 1e6,
                    t.larger_proofs);
    if (t.pair_lookups)
        std::printf("  snapshots running the branch and bound: %ld pair look-ups, %zu "
                    "distinct (pair, symbol-pair class) entries\n",
                    t.pair_lookups,
                    t.pair_entries.size());
    if (t.count[bnb_proven])
        std::printf(
            "  bnb-proven snapshots with an infeasible subset proven before (same "
            "users, same symbols up to a quarter turn): %ld, %.1f %% of their "
            "branch and bound time\n",
            t.reused,
            t.proven_seconds > 0 ? 100.0 * t.reused_seconds / t.proven_seconds : 0.0);
}
} // namespace

int main(int argc, char** argv)
{
    family_arg(argc, argv);
    const char* stream = take_arg(argc, argv, "--stream=");
    const char* size_arg = take_arg(argc, argv, "--max-size=");
    const auto args = driver_args(
        argc,
        argv,
        "usage: ci_subset_proof [--family=FILE] [--stream=FILE] [--max-size=K] "
        "[N_T [PER_DRAW]]\n"
        "  N_T: 16 by default; PER_DRAW: random vectors per draw (64), not with "
        "--stream; K: largest subset tested (2; larger subsets only where the "
        "branch and bound ran)",
        stream ? 1 : 2);
    const int max_size = size_arg ? std::atoi(size_arg) : 2;
    if (max_size < 1 || max_size > most_users) {
        std::fprintf(stderr, "--max-size: %s: not in [1, %d]\n", size_arg, most_users);
        return 2;
    }
    load_family();
    const int N = positional(args, 0, 16);
    tally t;
    if (stream) {
        FILE* f = std::fopen(stream, "r");
        if (!f) {
            std::fprintf(stderr, "cannot read %s\n", stream);
            return 1;
        }
        int count, got;
        const instance* d;
        std::vector<int> ks;
        while ((got = read_stream_draw(f, N, d, count, ks)) > 0) {
            const ci_solver s = make_solver(*d);
            for (int v = 0; v < count; ++v)
                probe(*d,
                      s,
                      std::vector<int>(ks.begin() + size_t(v) * d->U,
                                       ks.begin() + size_t(v + 1) * d->U),
                      max_size,
                      t);
        }
        std::fclose(f);
        if (got < 0)
            return 1;
    } else {
        const int per_draw = positional(args, 1, 64);
        std::mt19937 rng(3); // the vectors of ci_family_cost
        for (const auto& d : family_draws(N)) {
            const ci_solver s = make_solver(d);
            std::uniform_int_distribution<int> ud(0, d.M - 1);
            for (int v = 0; v < per_draw; ++v) {
                std::vector<int> k(d.U);
                for (auto& e : k)
                    e = ud(rng);
                probe(d, s, k, max_size, t);
            }
        }
    }
    print(N, t, max_size);
    return 0;
}
