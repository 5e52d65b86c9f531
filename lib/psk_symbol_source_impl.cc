/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/psk_symbol_source.h>
#include <gnuradio/random.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

namespace gr {
namespace isac {

class psk_symbol_source_impl : public psk_symbol_source
{
    const int d_n_users;
    std::vector<gr_complex> d_points;
    gr::random d_rng;
    std::atomic<uint64_t> d_n_items{ 0 };
    // vectors produced since construction: nitems_written() starts again at 0
    // after a stop() and start(), and n_items counts them all, as blocks.head
    // counts its copies (only the scheduler's thread touches it)
    uint64_t d_produced = 0;

public:
    psk_symbol_source_impl(int n_users, int psk_order, int64_t seed)
        : gr::sync_block("psk_symbol_source",
                         gr::io_signature::make(0, 0, 0),
                         gr::io_signature::make(1, 1, sizeof(gr_complex) * n_users)),
          d_n_users(n_users),
          d_rng(uint64_t(seed), 0, psk_order)
    {
        // exp(j 2 pi m / M) in double, then single precision: the table
        // psk_points(M).astype(complex64) of the Python side, bit for bit
        // (numpy divides the complex 2 pi m j by M as a product with 1/M)
        const double inv = 1.0 / psk_order;
        for (int m = 0; m < psk_order; ++m) {
            const double th = (2.0 * M_PI * m) * inv;
            d_points.emplace_back(float(std::cos(th)), float(std::sin(th)));
        }
    }

    // clang-format off
    // gen_params:begin accessors
    // gen_params:end accessors
    // clang-format on

    void set_n_items(uint64_t n_items) override { d_n_items.store(n_items); }
    uint64_t n_items() const override { return d_n_items.load(); }

    bool stop() override
    {
        forget_buffer_sizes(*this); // the next start() sizes the buffers afresh
        return sync_block::stop();
    }

    int work(int n, gr_vector_const_void_star&, gr_vector_void_star& out) override
    {
        const uint64_t limit = d_n_items.load();
        if (limit > 0) {
            if (d_produced >= limit)
                return WORK_DONE;
            n = int(std::min<uint64_t>(uint64_t(n), limit - d_produced));
        }
        auto s = static_cast<gr_complex*>(out[0]);
        const size_t total = size_t(n) * d_n_users;
        for (size_t i = 0; i < total; ++i)
            s[i] = d_points[size_t(d_rng.ran_int())];
        d_produced += uint64_t(n);
        return n;
    }
};

// clang-format off
// gen_params:begin accessor_definitions
// gen_params:end accessor_definitions
// clang-format on

psk_symbol_source::sptr psk_symbol_source::make(int n_users, int psk_order, int64_t seed)
{
    core::params::psk_symbol_source::check(n_users, psk_order, seed);
    return gnuradio::make_block_sptr<psk_symbol_source_impl>(n_users, psk_order, seed);
}

} // namespace isac
} // namespace gr
