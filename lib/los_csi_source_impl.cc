/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_message.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/steering.h>
#include <gnuradio/isac/los_csi_source.h>
#include <mutex>
#include <random>

namespace gr {
namespace isac {

namespace {
// the one rule the descriptor's range cannot say
void check_user_count(const std::vector<double>& user_deg)
{
    if (user_deg.empty() || user_deg.size() > size_t(core::max_users))
        core::throw_param("user_deg",
                          core::list_str(user_deg.size(), "angle"),
                          "1 to " + std::to_string(core::max_users) +
                              " angles in [-90, 90]");
}
} // namespace

class los_csi_source_impl : public los_csi_source
{
    const int d_n;
    const pmt::pmt_t d_port;
    mutable std::mutex d_mutex;
    std::vector<double> d_user_deg;
    double d_gain;
    uint64_t d_session = 0, d_changes = 0;

    core::cmat channel_locked() const
    {
        core::cmat H(d_user_deg.size(), d_n);
        for (size_t u = 0; u < d_user_deg.size(); ++u)
            H.row(u) = d_gain *
                       core::ula_steering(d_n, core::deg2rad(d_user_deg[u])).transpose();
        return H;
    }

    void publish()
    {
        pmt::pmt_t m;
        {
            std::lock_guard<std::mutex> lock(d_mutex);
            m = make_csi(
                channel_locked(), 0, (d_session << 32) | (d_changes & 0xffffffffu));
        }
        message_port_pub(d_port, m);
    }

public:
    los_csi_source_impl(int n, const std::vector<double>& deg, double gain)
        : gr::block("los_csi_source",
                    gr::io_signature::make(0, 0, 0),
                    gr::io_signature::make(0, 0, 0)),
          d_n(n),
          d_port(pmt::mp("csi")),
          d_user_deg(deg),
          d_gain(gain)
    {
        message_port_register_out(d_port);
    }

    bool start() override
    {
        {
            std::lock_guard<std::mutex> lock(d_mutex);
            std::random_device rd;
            do
                d_session = uint64_t(rd()) & 0xffffffffu;
            while (d_session == 0);
        }
        publish();
        // Nothing more for the scheduler (setters publish directly): a block with
        // only message outputs would otherwise keep a bounded flowgraph running
        // for ever, like message_strobe.
        _post(pmt::mp("system"), pmt::cons(pmt::mp("done"), pmt::from_long(1)));
        return block::start();
    }

    core::cmat channel() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return channel_locked();
    }
    // clang-format off
    // gen_params:begin accessors
    void set_user_deg(const std::vector<double>& user_deg) override;
    std::vector<double> user_deg() const override;
    void set_gain(double gain) override;
    double gain() const override;
    // gen_params:end accessors
    // clang-format on

private:
    // on_set (lock held): a new channel; after_set publish() sends it
    void changed()
    {
        check_user_count(d_user_deg);
        ++d_changes;
    }
};

// clang-format off
// gen_params:begin accessor_definitions
void los_csi_source_impl::set_user_deg(const std::vector<double>& user_deg)
{
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        core::check_values(core::params::los_csi_source::user_deg, user_deg);
        set_or_restore(d_user_deg, user_deg, [&] { changed(); });
    }
    publish();
}

std::vector<double> los_csi_source_impl::user_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_user_deg;
}

void los_csi_source_impl::set_gain(double gain)
{
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        core::check_value(core::params::los_csi_source::gain, double(gain));
        set_or_restore(d_gain, gain, [&] { changed(); });
    }
    publish();
}

double los_csi_source_impl::gain() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_gain;
}
// gen_params:end accessor_definitions
// clang-format on

los_csi_source::sptr
los_csi_source::make(int n_tx, const std::vector<double>& user_deg, double gain)
{
    core::params::los_csi_source::check(n_tx, user_deg, gain);
    check_user_count(user_deg);
    return gnuradio::make_block_sptr<los_csi_source_impl>(n_tx, user_deg, gain);
}

} // namespace isac
} // namespace gr
