/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/beam_count.h>
#include <algorithm>

namespace gr {
namespace isac {
namespace core {

namespace {
// floor(sqrt(v)) exactly for integers (no floating-point rounding at squares).
long isqrt(long v)
{
    long r = static_cast<long>(std::sqrt(double(v)));
    while (r * r > v)
        --r;
    while ((r + 1) * (r + 1) <= v)
        ++r;
    return r;
}
} // namespace

long sensing_dof(const std::string& task, int n_targets, int n_tx)
{
    if (task == "gains_aoa" || task == "aoa") {
        check_int_range("n_targets", n_targets, 1, 100000);
        const long n = n_targets;
        return task == "aoa" ? n : (7 * n * n + n) / 2;
    }
    if (task == "channel" || task == "beampattern") {
        check_int_range("n_tx", n_tx, 1, 1 << 20);
        const long n = n_tx;
        return task == "channel" ? n * n : 2 * n - 1;
    }
    if (task == "detection")
        return 1;
    throw_param("task", "'" + task + "'",
                "'gains_aoa', 'aoa', 'channel', 'detection' or 'beampattern'");
}

beam_bound beam_count_bound(int n_users, long d, bool cancellation, int n_tx)
{
    check_int_range("n_users", n_users, 0, 1 << 20);
    check_int_range("d", d, 0, 1L << 40);
    check_int_range("n_tx", n_tx, 0, 1 << 20);
    const long K = n_users;
    beam_bound b;
    b.d = d;
    b.total = static_cast<int>(cancellation ? K + isqrt(d) : isqrt(K * K + d));
    b.sensing = std::max(0, b.total - n_users);
    if (n_tx > 0) {
        b.sensing = std::min(b.sensing, std::max(0, n_tx - n_users));
        b.total = std::min<long>(b.total, n_users + b.sensing);
    }
    return b;
}

} // namespace core
} // namespace isac
} // namespace gr
