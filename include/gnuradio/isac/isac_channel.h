/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_ISAC_CHANNEL_H
#define INCLUDED_ISAC_ISAC_CHANNEL_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief MIMO ISAC channel simulator: users' downlink channels and the
 * monostatic/bistatic radar echo of a target plus clutter (1-bit ISAC paper Sec. II, eq.
 * (2); bistatic CRB paper Sec. II). \ingroup isac
 *
 * Input: vectors of n_tx (transmit snapshot x).
 * out0: vectors of n_users, y_u = h_u^H x + n_u (y = H x + n, H rows h_u^H).
 * out1: vectors of n_rx, the radar echo
 *   monostatic r = sum_{q=0..Q} gamma_q g_R(theta_q) g_T(theta_q)^T x + n_R,
 *   bistatic r = beta g_R(rx) g_T(tx)^T x + n_R, with the module's unit-norm
 *   steering vectors (docs/conventions.md). See docs/isac_channel.md.
 *
 * Message ports: "csi" (out) {"H","rows","cols","offset","epoch"} at start and
 * on every new draw or change of H; "truth" (out) gains and angles per CPI;
 * "set" (in) a dict of runtime changes (keys: user_deg, comm_noise_var,
 * rician_k_db, target_deg, tx_deg, rx_deg, target_snr_db, clutter_deg, cnr_db,
 * radar_noise_var); "resync" (in) any message: publish the current csi again
 * now (snapshot_deframer sends one when a transmitter (re)appears). Stream tag
 * "isac_cpi" (value: CPI index, u64) on out1 at each CPI start.
 *
 * Restart: start() after stop() restarts the simulation from its seed (the
 * same draws, CPI 0, empty delay line) with the current parameters, since the
 * item counts restart at 0; every csi is published again. The epoch of a csi
 * is a session number drawn at each start() (high 32 bits) and the draw index.
 * When the input carries "isac_snap" tags (snapshot_deframer: the transmitter's
 * snapshot index), csi offsets are expressed in that index, so that a
 * precoder across a network split applies each draw at the right snapshot.
 */
