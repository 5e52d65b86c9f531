/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * TDD acquisition of the users' downlink channel: uplink pilots received on
 * the transmit array's own receive chains, turned into downlink rows by the
 * reciprocity calibration (docs/ota.md).
 *
 * Model. Antenna n of the array has a transmit chain t_n and a receive chain
 * r_n; user u has a receive chain r_u and a transmit chain t_u; the air c_un
 * is reciprocal. The downlink row a user receiver reports is
 *     g_u,n = r_u c_un t_n            (its noise normalised away)
 * and the uplink column the array measures is
 *     h_n,u = r_n c_un t_u,
 * so g_u,n = kappa_n h_n,u (r_u / t_u) with kappa_n = t_n / r_n. The per-user
 * factor r_u / t_u is a complex scalar per row: its phase is the row's own
 * (the user resolves it), its magnitude is fixed here by one reference user
 * whose receiver reports its downlink row: kappa_n = g_ref,n / h_n,ref makes
 * the reference row exact and every other row right up to |t_u r_ref /
 * (t_ref r_u)| (the users' own transmit/receive gain ratios), which a
 * scalar report per user (add_user_energy, a CQI) removes. An Argos-style calibration
 * (reciprocity_from_pairs) can set kappa instead; it is then fixed up to a
 * common complex factor, and the rows keep the uplink's scale.
 *
 * Uplink slots: user u sends row u of orthogonal_pilots(n_users, uplink_len,
 * pilot_seed) (core/frame.h) in the snapshots [offset + k period, offset + k
 * period + uplink_len); each slot gives the LS estimate H = Z P^H / (2 L)
 * (n_tx x n_users), each user's column averaged over slots by a csi_tracker
 * (phase-continuous: the users' CFO turns each slot's phase).
 *
 * Plain C++ (Eigen), no GNU Radio runtime. Not thread-safe.
 */
#ifndef INCLUDED_ISAC_CORE_TDD_CSI_H
#define INCLUDED_ISAC_CORE_TDD_CSI_H

#include <gnuradio/isac/core/csi_estimation.h>
#include <gnuradio/isac/core/types.h>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

struct tdd_csi_params {
    int n_tx = 4;
    int n_users = 2;
    int uplink_len = 32;           //!< pilot snapshots per slot (multiple of the order)
    uint64_t uplink_period = 1024; //!< snapshots from slot to slot
    uint64_t uplink_offset = 0;    //!< absolute index of the first slot
    uint64_t pilot_seed = 3;       //!< orthogonal_pilots seed, > 0
    int ref_user = 0;              //!< reference user (-1: kappa only by set_kappa)
    int memory = 32;               //!< slots (and reference rows) averaged

    //! Throws param_error naming the parameter.
    void validate() const;
};

class tdd_csi_estimator
{
public:
    explicit tdd_csi_estimator(const tdd_csi_params& p);

    const tdd_csi_params& params() const { return d_p; }

    /*!
     * n samples of each of the n_tx receive chains (in[k][i], separate
     * streams as the radios give them); pos0 is the absolute index of
     * sample 0. Returns the number of slots completed by these samples. A
     * slot with a non-finite sample, or one the stream entered midway, is
     * dropped (bad_slots()).
     */
    int process(const cfloat* const* in, long n, uint64_t pos0);

    /*!
     * The reference user's downlink row (n_tx) as its receiver reports it,
     * with its error variance per entry. Throws param_error on a wrong size or
     * a non-finite entry (the state is left as it was).
     */
    void add_reference_row(const cvec& g, double err_var);
    //! An external calibration (n_tx entries, finite, |kappa_n / kappa_0| in
    //! [1e-3, 1e3]: ratios of two chains' gains up to a common factor;
    //! |kappa_0| in [1e-15, 1e15]); ref rows are then ignored
    //! until clear_kappa().
    void set_kappa(const cvec& kappa);
    /*!
     * A scalar report of user u's downlink channel energy ||g_u||^2 (in the
     * reference row's units: its receiver's noise normalised): the one number
     * TDD cannot measure. Averaged over `memory` reports; user u's row is then
     * scaled to it. The reference user's scale comes with its row. Throws
     * param_error on u out of range or a non-finite or non-positive value.
     */
    void add_user_energy(int u, double energy);
    void clear_kappa();
    /*!
     * Takes the calibration side of `o` (its reference rows, user energies and
     * external kappa), keeping this estimator's uplink slots: the uplink as it
     * stood at one stream position paired with the rows of a chosen set of
     * frames, whatever order the two arrived in. Throws param_error when the
     * parameters differ.
     */
    void take_calibration(const tdd_csi_estimator& o);

    //! kappa is known and every user has an uplink estimate.
    bool ready() const;
    //! n_users x n_tx downlink rows (kappa_n h_n,u), element 0 of each row real
    //! and non-negative (the module's one phase reference for both ends).
    cmat downlink() const;
    //! The calibration in use (empty before it exists, and while one computed
    //! from the reference row is outside set_kappa's bounds).
    cvec kappa() const;
    //! Why the kappa computed from the reference row is outside set_kappa's
    //! bounds (empty when it is within them, absent, or kappa is external).
    std::string own_kappa_out_of_bounds() const;
    //! The averaged uplink columns (n_tx x n_users, pilot units).
    cmat uplink() const;
    //! Error variance per entry of user u's averaged column relative to its
    //! mean power per entry (the estimate's NMSE).
    double uplink_nmse(int u) const;
    //! Noise variance per receive chain measured in the last slot.
    const std::vector<double>& noise_var() const { return d_noise; }
    uint64_t slots() const { return d_slots; }
    uint64_t bad_slots() const { return d_bad; }
    //! Absolute index just after the last slot used (0 before one).
    uint64_t last_slot_end() const { return d_last_end; }
    uint64_t reference_rows() const { return d_ref_rows; }
    void reset();

private:
    cvec own_kappa() const; // from the reference row (empty before it)
    tdd_csi_params d_p;
    cmat d_P; // n_users x L, the pilots
    cmat d_Z; // n_tx x L, the slot being filled
    long d_fill = 0;
    bool d_slot_ok = true;
    uint64_t d_slot_start = 0;
    std::vector<csi_tracker> d_ul;
    csi_tracker d_ref;
    bool d_have_ref = false;
    cvec d_kappa_ext;
    std::vector<double> d_noise;
    std::vector<double> d_energy; // reported ||g_u||^2 averages (0: none)
    std::vector<int> d_energy_n;
    uint64_t d_slots = 0, d_bad = 0, d_last_end = 0, d_ref_rows = 0;

    void finish_slot();
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
