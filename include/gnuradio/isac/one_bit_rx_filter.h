/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_ONE_BIT_RX_FILTER_H
#define INCLUDED_ISAC_ONE_BIT_RX_FILTER_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <string>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief 1-bit ISAC paper radar receive filter and GLRT/CFAR detector (1-bit or ideal
 * ADC). \ingroup isac
 *
 * in0: n_rx received samples per snapshot (the 1-bit ADC output rtilde when
 * adc = "1bit", the raw echo r when adc = "inf"); in1: the n_tx transmit vector x
 * of the same snapshot. Per snapshot, with c_q = g_T(theta_q)^T x:
 *   u = M^{-1} g_R0 / (c_0^* g_R0^H M^{-1} g_R0) (distortionless, 1-bit ISAC paper eq.
 * (24)-(25); Woodbury over the Q clutter terms), out0 z = u^H r, out1 |z|/kappa. out1 >=
 * 1 is a detection and gets an "isac_detect" tag (value: the statistic) on both outputs
 * (tag_detections = false: no tags, for flowgraphs where nothing reads them).
 *   kappa (1-bit ADC): threshold = "exact" (default) holds the requested Pfa when
 *   the transmit beam lights the clutter and saturates the ADC: the arcsine-law H0
 *   variance and the heavy/light tail of |z| over the clutter amplitudes, tabulated
 *   per scene in the clutter powers (core/one_bit_stats.h); "theorem1" is eq. 15 of
 *   the paper, exact only at low per-antenna CNR. Ideal ADC: the exact Gaussian
 *   threshold either way.
 *
 * cpi_len > 1: z is still output per snapshot, and the coherent sum Z over each CPI
 * of cpi_len snapshots is tested against kappa_CPI = sqrt(-V ln Pfa), V the H0
 * variance of Z (clutter and target constant over the CPI, independent noise);
 * out1 carries |Z|/kappa_CPI on the CPI's last snapshot and 0 elsewhere. CPIs start
 * at item 0 of each start() and restart at an "isac_cpi" tag on in0 or after a
 * parameter change; such a restart tags out1's first item of the new CPI "isac_cpi"
 * (value cpi_len), where cpi_decimator and a period detection_meter realign.
 *
 * No transmission (x = 0, as a precoder's muted sections and TDD guards send, tagged
 * "isac_mute"): no decision. A snapshot (cpi_len = 1) or a CPI none of whose
 * snapshots transmitted gets z = 0 and the statistic -1 (core::no_decision: never a
 * detection, and not a miss either) and is counted by no_decision_count(); with
 * tag_detections, the first of a stretch of such outputs (up to the next decision)
 * gets an "isac_no_tx" tag (value: the snapshots of the CPI) on both outputs, one tag
 * per muted section rather than one per snapshot. A CPI partly without transmission
 * decides on the snapshots that transmitted, with their own threshold (core/rx_filter.h).
 *
 * Degenerate x (c_0 = 0, x orthogonal to the target, relative tolerance 1e-5 of
 * ||x||) and snapshots with a NaN/Inf in r or x give z = 0 and statistic 0; both are
 * counted (degenerate_count() with the snapshots without transmission) and reported
 * as {"items", "detection_count", "degenerate_count", "nan_count",
 * "no_decision_count"} (u64 totals) on the "stats" port whenever a count but the
 * detections grows.
 *
 * Runtime changes (setters, or a dict on the "set" port with any of the keys
 * target_deg, clutter_deg, snr_r_db, cnr_db, pfa, radar_noise_var, threshold_scale)
 * apply from the
 * next work() call; a malformed or invalid message is logged and ignored.
 * cnr_db holds one value per clutter angle, or one value for all of them.
 */
