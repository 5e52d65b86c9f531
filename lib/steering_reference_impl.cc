/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

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
    double d_deg = 0;
    core::cvecf d_g; // g_T(tx_deg): c_t = g_T^T x_t, the field radiated toward tx_deg

    static core::cvecf steering(int n, double deg)
    {
        core::check_angle_deg("tx_deg", deg);
        // the module's unit-norm steering vector (docs/conventions.md)
        const core::array_convention c{ 0.5, -1, core::phase_ref::first, true };
        return core::ula_steering_f(n, core::deg2rad(deg), c);
    }

public:
    steering_reference_impl(int n, double deg)
        : gr::sync_block("steering_reference",
                         gr::io_signature::make(1, 1, sizeof(gr_complex) * n),
                         gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_n(n),
          d_deg(deg),
          d_g(steering(n, deg))
    {
    }

    void set_tx_deg(double deg) override
    {
        core::cvecf g = steering(d_n, deg); // validates before anything changes
        std::lock_guard<std::mutex> lock(d_mutex);
        d_g = std::move(g);
        d_deg = deg;
    }
    double tx_deg() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_deg;
    }

    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star& out) override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        Eigen::Map<const core::cmatf> X(static_cast<const gr_complex*>(in[0]), d_n, n);
        Eigen::Map<core::cvecf> c(static_cast<gr_complex*>(out[0]), n);
        c.noalias() = X.transpose() * d_g;
        return n;
    }
};

steering_reference::sptr steering_reference::make(int n_tx, double tx_deg)
{
    core::params::steering_reference::check(n_tx, tx_deg);
    return gnuradio::make_block_sptr<steering_reference_impl>(n_tx, tx_deg);
}

} // namespace isac
} // namespace gr