class ISAC_API isac_channel : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<isac_channel> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx            transmit antennas (input vlen); [1, 4096]
     * \param n_users         users (out0 vlen); [1, 4096]
     * \param n_rx            radar receive antennas (out1 vlen); [1, 4096]
     * \param comm_model      users' channel model; "rayleigh", "los", "rician"
     * \param user_deg        user angles (needed for los/rician) (deg); each in [-90, 90]
     * \param comm_noise_var  sigma_C^2: one value or one per user; each in [0, inf); length 1 or n_users
     * \param rician_k_db     Rician K factor (dB); [-200, 200]
     * \param coherence       snapshots per channel draw, 0 = static; [0, 2^62]
     * \param seed            0 = random, otherwise deterministic; [0, inf)
     * \param geometry        radar geometry; "monostatic", "bistatic"
     * \param target_deg      monostatic target angle (deg); [-90, 90]
     * \param tx_deg          bistatic DoD from the transmitter (deg); [-90, 90]
     * \param rx_deg          bistatic DoA at the sensing receiver (deg); [-90, 90]
     * \param target_snr_db   target-to-noise ratio zeta_0^2/sigma_R^2 (unit-norm steering; docs/conventions.md) (dB); [-200, 200]
     * \param clutter_deg     clutter angles (monostatic) (deg); each in [-90, 90]
     * \param cnr_db          clutter-to-noise ratio zeta_q^2/sigma_R^2 per clutter angle (dB); each in [-200, 200]; length len(clutter_deg)
     * \param radar_noise_var sigma_R^2; (0, inf)
     * \param gain_model      target/clutter gains: redrawn per CPI (swerling1) or fixed; "swerling1", "fixed"
     * \param cpi_len         snapshots per CPI (gain redraw); [1, 2^62]
     * \param target_delay    target echo delay in snapshots; [0, 1048576]
     * \param csi_lead        publish each draw's csi this many snapshots before its offset, so a precoder upstream has H in time (at most 65536 draws ahead); [0, inf)
     */
    static sptr make(int n_tx,
                     int n_users,
                     int n_rx,
                     const std::string& comm_model = "rayleigh",
                     const std::vector<double>& user_deg = {},
                     const std::vector<double>& comm_noise_var = { 0.316 },
                     double rician_k_db = 10.0,
                     int64_t coherence = 0,
                     int64_t seed = 0,
                     const std::string& geometry = "monostatic",
                     double target_deg = 10.0,
                     double tx_deg = 0.0,
                     double rx_deg = 0.0,
                     double target_snr_db = 15.0,
                     const std::vector<double>& clutter_deg = { -50.0, 30.0 },
                     const std::vector<double>& cnr_db = { 30.0, 30.0 },
                     double radar_noise_var = 1.0,
                     const std::string& gain_model = "swerling1",
                     int64_t cpi_len = 64,
                     int64_t target_delay = 0,
                     int64_t csi_lead = 0);
    // gen_params:end make
    // clang-format on

    // Setters: same effect and validation as the "set" port; lock-protected,
    // applied from the next work() call. Bad values raise ValueError.
    // set_clutter_deg needs cnr_db of the same length; set_clutter changes both.
    // clang-format off
    // gen_params:begin accessors
    //! user angles (needed for los/rician) (deg); each in [-90, 90]
    virtual void set_user_deg(const std::vector<double>& user_deg) = 0;
    virtual std::vector<double> user_deg() const = 0;
    //! sigma_C^2: one value or one per user; each in [0, inf); length 1 or n_users
    virtual void set_comm_noise_var(const std::vector<double>& comm_noise_var) = 0;
    virtual std::vector<double> comm_noise_var() const = 0;
    //! Rician K factor (dB); [-200, 200]
    virtual void set_rician_k_db(double rician_k_db) = 0;
    virtual double rician_k_db() const = 0;
    //! monostatic target angle (deg); [-90, 90]
    virtual void set_target_deg(double target_deg) = 0;
    virtual double target_deg() const = 0;
    //! bistatic DoD from the transmitter (deg); [-90, 90]
    virtual void set_tx_deg(double tx_deg) = 0;
    virtual double tx_deg() const = 0;
    //! bistatic DoA at the sensing receiver (deg); [-90, 90]
    virtual void set_rx_deg(double rx_deg) = 0;
    virtual double rx_deg() const = 0;
    //! target-to-noise ratio zeta_0^2/sigma_R^2 (unit-norm steering; docs/conventions.md) (dB); [-200, 200]
    virtual void set_target_snr_db(double target_snr_db) = 0;
    virtual double target_snr_db() const = 0;
    //! clutter angles (monostatic) (deg); each in [-90, 90]
    virtual void set_clutter_deg(const std::vector<double>& clutter_deg) = 0;
    virtual std::vector<double> clutter_deg() const = 0;
    //! clutter-to-noise ratio zeta_q^2/sigma_R^2 per clutter angle (dB); each in [-200, 200]; length len(clutter_deg)
    virtual void set_cnr_db(const std::vector<double>& cnr_db) = 0;
    virtual std::vector<double> cnr_db() const = 0;
    //! sigma_R^2; (0, inf)
    virtual void set_radar_noise_var(double radar_noise_var) = 0;
    virtual double radar_noise_var() const = 0;
    // gen_params:end accessors
    // clang-format on
    virtual void set_clutter(const std::vector<double>& clutter_deg,
                             const std::vector<double>& cnr_db) = 0;

    //! Current H, row-major n_users x n_tx (rows h_u^H).
    virtual std::vector<gr_complex> channel() const = 0;
    //! Current [gamma_0..gamma_Q] (bistatic: [beta]).
    virtual std::vector<gr_complex> gains() const = 0;
    //! The seed actually used (the drawn one when seed = 0, below 2^63): passed
    //! back as `seed` it gives the same run.
    virtual uint64_t seed_used() const = 0;
    //! Non-finite input components replaced by 0 so far.
    //! Non-finite input entries plus snapshots whose finite input overflowed
    //! single precision (both processed as x = 0; outputs stay finite).
    virtual uint64_t nonfinite_count() const = 0;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_ISAC_CHANNEL_H */
