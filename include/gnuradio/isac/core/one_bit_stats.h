/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exact statistics of the 1-bit radar receiver (1-bit ISAC paper model, module
 * convention): what threshold = "exact" of the receive filter and radar_metric = "exact"
 * of the CI precoder are built on.
 *
 * Echo (sigma_R^2 = 1: the 1-bit output does not depend on the scale):
 *   r = sum_{q=0..Q} a_q g_R(theta_q) + n,  a_q ~ CN(0, p_q),  n ~ CN(0, I),
 * with the patch powers p_0 = SNR_R |c_0|^2 (0 under H0) and p_q = CNR_q |c_q|^2,
 * c_q = g_T(theta_q)^T x. Every statistic below depends on x only through p.
 *
 * 1. Second order (arcsine law). r is zero-mean Gaussian with covariance
 *      C = I + sum_q p_q g_q g_q^H,   per-antenna power d = 1 + sum_q p_q / N_R,
 *    so r~ = sgn(Re r) + j sgn(Im r) has exactly (Van Vleck; Re/Im of a circular
 *    r have covariance Re C / 2, cross-covariance Im C / 2)
 *      Cq = E[r~ r~^H] = (4/pi) (asin(Re rho) + j asin(Im rho)),  rho = C / d,
 *    diagonal 2 (= |r~|^2). C is Toeplitz for the ULA, so Cq is: one column t_k.
 *    Theorem 1 of the paper linearises this in 1/sigma^2 instead of 1/d.
 *
 * 2. The H0 tail. |z| = |v^H r~| is not Rayleigh once the clutter is lit: given the
 *    clutter amplitudes a the entries of r~ are independent with mean
 *    e_n = erf(Re m_n) + j erf(Im m_n) (m = sum_q a_q g_q the noiseless echo) and
 *    variances 1 - erf^2, so z | a is close to Gaussian (CLT over the antennas)
 *    with mean v^H e and an improper 2x2 covariance, while over a it is a mixture:
 *    heavy-tailed when the clutter power fluctuates, light-tailed when strong
 *    clutter pins the sign pattern. conditional_tail integrates the conditional
 *    Gaussian tail over a (cells of the total power |a|^2 for the tail, a
 *    quasi-Monte-Carlo set for the power split and the phases).
 *    The law of a is the clutter model: clutter_model::swerling1 (the paper's, a_q
 *    ~ CN(0, p_q) per draw) or clutter_model::fixed, |a_q|^2 = p_q with a
 *    uniform phase: a room's reflections, which do not fluctuate. The static tail is
 *    lighter (no strong clutter draws leak past the filter); it matters where the
 *    clutter leakage dominates the CPI variance (small N_R, long CPIs). The second
 *    order statistics stay the arcsine law's; the tail shape carries the difference.
 *
 * 3. threshold_table: what the receive filter needs per snapshot, tabulated in the
 *    clutter powers p_1..p_Q (the scene fixes everything else): the ratio of the
 *    exact threshold kappa^2 to Theorem 1's (eq. 15), and of the exact H0 variance
 *    to Theorem 1's. A snapshot then costs Q log1p and a 2^Q-corner interpolation.
 */
#ifndef INCLUDED_ISAC_CORE_ONE_BIT_STATS_H
#define INCLUDED_ISAC_CORE_ONE_BIT_STATS_H

#include <gnuradio/isac/core/radar_metrics.h>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

//! How the 1-bit detector threshold is set: Theorem 1 (eq. 15) or the exact model.
enum class threshold_model { theorem1, exact };

//! Parses "theorem1"/"exact"; throws param_error naming `name`.
threshold_model parse_threshold_model(const std::string& name, const std::string& value);

//! The law of the clutter amplitudes the exact threshold assumes (file comment, point 2).
enum class clutter_model { swerling1, fixed };

//! Parses "swerling1"/"fixed"; throws param_error naming `name`.
clutter_model parse_clutter_model(const std::string& name, const std::string& value);
//! "swerling1" or "fixed"
const char* clutter_model_name(clutter_model c);