class ISAC_API one_bit_rx_filter : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<one_bit_rx_filter> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx            transmit antennas (in1 vlen); [1, 4096]
     * \param n_rx            receive antennas (in0 vlen); [1, 4096]
     * \param target_deg      target angle theta_0 (deg); [-90, 90]
     * \param clutter_deg     clutter angles theta_1..theta_Q (may be empty) (deg); each in [-90, 90]
     * \param snr_r_db        SNR_R = zeta_0^2/sigma_R^2 (enters the expected QSCNR, not the filter) (dB); [-200, 200]
     * \param cnr_db          zeta_q^2/sigma_R^2, one per clutter angle or one for all (dB); each in [-200, 200]
     * \param radar_noise_var sigma_R^2; (0, inf)
     * \param pfa             false-alarm probability of the threshold; (0, 1)
     * \param adc             1-bit ADC or infinite resolution; "1bit", "inf"
     * \param cpi_len         snapshots integrated per decision; with adc 1bit, threshold exact and at most 16 antennas a CPI adds the distortion's cross terms between its distinct x, which costs several times the filter when x never repeats (possibly below real time: use a table-driven x, threshold theorem1 or a lower rate; docs/one_bit_rx_filter.md); [1, 16777216]
     * \param threshold_scale scales the threshold kappa; [1e-30, 1000000000000000019884624838656]
     * \param threshold       threshold model, fixed at construction: exact, or theorem1 (eq. 15); "exact", "theorem1"
     * \param tag_detections  tag each detection "isac_detect" (value = stat) and the first output of each stretch without a decision "isac_no_tx" (value = snapshots of the CPI) on both outputs (false: none; stat >= 1 is the detection itself, stat = -1 no decision)
     * \param clutter_model   law of the clutter amplitudes the exact threshold assumes (set at construction): swerling1 (redrawn per CPI, the paper's) or fixed (constant amplitude and phase: a room, the radio emulator, isac_channel gain_model fixed); "swerling1", "fixed"
     * \param cpi_weights     weights of the CPI sum (set at construction): equal (sum z_l) or inverse_variance (w_l = 1/V_l, snapshot l's H0 variance; the threshold carries the weights, a weakly lit snapshot no longer takes most of the CPI's noise); "equal", "inverse_variance"
     */
    static sptr make(int n_tx,
                     int n_rx,
                     double target_deg,
                     const std::vector<double>& clutter_deg,
                     double snr_r_db,
                     const std::vector<double>& cnr_db,
                     double radar_noise_var,
                     double pfa,
                     const std::string& adc,
                     int cpi_len = 1,
                     double threshold_scale = 1.0,
                     const std::string& threshold = "exact",
                     bool tag_detections = true,
                     const std::string& clutter_model = "swerling1",
                     const std::string& cpi_weights = "equal");
    // gen_params:end make
    // clang-format on

    // clang-format off
    // gen_params:begin accessors
    //! target angle theta_0 (deg); [-90, 90]
    virtual void set_target_deg(double target_deg) = 0;
    virtual double target_deg() const = 0;
    //! clutter angles theta_1..theta_Q (may be empty) (deg); each in [-90, 90]
    virtual void set_clutter_deg(const std::vector<double>& clutter_deg) = 0;
    virtual std::vector<double> clutter_deg() const = 0;
    //! SNR_R = zeta_0^2/sigma_R^2 (enters the expected QSCNR, not the filter) (dB); [-200, 200]
    virtual void set_snr_r_db(double snr_r_db) = 0;
    virtual double snr_r_db() const = 0;
    //! zeta_q^2/sigma_R^2, one per clutter angle or one for all (dB); each in [-200, 200]
    virtual void set_cnr_db(const std::vector<double>& cnr_db) = 0;
    virtual std::vector<double> cnr_db() const = 0;
    //! sigma_R^2; (0, inf)
    virtual void set_radar_noise_var(double radar_noise_var) = 0;
    virtual double radar_noise_var() const = 0;
    //! false-alarm probability of the threshold; (0, 1)
    virtual void set_pfa(double pfa) = 0;
    virtual double pfa() const = 0;
    //! 1-bit ADC or infinite resolution; "1bit", "inf"
    virtual std::string adc() const = 0;
    //! snapshots integrated per decision; with adc 1bit, threshold exact and at most 16 antennas a CPI adds the distortion's cross terms between its distinct x, which costs several times the filter when x never repeats (possibly below real time: use a table-driven x, threshold theorem1 or a lower rate; docs/one_bit_rx_filter.md); [1, 16777216]
    virtual int cpi_len() const = 0;
    //! scales the threshold kappa; [1e-30, 1000000000000000019884624838656]
    virtual void set_threshold_scale(double threshold_scale) = 0;
    virtual double threshold_scale() const = 0;
    //! threshold model, fixed at construction: exact, or theorem1 (eq. 15); "exact", "theorem1"
    virtual std::string threshold() const = 0;
    //! tag each detection "isac_detect" (value = stat) and the first output of each stretch without a decision "isac_no_tx" (value = snapshots of the CPI) on both outputs (false: none; stat >= 1 is the detection itself, stat = -1 no decision)
    virtual bool tag_detections() const = 0;
    //! law of the clutter amplitudes the exact threshold assumes (set at construction): swerling1 (redrawn per CPI, the paper's) or fixed (constant amplitude and phase: a room, the radio emulator, isac_channel gain_model fixed); "swerling1", "fixed"
    virtual std::string clutter_model() const = 0;
    //! weights of the CPI sum (set at construction): equal (sum z_l) or inverse_variance (w_l = 1/V_l, snapshot l's H0 variance; the threshold carries the weights, a weakly lit snapshot no longer takes most of the CPI's noise); "equal", "inverse_variance"
    virtual std::string cpi_weights() const = 0;
    // gen_params:end accessors
    // clang-format on
    //! Angles and CNRs together (Q may change).
    virtual void set_clutter(const std::vector<double>& clutter_deg,
                             const std::vector<double>& cnr_db) = 0;

    /*!
     * Expected output SCNR-like metric of transmit vector x under the current
     * parameters, linear: 1-bit with threshold "exact" the exact deflection
     * E_1|z|^2/E_0|z|^2 - 1 (arcsine law), with "theorem1" the QSCNR of eq. 17;
     * the ideal ADC's SCNR.
     */
    virtual double expected_metric(const std::vector<gr_complex>& x) const = 0;
    /*!
     * Predicted detection probability at the set Pfa for transmit vector x (one
     * snapshot, Swerling target): 1-bit "exact" from the exact model at the block's
     * threshold, otherwise Pfa^(1/(1+metric)) (eq. 16).
     */
    virtual double expected_pd(const std::vector<gr_complex>& x) const = 0;

    //! snapshots with c_0 = 0, including those without transmission (x = 0)
    virtual uint64_t degenerate_count() const = 0;
    virtual uint64_t nan_count() const = 0;       //!< snapshots with NaN/Inf input
    virtual uint64_t detection_count() const = 0; //!< statistics >= 1
    //! outputs without a decision (statistic -1): CPIs (cpi_len = 1: snapshots) in
    //! which nothing was transmitted
    virtual uint64_t no_decision_count() const = 0;
    /*!
     * True where the 1-bit statistic can hold the set Pfa only roughly: fewer than
     * 64 of its 4^(n_rx cpi_len - 1) noise-only value classes lie above the threshold,
     * or one snapshot of fewer than 8 antennas, or one antenna with a CPI, or (exact
     * threshold, threshold_scale 1, Swerling-I clutter) CPIs with a clutter patch of
     * core::strong_clutter_db or more, whose CPI tail the threshold's model makes too
     * light; a calibrated threshold_scale clears that case (core::pfa_reach; logged
     * once per crossing into the coarse state). Settings no threshold can serve at all
     * are rejected by make() and set_pfa(). Always false for the ideal ADC.
     */
    virtual bool pfa_coarse() const = 0;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_ONE_BIT_RX_FILTER_H */
