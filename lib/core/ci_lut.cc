/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per-channel lookup table of CI precoder designs (ci_solver.h, our table design).
 */
#include <gnuradio/isac/core/ci_solver.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/worker_pool.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

namespace gr {
namespace isac {
namespace core {

ci_lut::ci_lut(int n_tx, int n_users, int M, long max_vectors)
    : d_n(n_tx), d_U(n_users), d_M(M), d_rot(M % 4 == 0)
{
    check_int_range("n_tx", n_tx, 1, max_antennas);
    check_int_range("n_users", n_users, 1, 64);
    check_int_range("psk_order", M, 2, 1 << 16);
    double tot = std::pow(double(M), n_users);
    if (tot > double(max_vectors))
        throw_param("lookup table size M^U",
                    std::to_string(tot),
                    "<= " + std::to_string(max_vectors) + " symbol vectors");
    d_total = long(tot + 0.5);
    d_stored = d_rot ? d_total / 4 : d_total;
    check_memory("lookup table",
                 std::to_string(d_stored) + " entries x " + std::to_string(n_tx) +
                     " antennas",
                 table_bytes(n_tx, n_users, M),
                 "the table (8 B per antenna and entry)");
    d_x.assign(size_t(d_stored) * d_n, cfloat(0, 0));
    d_feasible.assign(size_t(d_stored), 0);
}

double ci_lut::table_bytes(int n_tx, int n_users, int M)
{
    const double total = std::pow(double(M), n_users);
    const double stored = M % 4 == 0 ? total / 4 : total;
    return stored * (double(n_tx) * sizeof(cfloat) + 1.0);
}

void ci_lut::solve_entry(const ci_solver& s, long idx)
{
    // canonical index: k_0 in [0, q4) least significant, then k_1..k_{U-1} base M
    const int q4 = d_rot ? d_M / 4 : d_M;
    std::vector<int> k(d_U);
    long rest = idx / q4;
    k[0] = int(idx % q4);
    for (int u = 1; u < d_U; ++u) {
        k[u] = int(rest % d_M);
        rest /= d_M;
    }
    const ci_result r = s.solve_indices(k);
    cfloat* dst = &d_x[size_t(idx) * d_n];
    for (int i = 0; i < d_n; ++i)
        dst[i] = cfloat(r.x[i]);
    d_feasible[idx] = r.feasible ? 1 : 0;
}

bool ci_lut::build(const ci_solver& s, const std::atomic<bool>* cancel, worker_pool* pool)
{
    // entries are independent and written to their own slots: any thread count
    // builds the same table
    const std::function<void(long)> entry = [&](long idx) {
        if (!cancel_requested())
            solve_entry(s, idx);
    };
    bool done;
    if (pool) {
        done = pool->run(d_stored, entry, cancel, 1, true);
    } else {
        done = true;
        for (long idx = 0; idx < d_stored && done; ++idx) {
            done = !(cancel && cancel->load(std::memory_order_relaxed)) &&
                   !cancel_requested();
            if (done)
                solve_entry(s, idx);
        }
    }
    d_ready = done && !(cancel && cancel->load()) && !cancel_requested();
    return d_ready;
}

int ci_lut::canonical(const int* k, int n_users, int M, int* kc)
{
    if (M % 4 != 0) {
        std::copy(k, k + n_users, kc);
        return 0;
    }
    const int q4 = M / 4;
    const int rot = k[0] / q4; // quarter turns shared by every symbol
    const int shift = rot * q4;
    for (int u = 0; u < n_users; ++u) {
        const int v = k[u] - shift;
        kc[u] = v < 0 ? v + M : v;
    }
    return rot;
}

void ci_lut::quarter_turn(const cfloat* src, cfloat* dst, int n, int rot)
{
    // written on the interleaved floats so the compiler vectorises each case
    const float* a = reinterpret_cast<const float*>(src);
    float* b = reinterpret_cast<float*>(dst);
    const int n2 = 2 * n;
    switch (rot & 3) {
    case 0:
        if (dst != src)
            std::memcpy(b, a, sizeof(float) * n2);
        break;
    case 1: // j (a + jb) = -b + ja
        for (int i = 0; i < n2; i += 2) {
            const float re = a[i], im = a[i + 1];
            b[i] = -im;
            b[i + 1] = re;
        }
        break;
    case 2:
        for (int i = 0; i < n2; ++i)
            b[i] = -a[i];
        break;
    default: // -j (a + jb) = b - ja
        for (int i = 0; i < n2; i += 2) {
            const float re = a[i], im = a[i + 1];
            b[i] = im;
            b[i + 1] = -re;
        }
        break;
    }
}

bool ci_lut::lookup(const int* k, cfloat* out) const
{
    // the stored entry is the canonical member's: index k_0 in [0, q4) least
    // significant, then k_1..k_{U-1} base M (solve_entry's order)
    int kc[64]; // n_users <= 64 (constructor)
    const int rot = canonical(k, d_U, d_M, kc);
    long idx = 0;
    for (int u = d_U - 1; u >= 1; --u)
        idx = idx * d_M + kc[u];
    idx = idx * (d_rot ? d_M / 4 : d_M) + kc[0];
    quarter_turn(&d_x[size_t(idx) * d_n], out, d_n, rot);
    return d_feasible[idx] != 0;
}

} // namespace core
} // namespace isac
} // namespace gr