/*!
 * Arcsine-law second-order statistics of the 1-bit ADC output for the scene's
 * patches. p has Q+1 entries (p[0] the target, 0 under H0), in units of sigma_R^2.
 */
class arcsine_stats
{
public:
    explicit arcsine_stats(const radar_scene& scene);

    int n_rx() const { return d_n; }
    int n_patches() const { return d_P; } //!< Q + 1

    //! d / sigma^2 = 1 + sum_q p_q / N_R
    double per_antenna_power(const double* p) const;

    //! t_k, k = 0..N_R-1, with Cq[m][n] = t_{m-n} and t_{-k} = conj(t_k).
    void lags(const double* p, cdouble* t) const;

    //! Cq as a dense N_R x N_R matrix (tests).
    cmat covariance(const double* p) const;

    //! G^H Cq G ((Q+1) x (Q+1)), G = [g_R(theta_0) .. g_R(theta_Q)] (tests).
    cmat gram(const double* p) const;

    //! G^H Cq G alpha without forming G^H Cq G: O((Q+1) N_R + N_R min(N_R, log N_R)).
    cvec gram_apply(const double* p, const cdouble* alpha) const;

    /*!
     * E|v^H r~|^2 = alpha^H G^H Cq G alpha for the filter v = G alpha, from the
     * lag products of v: O((Q+1) N_R) plus an N_R-point autocorrelation, and no
     * per-scene table (a (2 N_R - 1) (Q+1)^2 table of lag Grams would take
     * gigabytes at the clutter limit). With dvdp (Q+1 values) also its partial
     * derivatives in p_j for fixed alpha. with_noise = false gives E[(v^H r~_1)(v^H
     * r~_2)^*] for two snapshots with the same x and clutter draw and independent noise
     * (the same law with the noise removed from rho's diagonal): what repeats within a
     * CPI.
     */
    double variance(const double* p,
                    const cdouble* alpha,
                    double* dvdp = nullptr,
                    bool with_noise = true) const;

private:
    int d_n, d_P;
    cmat d_g; // N x (Q+1) receive steering vectors
};

/*!
 * Cross covariance of the 1-bit outputs of two snapshots of one CPI: the same clutter
 * draw a, different transmit vectors x_l, x_m (so different couplings c_{q,l}, c_{q,m})
 * and independent noise. [r_l; r_m] is zero-mean circular Gaussian with
 *   E r_l r_m^H = C_lm = sum_q s_q g_q g_q^H,  s_q = CNR_q c_{q,l} conj(c_{q,m})
 * (no noise term: the noise is independent), so by the arcsine law of file comment
 * point 1 with rho_lm = C_lm / sqrt(d_l d_m)
 *   E r~_l r~_m^H = Cq_lm = (4/pi) (asin(Re rho_lm) + j asin(Im rho_lm)).
 * C_lm is Toeplitz for the ULA but not Hermitian (s_q is complex): 2 N_R - 1 lags.
 * The CPI's H0 variance needs u_l^H Cq_lm u_m for the filters u = G beta; its linear
 * part (4/pi) u_l^H rho_lm u_m is the clutter leakage the CPI sum already counts, the
 * rest is the quantisation distortion of the common clutter draw, correlated across
 * the CPI's snapshots whatever their x (x_l = x_m gives the noise-free term W of
 * arcsine_stats::variance(with_noise = false)).
 *
 * u_l^H T u_m = sum_j T(j) X(j) with X(j) = sum_k conj(u_l[k+j]) u_m[k] =
 * beta_l^H R(j) beta_m and R_ii'(j) = sum_k conj(g_i[k+j]) g_i'[k]: a (2 N_R - 1)
 * (Q+1)^2 table, kept when it has at most 2^16 entries (1 MiB; Q <= 4 up to N_R =
 * 1310; then a pair costs O(N_R (Q+1)^2)); above, u_l and u_m are formed and
 * cross-correlated directly (O(N_R^2) a pair).
 */
