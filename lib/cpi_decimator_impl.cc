/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/cpi_decimator.h>

namespace gr {
namespace isac {

class cpi_decimator_impl : public cpi_decimator
{
    const int d_L;

public:
    explicit cpi_decimator_impl(int L)
        : gr::sync_decimator("cpi_decimator",
                             gr::io_signature::make(1, 1, sizeof(float)),
                             gr::io_signature::make(1, 1, sizeof(float)),
                             unsigned(L)),
          d_L(L)
    {
    }

    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star& out) override
    {
        // No count of our own (keep_one_in_n's survives a stop()/start()): the
        // scheduler hands a decimator whole groups of d_L from item 0 of each
        // run's new buffers, so item k d_L + d_L - 1 of the run is a CPI end.
        const auto v = static_cast<const float*>(in[0]);
        auto o = static_cast<float*>(out[0]);
        for (int k = 0; k < n; ++k)
            o[k] = v[size_t(k) * size_t(d_L) + size_t(d_L - 1)];
        return n;
    }

    int cpi_len() const override { return d_L; }
};

cpi_decimator::sptr cpi_decimator::make(int cpi_len)
{
    core::params::cpi_decimator::check(cpi_len);
    return gnuradio::make_block_sptr<cpi_decimator_impl>(cpi_len);
}

} // namespace isac
} // namespace gr
