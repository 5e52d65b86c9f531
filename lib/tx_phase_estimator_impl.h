/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_TX_PHASE_ESTIMATOR_IMPL_H
#define INCLUDED_ISAC_TX_PHASE_ESTIMATOR_IMPL_H

#include "one_shot_run.h"
#include <gnuradio/isac/core/tx_phase.h>
#include <gnuradio/isac/tx_phase_estimator.h>
#include <atomic>
#include <mutex>

namespace gr {
namespace isac {

class tx_phase_estimator_impl : public tx_phase_estimator
{
private:
    std::atomic<uint64_t> d_run_stamp{ 0 }; // stamps the cal messages
    mutable std::mutex d_mutex; // guards everything below
    core::tx_phase_estimator d_est;
    one_shot_run d_run;
    const bool d_equalize;
    std::vector<double> d_phases;
    uint64_t d_invalid = 0; // estimates refused so far (their warnings thin out)
    const pmt::pmt_t d_out_port, d_in_port;

public:
    tx_phase_estimator_impl(int n_tx,
                            double ref_deg,
                            double spacing,
                            int max_lag,
                            int64_t n_avg,
                            int block_len,
                            bool continuous,
                            double min_score,
                            bool equalize_gains);
    ~tx_phase_estimator_impl() override;

    pmt::pmt_t last_estimate() const override;
    std::vector<double> phases_rad() const override;
    uint64_t estimates() const override;
    void recalibrate() override;
    bool start() override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace isac
} // namespace gr

#endif
