/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_LOOP_DELAY_ESTIMATOR_IMPL_H
#define INCLUDED_ISAC_LOOP_DELAY_ESTIMATOR_IMPL_H

#include "one_shot_run.h"
#include <gnuradio/isac/core/frontend.h>
#include <gnuradio/isac/core/loop_delay.h>
#include <gnuradio/isac/loop_delay_estimator.h>
#include <mutex>

namespace gr {
namespace isac {

class loop_delay_estimator_impl : public loop_delay_estimator
{
private:
    mutable std::mutex d_mutex; // guards everything below
    core::loop_delay_estimator d_est;
    one_shot_run d_run;
    double d_delay = -1.0;
    const pmt::pmt_t d_out_port, d_restart_port, d_tag_key;
    // the optional outputs: x and the echo lined up, by the delay lines the
    // fractional_delay blocks use (work() only)
    core::fractional_delay d_x_fd, d_echo_fd;
    const pmt::pmt_t d_infeasible_key;
    std::vector<gr::tag_t> d_tags; // work(): one input's tags

public:
    loop_delay_estimator_impl(int n_tx,
                              int n_rx,
                              int max_delay,
                              int64_t n_avg,
                              bool continuous,
                              double min_peak_db,
                              double initial_delay);
    ~loop_delay_estimator_impl() override;

    pmt::pmt_t last_estimate() const override;
    double delay() const override;
    uint64_t estimates() const override;
    uint64_t valid_estimates() const override;
    void restart() override;
    bool stop() override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace isac
} // namespace gr

#endif