class arcsine_cross
{
public:
    explicit arcsine_cross(const radar_scene& scene);

    /*!
     * u_l^H Cq_lm u_m (distortion_only = false) or u_l^H (Cq_lm - (4/pi) rho_lm) u_m
     * (true). s: Q+1 cross powers (s[0] the target's, 0 under H0), d_l and d_m the
     * per-antenna powers of the two snapshots, beta_l and beta_m (Q+1) the filters'
     * coefficients on G = [g_R(theta_0) .. g_R(theta_Q)]. 0 when d_l d_m is not
     * positive and finite (terms without the cross terms' inputs).
     */
    cdouble cross(const cdouble* s,
                  double d_l,
                  double d_m,
                  const cdouble* beta_l,
                  const cdouble* beta_m,
                  bool distortion_only = true) const;

    bool tabulated() const { return !d_R.empty(); }

    /*!
     * The H0 distortion-only term of a pair (s_0 = 0, s_q = CNR_q c_{q,l}
     * conj(c_{q,m})) split into what each snapshot brings, for a CPI's many pairs
     * (N_R <= prepared_max_rx, else prepare and cross_prepared throw): prepare() writes
     * prepared_size() doubles for one snapshot (c: its Q clutter couplings
     * c_1..c_Q, its d and beta), cross_prepared() gives the pair's
     * Re cross(s, d_l, d_m, beta_l, beta_m) from them, to rounding
     * (qa_one_bit_stats), with no per-pair Gram product (X(j) = beta_l^H (R(j)
     * beta_m), R(j) beta_m prepared) and a branch-free asin over the lags that
     * vectorises. The 2 N_R - 1 lags are padded with zeros to prepared_lags(), a
     * multiple of 8 (whole vectors; the padding adds exact zeros).
     */
    static constexpr int prepared_max_rx = 32;
    int prepared_lags() const { return d_Jp; }
    int prepared_size() const { return 8 + 2 * (d_Jp * (2 * d_P - 1) + 2 * d_P - 1); }
    void prepare(const cdouble* c, double d, const cdouble* beta, double* out) const;
    double cross_prepared(const double* pl, const double* pm) const;

private:
    int d_n, d_P;
    int d_Jp; // prepared lag slots: 2 N - 1 rounded up to a multiple of 8
    std::vector<double> d_cnr; // Q clutter-to-noise ratios
    cmat d_g;                  // N x (Q+1)
    std::vector<cdouble> d_e; // (2N-1) x (Q+1): g_i[j] conj(g_i[0]) (j >= 0) or
                              // g_i[0] conj(g_i[-j]), lag j at row j + N - 1
    // (Q+1)^2 x (2N-1) lag Grams, R_ii'(j) at [(i P + i') (2N-1) + j + N - 1]: the
    // lags contiguous (empty: not tabulated)
    std::vector<cdouble> d_R;
};

/*!
 * The receive filter of the block (Theorem 1's optimum, 1-bit ISAC paper Sec. IV) as
 * coefficients on the steering vectors: v = M^{-1} g_R0 = G alpha with
 * M = I + sum_q (2/pi) p_q g_q g_q^H (1-bit) or I + sum_q p_q g_q g_q^H (ideal).
 * alpha[0] = 1 - ..., the same v as radar_scene::solve up to the distortionless
 * scale. Also returns Theorem 1's H0 variance of v^H r~ (eq. 12) when var_t1 is
 * non-null: 2 ||v||^2 + (4/pi) sum_q p_q |v^H g_q|^2 (1-bit).
 */
cvec filter_coefficients(const radar_scene& scene,
                         const double* p,
                         adc_model adc,
                         double* var_t1 = nullptr);

/*!
 * u^H T u for a Hermitian Toeplitz T with first column t (t_{-k} = conj(t_k)), from
 * u's aperiodic autocorrelation (by FFT for long u): O(N min(N, log N)).
 */
double toeplitz_quad_form(const cvec& t, const cvec& u);

