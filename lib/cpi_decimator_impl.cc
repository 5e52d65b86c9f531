/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/cpi_decimator.h>
#include <vector>

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
        // The default policy maps a tag's offset through the relative rate with
        // rounding to nearest: a tag on a CPI's second half (its end, where
        // one_bit_rx_filter tags a detection) would land on the next CPI's
        // decision, and the last CPI's past the run's output. work() puts each
        // tag on its own CPI's decision instead.
        set_tag_propagation_policy(TPP_CUSTOM);
    }

    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star& out) override
    {
        // No count of our own (keep_one_in_n's survives a stop()/wait() and
        // start()): that start() gives the flowgraph new buffers, and the
        // scheduler hands a decimator whole groups of d_L from their item 0, so
        // item k d_L + d_L - 1 of the run is a CPI end.
        const auto v = static_cast<const float*>(in[0]);
        auto o = static_cast<float*>(out[0]);
        for (int k = 0; k < n; ++k)
            o[k] = v[size_t(k) * size_t(d_L) + size_t(d_L - 1)];
        const uint64_t r0 = nitems_read(0), w0 = nitems_written(0);
        std::vector<gr::tag_t> tags;
        get_tags_in_range(tags, 0, r0, r0 + uint64_t(n) * uint64_t(d_L));
        for (const auto& t : tags)
            add_item_tag(
                0, w0 + (t.offset - r0) / uint64_t(d_L), t.key, t.value, t.srcid);
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
