/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/channel.h> // gaussian_rng (uniform bits)
#include <gnuradio/isac/core/frame.h>
#include <gnuradio/isac/core/limits.h>
#include <algorithm>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

namespace {
int next_pow2(int n)
{
    int p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

// Independent streams per pattern, so that changing one length never changes
// the others' patterns.
enum stream : uint64_t { s_block = 1, s_header = 2, s_pilots = 3 };

uint64_t stream_seed(uint64_t seed, uint64_t which)
{
    uint64_t st = seed ^ (which * 0x9e3779b97f4a7c15ULL);
    return splitmix64(st);
}

cmatf qpsk_signs(int rows, int cols, uint64_t seed)
{
    gaussian_rng g(seed);
    cmatf m(rows, cols);
    uint64_t bits = 0;
    int left = 0;
    for (int c = 0; c < cols; ++c)
        for (int r = 0; r < rows; ++r) {
            if (left < 2) {
                bits = g.next_u64();
                left = 64;
            }
            const float re = (bits & 1) ? -1.0f : 1.0f;
            const float im = (bits & 2) ? -1.0f : 1.0f;
            bits >>= 2;
            left -= 2;
            m(r, c) = cfloat(re, im);
        }
    return m;
}
} // namespace

frame_format frame_format::make(int n_tx,
                                int payload_len,
                                int preamble_block,
                                int preamble_reps,
                                int pilot_len,
                                uint64_t seed,
                                int guard_len)
{
    frame_format f;
    f.n_tx = n_tx;
    f.payload_len = payload_len;
    f.preamble_block = preamble_block;
    f.preamble_reps = preamble_reps;
    f.pilot_len = pilot_len;
    f.seed = seed;
    f.guard_len = guard_len;
    f.validate();
    return f;
}

void frame_format::validate() const
{
    check_int_range("n_tx", n_tx, 1, max_antennas);
    check_int_range("payload_len", payload_len, 1, frame_max_len);
    if (preamble_block != 0) // >= 16: the header's frame-number codes
        check_int_range("preamble_block", preamble_block, 16, 8192);
    check_int_range("preamble_reps", preamble_reps, 2, 64);
    const int order = hadamard_order();
    if (pilot_len != 0 &&
        (pilot_len < order || pilot_len % order != 0 || pilot_len > 65536))
        throw_param("pilot_len",
                    std::to_string(pilot_len),
                    "0 (= " + std::to_string(order) + ") or a multiple of " +
                        std::to_string(order) +
                        " (n_tx rounded up to a power of two: the Hadamard order), <= "
                        "65536");
    if (seed == 0)
        throw_param("frame_seed", "0", "> 0");
    check_int_range("guard_len", guard_len, 0, frame_max_len);
    if (long(frame_len()) > frame_max_len) {
        // name the guard when it is what pushes the frame over the limit
        const bool guard = guard_len > 0 && long(guard_start()) <= frame_max_len;
        throw_param(guard ? "guard_len" : "payload_len",
                    std::to_string(guard ? guard_len : payload_len),
                    "a frame of at most " + std::to_string(frame_max_len) + " snapshots");
    }
}

int frame_format::hadamard_order() const { return next_pow2(std::max(1, n_tx)); }

bool frame_format::operator==(const frame_format& o) const
{
    return n_tx == o.n_tx && payload_len == o.payload_len && block() == o.block() &&
           preamble_reps == o.preamble_reps && pilots() == o.pilots() && seed == o.seed &&
           guard_len == o.guard_len;
}

cmatf orthogonal_pilots(int n_streams, int len, uint64_t seed)
{
    check_int_range("n_streams", n_streams, 1, 1 << 16);
    const int order = next_pow2(n_streams);
    if (len < order || len % order != 0)
        throw_param("pilot_len",
                    std::to_string(len),
                    "a multiple of " + std::to_string(order) + " (the Hadamard order)");
    // P = (1 + j) D_r H D_c: D_c random signs per snapshot, D_r per stream a
    // random sign times j^(r mod 2). Unit-modulus diagonals keep the rows
    // orthogonal, the entries stay 1-bit DAC points, and since neighbouring
    // streams differ by a factor +-j no snapshot is a constant vector (which
    // a Hadamard column times real signs can be: an unsteered broadside beam).
    gaussian_rng g(seed);
    std::vector<cfloat> row_s(n_streams);
    std::vector<float> col_sign(len);
    for (int r = 0; r < n_streams; ++r) {
        const float s = (g.next_u64() >> 63) ? -1.0f : 1.0f;
        row_s[r] = (r & 1) ? cfloat(0, s) : cfloat(s, 0);
    }
    for (auto& s : col_sign)
        s = (g.next_u64() >> 63) ? -1.0f : 1.0f;
    cmatf P(n_streams, len);
    for (int t = 0; t < len; ++t) {
        const int c = t % order;
        for (int r = 0; r < n_streams; ++r) {
            // Sylvester: H[r][c] = (-1)^popcount(r & c)
            const float h = (__builtin_popcount(unsigned(r & c)) & 1) ? -1.0f : 1.0f;
            P(r, t) = cfloat(1, 1) * row_s[r] * (h * col_sign[t]);
        }
    }
    return P;
}

frame_patterns::frame_patterns(const frame_format& f) : d_f(f)
{
    f.validate();
    const int N = f.n_tx, L = f.block();
    d_block = qpsk_signs(N, L, stream_seed(f.seed, s_block));
    d_header = qpsk_signs(N, L, stream_seed(f.seed, s_header));
    d_pilots = orthogonal_pilots(N, f.pilots(), stream_seed(f.seed, s_pilots));
    d_known1.resize(N, f.known_len());
    for (int r = 0; r < f.preamble_reps; ++r)
        d_known1.middleCols(r * L, L) = d_block;
    d_known1.middleCols(f.header_start(), L) = d_header;
    d_known1.middleCols(f.pilot_start(), f.pilots()) = d_pilots;
    d_known0 = d_known1;
    d_known0.middleCols(f.header_start(), L) = -d_header;
}

cmatf frame_patterns::known(bool header_flag, uint64_t index) const
{
    cmatf K = known(header_flag);
    const int j = int(index % header_codes), hs = d_f.header_start();
    for (int t = 0; t < d_f.block(); ++t)
        K.col(hs + t) *= header_code(j, t);
    return K;
}

} // namespace core
} // namespace isac
} // namespace gr