/*!
 * Exact deflection of the block's receive filter v for couplings c (Q+1):
 *   D = E_1|v^H r~|^2 / E_0|v^H r~|^2 - 1
 * with both variances from the arcsine law (1-bit ADC): the quantiser normalises by
 * the per-antenna power d, which lit clutter raises. For the ideal ADC it is the
 * SCNR. grad (Q+1 values, optional) receives dD/d|c_q|^2. D = 0 when c_0 = 0.
 */
double exact_deflection(const radar_scene& scene,
                        const arcsine_stats& st,
                        const cvec& c,
                        adc_model adc,
                        rvec* grad = nullptr);

/*!
 * Exact deflection of transmit vector x and its gradient d D / d x^* (Wirtinger,
 * so D(x + dx) = D(x) + 2 Re(grad^H dx) + O(|dx|^2)):
 *   grad = sum_q (dD/d|c_q|^2) c_q conj(g_T(theta_q)).
 */
double exact_deflection_x(const radar_scene& scene,
                          const arcsine_stats& st,
                          const cvec& x,
                          adc_model adc,
                          cvec* grad);

/*!
 * H0 (or H1) tail of |v^H r~| under the conditional-Gaussian model (file comment,
 * point 2). prepare() computes the conditional moments at every quadrature node for
 * patch powers p (Q+1, p[0] the target) and a filter v; tail() and threshold2() are
 * then cheap. Not thread-safe (one instance per thread).
 */
class conditional_tail
{
public:
    /*!
     * cell_width: width of the cells of the total standardised clutter power (a
     * Gamma(P) variable for P fluctuating patches); qmc_points: quasi-Monte-Carlo
     * points per cell for the power split and the phases (0: 4, 8, 16, 32 for
     * P = 1, 2, 3, >= 4). The defaults keep the Pfa within a few per cent of the
     * converged quadrature (docs/one_bit_rx_filter.md). clutter: the law of the
     * clutter amplitudes; with clutter_model::fixed the clutter phases get a
     * quasi-Monte-Carlo set (qmc_points per cell of the target's power, 0: 128, 512,
     * 1024, 2048 for 1, 2, 3, >= 4 lit patches, an eighth with a lit target) and
     * only the target (H1) fluctuates.
     */
    explicit conditional_tail(const radar_scene& scene,
                              double cell_width = 0.25,
                              int qmc_points = 0,
                              clutter_model clutter = clutter_model::swerling1);

    void prepare(const double* p, const cvec& v);
    /*!
     * P(|Z|^2 > k2) for Z = v^H r~ (cpi_len = 1) or the coherent sum of v^H r~_l over
     * cpi_len snapshots with the same x and clutter draw and independent noise.
     */
    double tail(double k2, int cpi_len = 1) const;
    //! E|Z|^2 of the model (the arcsine-law variance up to quadrature error)
    double variance(int cpi_len = 1) const
    {
        return double(cpi_len) * cpi_len * d_mean2 + cpi_len * d_cov;
    }
    //! k2 with tail(k2, cpi_len) = pfa (relative tolerance 1e-4)
    double threshold2(double pfa, int cpi_len = 1) const;
    std::size_t nodes() const { return d_w.size(); }

private:
    int d_n, d_P;
    double d_cell;
    int d_qmc;
    clutter_model d_clutter;
    Eigen::MatrixXcf d_gf; // N x (Q+1), single precision
    // per node: weight, mean and covariance square roots in the covariance eigenframe
    std::vector<double> d_w, d_m1, d_m2, d_s1, d_s2;
    double d_mean2 = 0, d_cov = 0; // E|E[z|a]|^2 and E tr Cov[z|a]
};

