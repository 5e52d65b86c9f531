/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Heap allocations of ci_solver::solve_indices per design vector (not a benchmark):
 * malloc, calloc, realloc and the aligned allocators are counted around each call
 * (this program's definitions replace glibc's and forward to it). The first vector
 * of each solver warms its workspaces; it prints the mean and the largest count per
 * vector after it. Each solver designs into one ci_result (solve_indices(k, r), as a
 * block would); --by-value: a new ci_result per vector (solve_indices(k)).
 *   build/bench/ci_alloc_count --family=/tmp/ci_family.txt [--stream=FILE]
 *       [--by-value] 64 [per_draw]
 */
#include "ci_family_load.h"
#include <gnuradio/isac/core/ci_solver.h>
#include <malloc.h>
#include <algorithm>
#include <cstdio>
#include <random>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
}

namespace {
long g_allocs = 0;
bool g_by_value = false;
} // namespace

extern "C" {
void* malloc(size_t n)
{
    ++g_allocs;
    return __libc_malloc(n);
}
void* calloc(size_t a, size_t b)
{
    ++g_allocs;
    return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n)
{
    ++g_allocs;
    return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n)
{
    ++g_allocs;
    return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n)
{
    ++g_allocs;
    return __libc_memalign(a, n);
}
int posix_memalign(void** p, size_t a, size_t n)
{
    ++g_allocs;
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;
}
}

namespace {
struct tally {
    long vectors = 0, allocs = 0, worst = 0, first = 0, solvers = 0, zero = 0;
    void add(long a, bool warm)
    {
        if (!warm) {
            first += a;
            ++solvers;
            return;
        }
        ++vectors;
        allocs += a;
        worst = std::max(worst, a);
        zero += a == 0;
    }
};

void design(
    const ci_solver& s, const std::vector<int>& k, ci_result& r, tally& t, bool warm)
{
    const long a0 = g_allocs;
    if (g_by_value)
        r = s.solve_indices(k);
    else
        s.solve_indices(k, r);
    t.add(g_allocs - a0, warm);
}

void report(int N, const tally& t)
{
    std::printf("N_T = %d: %ld solvers, first vector %.1f allocations each; after it "
                "%ld vectors: %.2f allocations per vector (max %ld, %ld vectors with "
                "none)\n",
                N,
                t.solvers,
                t.solvers ? double(t.first) / t.solvers : 0.0,
                t.vectors,
                t.vectors ? double(t.allocs) / t.vectors : 0.0,
                t.worst,
                t.zero);
}

int stream_count(int N, const char* path)
{
    FILE* f = std::fopen(path, "r");
    if (!f)
        return 1;
    int count, got;
    const instance* d;
    std::vector<int> ks;
    tally t;
    while ((got = read_stream_draw(f, N, d, count, ks)) > 0) {
        const int U = d->U;
        const ci_solver s = realtime_solver(*d);
        std::vector<int> k(U);
        ci_result r;
        for (int v = 0; v < count; ++v) {
            std::copy(
                ks.begin() + size_t(v) * U, ks.begin() + size_t(v + 1) * U, k.begin());
            design(s, k, r, t, v > 0);
        }
    }
    std::fclose(f);
    if (got < 0)
        return 1;
    report(N, t);
    return 0;
}
} // namespace

int main(int argc, char** argv)
{
    family_arg(argc, argv);
    const char* stream = take_arg(argc, argv, "--stream=");
    g_by_value = take_arg(argc, argv, "--by-value") != nullptr;
    const auto args = driver_args(argc,
                                  argv,
                                  "usage: ci_alloc_count [--family=FILE] [--stream=FILE] "
                                  "[--by-value] [N_T [PER_DRAW]]\n"
                                  "  N_T: 64 by default; PER_DRAW: random vectors per "
                                  "draw (64), not with --stream",
                                  stream ? 1 : 2);
    load_family();
    const int N = positional(args, 0, 64);
    if (stream)
        return stream_count(N, stream);
    const int per_draw = positional(args, 1, 64);
    std::mt19937 rng(3);
    tally t;
    for (const auto& d : family_draws(N)) {
        const ci_solver s = realtime_solver(d);
        std::uniform_int_distribution<int> ud(0, d.M - 1);
        std::vector<int> k(d.U);
        ci_result r;
        for (int v = 0; v < per_draw; ++v) {
            for (auto& e : k)
                e = ud(rng);
            design(s, k, r, t, v > 0);
        }
    }
    report(N, t);
    return 0;
}
