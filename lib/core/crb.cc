/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/crb.h>
#include <Eigen/Eigenvalues>
#include <limits>

namespace gr {
namespace isac {
namespace core {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();

void check_common(const cvec& b, const cvec& bdot, double beta_abs, int L, double noise_var)
{
    if (b.size() < 1 || b.size() != bdot.size())
        throw_param("bdot size", std::to_string(bdot.size()),
                    "the size of b (" + std::to_string(b.size()) + "), >= 1");
    if (!b.allFinite() || !bdot.allFinite())
        throw_param("b/bdot", "non-finite", "finite entries");
    if (!(std::isfinite(beta_abs) && beta_abs >= 0.0))
        throw_param("beta_abs", std::to_string(beta_abs), "finite and >= 0");
    check_int_range("L", L, 1, std::numeric_limits<int>::max());
    check_positive_finite("noise_var", noise_var);
}

void check_power(const char* name, double p)
{
    if (!(std::isfinite(p) && p >= 0.0))
        throw_param(name, std::to_string(p), "finite and >= 0");
}

// 1/x with 1/0 = +inf: zero information means an unbounded CRB, which a design
// sweep should see as inf rather than as an exception.
double inv_or_inf(double x) { return x > 0.0 ? 1.0 / x : inf; }
} // namespace

double doa_projected_derivative_power(const cvec& b, const cvec& bdot)
{
    const double nb = b.squaredNorm();
    if (!(nb > 0.0))
        throw_param("||b||", "0", "> 0");
    return std::max(0.0, bdot.squaredNorm() - std::norm(b.dot(bdot)) / nb);
}

double crb_deterministic(const cvec& b,
                         const cvec& bdot,
                         double beta_abs,
                         double p_det,
                         int L,
                         double noise_var,
                         bool gain_known)
{
    check_common(b, bdot, beta_abs, L, noise_var);
    check_power("p_det", p_det);
    const double q = gain_known ? bdot.squaredNorm() : doa_projected_derivative_power(b, bdot);
    return noise_var * inv_or_inf(2.0 * L * beta_abs * beta_abs * p_det * q);
}

cmat pinv_hermitian(const cmat& G, double rel_tol)
{
    if (G.rows() != G.cols())
        throw_param("G", shape_str(G.rows(), G.cols()), "square");
    if (G.size() == 0)
        return G;
    Eigen::SelfAdjointEigenSolver<cmat> es(G);
    const rvec& ev = es.eigenvalues();
    const double tol = rel_tol * std::max(0.0, ev.maxCoeff());
    rvec inv(ev.size());
    for (Eigen::Index i = 0; i < ev.size(); ++i)
        inv[i] = ev[i] > tol ? 1.0 / ev[i] : 0.0;
    return es.eigenvectors() * inv.asDiagonal() * es.eigenvectors().adjoint();
}

double crb_deterministic_clutter_gram(const cvec& b,
                                      const cvec& bdot,
                                      double Ec,
                                      const cmat& Bq,
                                      const cvec& rho,
                                      const cmat& Cc,
                                      double beta_abs,
                                      double noise_var)
{
    check_common(b, bdot, beta_abs, 1, noise_var);
    check_power("Ec", Ec);
    const Eigen::Index Q = Bq.cols();
    if (Bq.rows() != b.size())
        throw_param("Bq rows", std::to_string(Bq.rows()), "b.size()");
    if (rho.size() != Q || Cc.rows() != Q || Cc.cols() != Q)
        throw_param("rho/Cc size", std::to_string(rho.size()), "Bq.cols()");
    // A = [x, x_1 .. x_Q] with x_i = vec(b_i c_i^T): <x_i, x_j> = (b_i^H b_j)(c_i^H c_j)
    cmat Bx(b.size(), Q + 1);
    Bx.col(0) = b;
    Bx.rightCols(Q) = Bq;
    cmat Cg(Q + 1, Q + 1); // c_i^H c_j
    Cg(0, 0) = Ec;
    Cg.block(1, 0, Q, 1) = rho;
    Cg.block(0, 1, 1, Q) = rho.adjoint();
    Cg.bottomRightCorner(Q, Q) = Cc;
    const cmat GA = ((Bx.adjoint() * Bx).array() * Cg.array()).matrix();
    // h_i = x_i^H xdot = (b_i^H bdot)(c_i^H c)
    const cvec h = ((Bx.adjoint() * bdot).array() * Cg.col(0).array()).matrix();
    const double xd2 = bdot.squaredNorm() * Ec;
    const double s = std::max(0.0, xd2 - std::real(h.dot(pinv_hermitian(GA) * h)));
    return noise_var * inv_or_inf(2.0 * beta_abs * beta_abs * s);
}

double crb_deterministic_clutter(const cvec& b,
                                 const cvec& bdot,
                                 const cvec& c,
                                 const cmat& Bq,
                                 const cmat& Cq,
                                 double beta_abs,
                                 double noise_var)
{
    if (Cq.rows() != c.size() || Cq.cols() != Bq.cols())
        throw_param(
            "Cq", shape_str(Cq.rows(), Cq.cols()), "L x Q (c.size() x Bq.cols())");
    if (!c.allFinite() || !Cq.allFinite() || !Bq.allFinite())
        throw_param("c/Bq/Cq", "non-finite", "finite entries");
    return crb_deterministic_clutter_gram(b,
                                          bdot,
                                          c.squaredNorm(),
                                          Bq,
                                          Cq.adjoint() * c,
                                          Cq.adjoint() * Cq,
                                          beta_abs,
                                          noise_var);
}

double crb_mixed(const cvec& b,
                 const cvec& bdot,
                 double beta_abs,
                 double p_det,
                 double p_gauss,
                 int L,
                 double noise_var)
{
    check_common(b, bdot, beta_abs, L, noise_var);
    check_power("p_det", p_det);
    check_power("p_gauss", p_gauss);
    const double b2 = beta_abs * beta_abs;
    const double g = b2 * b.squaredNorm() * p_gauss / noise_var;
    const double q = doa_projected_derivative_power(b, bdot);
    return noise_var * inv_or_inf(2.0 * L * b2 * q * (p_det + p_gauss * g / (1.0 + g)));
}

double crb_gaussian(const cvec& b,
                    const cvec& bdot,
                    double beta_abs,
                    double p_gauss,
                    int L,
                    double noise_var)
{
    return crb_mixed(b, bdot, beta_abs, 0.0, p_gauss, L, noise_var);
}

rmat bistatic_fim(const cvec& b,
                  const cvec& bdot,
                  double beta_abs,
                  double p_det,
                  double p_gauss,
                  int L,
                  double noise_var)
{
    check_common(b, bdot, beta_abs, L, noise_var);
    check_power("p_det", p_det);
    check_power("p_gauss", p_gauss);
    if (p_det == 0.0 && p_gauss == 0.0)
        throw_param("p_det + p_gauss", "0", "> 0 (no signal, no information)");
    const Eigen::Index n = b.size();
    // The FIM does not depend on arg(beta): evaluate at beta = |beta|.
    const double be = beta_abs;
    const cmat bbH = b * b.adjoint();
    const cmat R = be * be * p_gauss * bbH + noise_var * cmat::Identity(n, n);
    const cmat Ri = R.llt().solve(cmat::Identity(n, n));

    const int np = p_det > 0.0 ? 3 : 2;
    std::vector<cvec> dmu = { be * bdot, b, cdouble(0.0, be) * b };
    std::vector<cmat> dR = { be * be * p_gauss * (bdot * b.adjoint() + b * bdot.adjoint()),
                             2.0 * be * p_gauss * bbH,
                             cmat::Zero(n, n) };
    std::vector<cmat> RidR(np);
    for (int i = 0; i < np; ++i)
        RidR[i] = Ri * dR[i];
    rmat F(np, np);
    for (int i = 0; i < np; ++i)
        for (int j = 0; j < np; ++j) {
            const double mean_term =
                2.0 * L * p_det * std::real(dmu[i].dot(Ri * dmu[j]));
            const double cov_term = L * std::real((RidR[i] * RidR[j]).trace());
            F(i, j) = mean_term + cov_term;
        }
    return F;
}

double crb_from_fim(const rmat& F)
{
    if (F.rows() < 1 || F.rows() != F.cols() || !F.allFinite())
        throw_param("FIM", "shape/entries", "a finite square matrix");
    Eigen::FullPivLU<rmat> lu(F);
    if (!lu.isInvertible())
        throw_param("FIM", "singular", "an invertible matrix (identifiable parameters)");
    return lu.inverse()(0, 0);
}

rmat monostatic_fim(const cmat& G,
                    const std::vector<cmat>& Gdots,
                    const cmat& R_x,
                    cdouble alpha,
                    int L,
                    double noise_var)
{
    check_int_range("L", L, 1, std::numeric_limits<int>::max());
    check_positive_finite("noise_var", noise_var);
    if (R_x.rows() != G.cols() || R_x.cols() != G.cols())
        throw_param("R_x shape",
                    shape_str(R_x.rows(), R_x.cols()),
                    "n_tx x n_tx with n_tx = G.cols() = " + std::to_string(G.cols()));
    if (Gdots.empty())
        throw_param("Gdots", "empty", "at least one derivative matrix");
    for (const auto& D : Gdots)
        if (D.rows() != G.rows() || D.cols() != G.cols())
            throw_param("Gdot shape", shape_str(D.rows(), D.cols()), "the shape of G");
    const int K = static_cast<int>(Gdots.size());
    std::vector<cmat> D;
    for (const auto& Gd : Gdots)
        D.push_back(alpha * Gd);
    D.push_back(G);
    D.push_back(cdouble(0.0, 1.0) * G);
    const double kappa = 2.0 * L / noise_var;
    rmat F(K + 2, K + 2);
    for (int i = 0; i < K + 2; ++i) {
        const cmat DiR = D[i] * R_x;
        for (int j = 0; j < K + 2; ++j)
            F(i, j) = kappa * std::real((DiR * D[j].adjoint()).trace());
    }
    return F;
}

double crb_monostatic(const cvec& b,
                      const cvec& bdot,
                      const cvec& a,
                      const cvec& adot,
                      const cmat& R_x,
                      double alpha_abs,
                      int L,
                      double noise_var)
{
    check_common(b, bdot, alpha_abs, L, noise_var);
    if (a.size() < 1 || a.size() != adot.size() || R_x.rows() != a.size() ||
        R_x.cols() != a.size())
        throw_param("a/adot/R_x sizes", std::to_string(a.size()),
                    "a, adot of equal size n_tx and R_x n_tx x n_tx");
    const cmat G = b * a.adjoint();
    const cmat Gd = bdot * a.adjoint() + b * adot.adjoint();
    const double t_dd = std::real((Gd * R_x * Gd.adjoint()).trace());
    const cdouble t_gd = (G * R_x * Gd.adjoint()).trace();
    const double t_gg = std::real((G * R_x * G.adjoint()).trace());
    if (!(t_gg > 0.0))
        throw_param("tr(G R_x G^H)", std::to_string(t_gg), "> 0 (no power towards the target)");
    const double kappa = 2.0 * L / noise_var;
    return inv_or_inf(kappa * alpha_abs * alpha_abs * (t_dd - std::norm(t_gd) / t_gg));
}

std::pair<double, double> crb_upa(int n_th,
                                  int n_tv,
                                  int n_rh,
                                  int n_rv,
                                  double th,
                                  double ph,
                                  double xi,
                                  double rho,
                                  double alpha_abs,
                                  int L,
                                  double noise_var)
{
    check_int_range("n_th", n_th, 1, 1 << 16);
    check_int_range("n_tv", n_tv, 1, 1 << 16);
    check_int_range("n_rh", n_rh, 1, 1 << 16);
    check_int_range("n_rv", n_rv, 1, 1 << 16);
    check_finite("theta", th);
    check_finite("phi", ph);
    check_power("xi", xi);
    check_power("rho", rho);
    if (!(std::isfinite(alpha_abs) && alpha_abs >= 0.0))
        throw_param("alpha_abs", std::to_string(alpha_abs), "finite and >= 0");
    check_int_range("L", L, 1, std::numeric_limits<int>::max());
    check_positive_finite("noise_var", noise_var);

    const double nt = double(n_th) * n_tv, nr = double(n_rh) * n_rv;
    const double st = std::sin(th), ct = std::cos(th), sp = std::sin(ph), cp = std::cos(ph);
    const double p2 = pi * pi;
    // Remark 3 of the massive-MIMO ISAC paper (eq. 48-53): squared norms and
    // cross terms of the centre-referenced UPA derivatives; a^H adot = 0
    // removes the gain nuisance. Eq. 49/51 print cos^2(phi) on the vertical
    // (N_v^2 - 1) term, but d/dphi of a_v = exp(j pi m cos(phi)) brings
    // -j pi m sin(phi): the term carries sin^2(phi). The two agree only at
    // phi = +-45 deg (the paper's scene), which is why the typo is invisible there.
    auto norms = [&](double n, double nh, double nv, double& dth, double& dph, double& x) {
        dth = n * (nh * nh - 1.0) * p2 * ct * ct * sp * sp / 12.0;
        dph = n * p2 * ((nh * nh - 1.0) * st * st * cp * cp + (nv * nv - 1.0) * sp * sp) /
              12.0;
        x = n * (nh * nh - 1.0) * p2 * sp * st * cp * ct / 12.0;
    };
    double a_th, a_ph, a_x, b_th, b_ph, b_x;
    norms(nt, n_th, n_tv, a_th, a_ph, a_x);
    norms(nr, n_rh, n_rv, b_th, b_ph, b_x);
    const double T_th = xi * (nr * a_th + nt * b_th) + rho * nt * nt * b_th;
    const double T_ph = xi * (nr * a_ph + nt * b_ph) + rho * nt * nt * b_ph;
    const double T_x = xi * (nr * a_x + nt * b_x) + rho * nt * nt * b_x;
    const double ka = 2.0 * L / noise_var * alpha_abs * alpha_abs;
    const double crb_th = (T_ph > 0.0) ? inv_or_inf(ka * (T_th - T_x * T_x / T_ph)) : inf;
    const double crb_ph = (T_th > 0.0) ? inv_or_inf(ka * (T_ph - T_x * T_x / T_th)) : inf;
    return { crb_th, crb_ph };
}

std::pair<double, double> crb_upa_exact(int n_th,
                                        int n_tv,
                                        int n_rh,
                                        int n_rv,
                                        double th,
                                        double ph,
                                        const cmat& R_x,
                                        double alpha_abs,
                                        int L,
                                        double noise_var)
{
    if (!(std::isfinite(alpha_abs) && alpha_abs >= 0.0))
        throw_param("alpha_abs", std::to_string(alpha_abs), "finite and >= 0");
    if (!R_x.allFinite())
        throw_param("R_x", "non-finite", "finite entries");
    // steering.h validates the sizes and angles
    const cvec a = upa_steering(n_th, n_tv, th, ph), b = upa_steering(n_rh, n_rv, th, ph);
    const cvec at = upa_steering_dtheta(n_th, n_tv, th, ph), ap = upa_steering_dphi(n_th, n_tv, th, ph);
    const cvec bt = upa_steering_dtheta(n_rh, n_rv, th, ph), bp = upa_steering_dphi(n_rh, n_rv, th, ph);
    const cmat G = b * a.adjoint();
    const cmat Gt = bt * a.adjoint() + b * at.adjoint();
    const cmat Gp = bp * a.adjoint() + b * ap.adjoint();
    if (alpha_abs == 0.0)
        return { inf, inf };
    const rmat F = monostatic_fim(G, { Gt, Gp }, R_x, cdouble(alpha_abs), L, noise_var);
    Eigen::FullPivLU<rmat> lu(F);
    if (!lu.isInvertible())
        return { inf, inf }; // no power towards the target: nothing identifiable
    const rmat Fi = lu.inverse();
    return { Fi(0, 0), Fi(1, 1) };
}

} // namespace core
} // namespace isac
} // namespace gr
