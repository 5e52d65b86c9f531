/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "tx_reference.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/steering.h>
#include <gnuradio/isac/steering_reference.h>
#include <mutex>

namespace gr {
namespace isac {

class steering_reference_impl : public steering_reference
{
    const int d_n;
    mutable std::mutex d_mutex;
    double d_tx_deg = 0;
    core::cvecf d_g; // g_T(tx_deg): c_t = g_T^T x_t, the field radiated toward tx_deg

    static core::cvecf steering(int n, double deg)
    {
        return tx_reference_steering(n, deg);
    }

public:
    steering_reference_impl(int n, double deg)
        : gr::sync_block("steering_reference",
                         gr::io_signature::make(1, 1, sizeof(gr_complex) * n),
                         gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_n(n),
          d_tx_deg(deg),
          d_g(steering(n, deg))
    {
    }

    // clang-format off
    // gen_params:begin accessors
    void set_tx_deg(double tx_deg) override;
    double tx_deg() const override;
    // gen_params:end accessors
    // clang-format on
    // on_set of tx_deg (lock held)
    void tx_deg_changed() { d_g = steering(d_n, d_tx_deg); }

    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star& out) override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        tx_reference(static_cast<const gr_complex*>(in[0]),
                     n,
                     d_g,
                     static_cast<gr_complex*>(out[0]));
        return n;
    }
};

// clang-format off
// gen_params:begin accessor_definitions
void steering_reference_impl::set_tx_deg(double tx_deg)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    core::check_value(core::params::steering_reference::tx_deg, double(tx_deg));
    set_or_restore(d_tx_deg, tx_deg, [&] { tx_deg_changed(); });
}

double steering_reference_impl::tx_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_tx_deg;
}
// gen_params:end accessor_definitions
// clang-format on

steering_reference::sptr steering_reference::make(int n_tx, double tx_deg)
{
    core::params::steering_reference::check(n_tx, tx_deg);
    return gnuradio::make_block_sptr<steering_reference_impl>(n_tx, tx_deg);
}

} // namespace isac
} // namespace gr