/*!
 * The per-snapshot threshold of the 1-bit receive filter for threshold = "exact",
 * tabulated in the clutter powers (file comment, point 3). factors() gives, at
 * clutter powers p_1..p_Q, the ratios of the exact kappa^2 and of the exact H0
 * variance to Theorem 1's (both for the block's filter), by interpolation on a grid
 * uniform in u = log(1 + p / (N_R p_ref)) (p_ref = 0.01: linear below -20 dB
 * per-antenna CNR, logarithmic above, clamped at +26 dB). The variance ratio is
 * computed at every grid node, the tail shape on every 1st..4th node and
 * interpolated. The kappa ratio includes the small-array calibration
 * (calibration_factor). Tables cover Q <= 4 clutter patches with a positive CNR;
 * beyond, factors() evaluates the exact variance per snapshot and uses a Gaussian
 * tail.
 *
 * cpi_len = L > 1 adds the coherent CPI whose L snapshots share x (and the clutter
 * draw): coherent_factor() is kappa_CPI^2 / (-ln Pfa L var_T1), with the CPI
 * variance L V + L (L-1) W (W the noise-free arcsine term, arcsine_stats::variance)
 * and the tail of L E[z|a] + sqrt(L) w.
 *
 * clutter: the law of the clutter amplitudes (file comment, point 2). With
 * clutter_model::fixed the shapes are the model's kappa^2 over the arcsine-law variance
 * (with swerling1 over the model's own variance, equal up to quadrature error).
 */
class threshold_table
{
public:
    threshold_table(const radar_scene& scene,
                    double pfa,
                    int threads = 0,
                    int cpi_len = 1,
                    clutter_model clutter = clutter_model::swerling1);

    double pfa() const { return d_pfa; }
    int cpi_len() const { return d_cpi; }
    clutter_model clutter() const { return d_clutter; }
    bool tabulated() const { return d_tabulated; }
    //! grid nodes per tabulated dimension (0 when not tabulated)
    int grid_size() const { return d_nf; }
    int dimensions() const { return int(d_dims.size()); }

    //! p: Q clutter powers CNR_q |c_q|^2. Thread-safe (const). coherent (optional):
    //! also coherent_factor(p), from the same grid cell; coherent_shape (optional,
    //! with coherent): that CPI's tail shape kappa_CPI^2 / (-ln Pfa E_0|Z|^2) (1
    //! untabulated, where the tails are Gaussian).
    void factors(const double* p,
                 double& kappa_ratio,
                 double& var_ratio,
                 double* coherent = nullptr,
                 double* coherent_shape = nullptr) const;
    //! kappa_CPI^2 / (-ln Pfa L var_T1) of a coherent CPI (factors()'s kappa ratio if L =
    //! 1)
    double coherent_factor(const double* p) const;

    //! The same quantities computed directly at p (no table; tests and tools).
    void exact_factors(const double* p, double& kappa_ratio, double& var_ratio) const;
    double exact_coherent_factor(const double* p) const;

    //! Shape factor S = kappa^2 / (-ln Pfa E_0|z|^2) of the model at p, uncalibrated.
    double shape(const double* p) const;

    static constexpr double p_ref = 0.01;
    static constexpr double u_max = 11.55; // log(1 + 10^2.6 / 0.01)

private:
    radar_scene d_scene;
    arcsine_stats d_st;
    double d_pfa;
    int d_cpi;
    clutter_model d_clutter;
    std::vector<int> d_dims; // clutter indices (0-based among 1..Q) with CNR > 0
    bool d_tabulated = false;
    int d_nf = 0;
    double d_du = 0;
    std::vector<float> d_kr, d_vr, d_kc, d_sc; // fine tables, row-major over d_dims

    void var_ratio_at(
        const double* p, double& vr, double& vt1, cvec& v, double* wr = nullptr) const;
    double shapes(const double* p, double* shape_cpi) const;
    double calibrated(double s, const double* p) const;
    void locate(const double* p, int* i0, double* fr) const;
};

/*!
 * Calibration of the conditional-Gaussian tail for small arrays: the sum of N_R
 * bounded terms has a lighter tail than the Gaussian (and the clutter nodes where
 * few antennas are random, lighter still). Multiplies the model's kappa^2; from the
 * Monte-Carlo table generated by tools/calibrate_one_bit_tail.py over random scenes
 * (docs/one_bit_rx_filter.md), interpolated in log2 N_R, log10 Pfa and the total
 * per-antenna CNR (dB), clamped at its ends (N_R >= 1024: 1).
 */
