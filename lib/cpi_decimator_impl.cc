/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/cpi_decimator.h>
#include <algorithm>
#include <vector>

namespace gr {
namespace isac {

class cpi_decimator_impl : public cpi_decimator
{
    const int d_L;
    const pmt::pmt_t d_cpi_key;
    // the input item (this run's numbering) where the CPI in progress started:
    // 0 at start(), then the last isac_cpi tag one_bit_rx_filter put on its
    // statistic where it restarted a CPI mid-stream
    uint64_t d_start = 0;
    std::vector<gr::tag_t> d_tags;
    std::vector<uint64_t> d_starts;

public:
    explicit cpi_decimator_impl(int L)
        : gr::sync_decimator("cpi_decimator",
                             gr::io_signature::make(1, 1, sizeof(float)),
                             gr::io_signature::make(1, 1, sizeof(float)),
                             unsigned(L)),
          d_L(L),
          d_cpi_key(pmt::mp("isac_cpi"))
    {
        // The default policy maps a tag's offset through the relative rate with
        // rounding to nearest: a tag on a CPI's second half (its end, where
        // one_bit_rx_filter tags a detection) would land on the next CPI's
        // decision, and the last CPI's past the run's output. work() puts each
        // tag on its own CPI's decision instead.
        set_tag_propagation_policy(TPP_CUSTOM);
    }

    bool start() override
    {
        // start() after stop()/wait() gives the flowgraph new buffers whose items
        // count from 0, and the filter's CPIs start at item 0 of each run
        d_start = 0;
        return sync_decimator::start();
    }

    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star& out) override
    {
        const auto v = static_cast<const float*>(in[0]);
        auto o = static_cast<float*>(out[0]);
        const uint64_t L = uint64_t(d_L);
        const uint64_t r0 = nitems_read(0), w0 = nitems_written(0);
        get_tags_in_range(d_tags, 0, r0, r0 + uint64_t(n) * L);
        d_starts.clear();
        for (const auto& t : d_tags)
            if (pmt::eq(t.key, d_cpi_key))
                d_starts.push_back(t.offset);
        std::sort(d_starts.begin(), d_starts.end());
        // The CPI ends are items e = s + m L - 1 (m >= 1) after a CPI start s,
        // before the next start. A restart drops the partial CPI and the next
        // end is a whole CPI later, so a group of L inputs holds at most one
        // end: keep it, or the group's last item (one_bit_rx_filter's 0
        // between CPI ends) when a restart leaves the group without one.
        size_t j = 0;
        for (int k = 0; k < n; ++k) {
            const uint64_t g0 = r0 + uint64_t(k) * L, g1 = g0 + L;
            uint64_t keep = g1 - 1;
            for (uint64_t a = g0; a < g1;) {
                while (j < d_starts.size() && d_starts[j] <= a)
                    d_start = d_starts[j++];
                const uint64_t b =
                    j < d_starts.size() && d_starts[j] < g1 ? d_starts[j] : g1;
                const uint64_t e = a + (L - (a - d_start + 1) % L) % L;
                if (e < b)
                    keep = e;
                a = b;
            }
            o[k] = v[keep - r0];
        }
        for (const auto& t : d_tags)
            add_item_tag(0, w0 + (t.offset - r0) / L, t.key, t.value, t.srcid);
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