double calibration_factor(int n_rx, double pfa, double cnr_pa_db);

/*!
 * What a 1-bit detector with n_rx antennas and CPIs of cpi_len snapshots can reach at
 * a set Pfa. Its statistic is a function of the n = n_rx cpi_len complex signs, so it
 * takes at most 4^n values. The echo's law is circular (noise, a Swerling I or a
 * fixed-amplitude uniform-phase clutter gain), so r~ and j r~ are equally likely and
 * have the same |Z|: the patterns fall into 4^(n-1) classes of 4. Where x leaves the
 * clutter dark (what a radar precoder aims for) the 4^n patterns are equally likely,
 * so any threshold either exceeds the largest |Z| (no detection under H1 either: the
 * same patterns) or lets at least one class through, 4^(1-n) of the H0 mass.
 *
 * min_pfa = 4^(1-n); reachable = pfa >= min_pfa (n = 1: never, the statistic does not
 * depend on r at all). classes_above = pfa 4^(n-1), the noise-only classes the
 * requested tail holds: below 64 the achievable Pfa values are a few coarse steps.
 * coarse: reachable, and classes_above < 64, or a single-snapshot array below
 * n_rx = 8, where the tail model is not calibrated and sits 2-3x below the set Pfa,
 * or one antenna with a CPI, which cannot filter the clutter and whose CPI tail
 * model misses the repeating quantisation distortion of strong clutter, or CPIs
 * (cpi_len > 1, n_rx >= 2) whose strongest Swerling-I clutter patch (max_cnr_db, for
 * the exact threshold at threshold_scale 1; -inf: not known, fixed clutter, Theorem
 * 1's or a calibrated threshold) reaches strong_clutter_db: the mixed-x CPI's
 * variance holds there, but the common clutter draw sets every snapshot's sign-noise
 * variance, a scale mixture the CPI tail model leaves out, so the Pfa runs above the
 * set one by a factor that depends on the scene (measured at 2-64 antennas, equal CPI
 * weights, cpi_len 2-16: docs/one_bit_rx_filter_measurements.md). The ideal ADC is
 * always reachable and never coarse.
 */
struct one_bit_pfa_reach {
    double min_pfa = 0.0;
    double classes_above = 0.0;
    bool reachable = true;
    bool coarse = false;
    std::string reason; //!< why coarse or unreachable, empty otherwise
};
//! pfa_reach's strong clutter: CPIs are coarse from this CNR (dB) of their strongest
//! Swerling-I clutter patch
constexpr double strong_clutter_db = 15.0;
one_bit_pfa_reach pfa_reach(
    adc_model adc, int n_rx, int cpi_len, double pfa, double max_cnr_db = -HUGE_VAL);

//! calibration_factor() at a fixed N_R and Pfa, those two coordinates located once
//! (the receive filter evaluates it per snapshot): the same values.
class calibration_curve
{
public:
    calibration_curve(int n_rx, double pfa);
    double operator()(double cnr_pa_db) const;

private:
    int d_i[2];
    double d_f[2];
};

//! A threshold table shared by every filter with the same scene and Pfa (the build
//! costs up to ~1 s): a small process-wide cache.
std::shared_ptr<const threshold_table>
cached_threshold_table(const radar_scene& scene,
                       double pfa,
                       int cpi_len = 1,
                       clutter_model clutter = clutter_model::swerling1);

/*!
 * Predicted detection probability of the 1-bit receiver with the exact threshold at
 * clutter+target powers p (Q+1, p[0] = SNR_R |c_0|^2): the conditional-Gaussian model
 * with the target as one more fluctuating patch (the clutter under the table's
 * clutter model), at the table's kappa^2. The ideal
 * ADC has the exact law Pfa^{1/(1+SCNR)}.
 */
double
predicted_pd(const radar_scene& scene, const threshold_table& table, const cvec& c);

} // namespace core
} // namespace isac
} // namespace gr

#endif
