/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Emulated radio front-end: the fractional delay against the analytic delay
 * of band-limited tones and against the Kaiser formula (std::cyl_bessel_i),
 * each impairment against its closed form on signals built here, and the
 * seeded, batch-independent random streams.
 */
#include <gnuradio/isac/core/frontend.h>
#include <gnuradio/isac/core/steering.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <cmath>
#include <vector>

using namespace gr::isac::core;

namespace {
std::vector<cfloat> random_x(long n, int nt, uint64_t seed, float var = 1.0f)
{
    gaussian_rng g(seed);
    std::vector<cfloat> x(size_t(n) * nt);
    g.fill_cn(x.data(), x.size(), var);
    return x;
}

// sum of tones below 0.35 cycles/sample: x(t) is known at any real t
struct tones {
    std::vector<double> nu, ph;
    explicit tones(uint64_t seed)
    {
        gaussian_rng g(seed);
        for (int i = 0; i < 8; ++i) {
            nu.push_back(-0.35 + 0.7 * g.uniform());
            ph.push_back(2 * pi * g.uniform());
        }
    }
    cdouble at(double t) const
    {
        cdouble s = 0;
        for (size_t i = 0; i < nu.size(); ++i)
            s += std::polar(1.0, 2 * pi * nu[i] * t + ph[i]);
        return s / std::sqrt(double(nu.size()));
    }
};

frontend_params base_params(int nt = 4, int nr = 4, int nu = 2)
{
    frontend_params p;
    p.n_tx = nt;
    p.n_rx = nr;
    p.n_users = nu;
    p.user_rad.clear();
    for (int u = 0; u < nu; ++u)
        p.user_rad.push_back(deg2rad(-34.0 + 46.0 * u / std::max(1, nu - 1)));
    p.target_rad = deg2rad(23.0);
    p.clutter_rad = { deg2rad(-47.0), deg2rad(31.0) };
    p.cnr_db = { 30.0, 30.0 };
    p.seed = 11;
    return p;
}

// echo and users 100 dB above the noise: the outputs are the noiseless model
void quiet(frontend_params& p)
{
    p.target_snr_db = 100.0;
    p.cnr_db.assign(p.clutter_rad.size(), 115.0);
    p.comm_noise_var = 1e-10;
}

// error power of a sequence against its reference, in dB of the reference power
struct err_meter {
    double e = 0, p = 0;
    void add(cdouble v, cdouble ref)
    {
        e += std::norm(v - ref);
        p += std::norm(ref);
    }
    double db() const { return 10 * std::log10(std::max(e, 1e-300) / p); }
};

double wrap(double a) { return std::atan2(std::sin(a), std::cos(a)); }
} // namespace

class qa_frontend : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_frontend);
    CPPUNIT_TEST(test_kernel_formula);
    CPPUNIT_TEST(test_fd_bandlimited_tones);
    CPPUNIT_TEST(test_fd_near_integer_delays);
    CPPUNIT_TEST(test_fd_short_delay_is_causal);
    CPPUNIT_TEST(test_fd_batch_independence);
    CPPUNIT_TEST(test_fd_bad_params);
    CPPUNIT_TEST(test_profiles);
    CPPUNIT_TEST(test_none_is_the_air);
    CPPUNIT_TEST(test_static_gains_and_delay);
    CPPUNIT_TEST(test_fractional_loop_delay);
    CPPUNIT_TEST(test_iq_image);
    CPPUNIT_TEST(test_cfo_and_user_delay);
    CPPUNIT_TEST(test_phase_noise_rms);
    CPPUNIT_TEST(test_adc_clipping);
    CPPUNIT_TEST(test_pilot_and_rx_phases);
    CPPUNIT_TEST(test_drift_statistics);
    CPPUNIT_TEST(test_swerling_target);
    CPPUNIT_TEST(test_batch_independence_and_seed);
    CPPUNIT_TEST(test_loopback_channel);
    CPPUNIT_TEST(test_nonfinite_input);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_kernel_formula()
    {
        for (double d : { 20.3, 7.5, 2.25, 0.6 }) {
            int kf = 0;
            const auto h = fractional_delay::kernel(d, 16, 6.0, kf);
            const double I = std::floor(d), f = d - I;
            const int half = int(std::min(8.0, I + 1));
            CPPUNIT_ASSERT_EQUAL(2 * half, int(h.size()));
            CPPUNIT_ASSERT_EQUAL(-(half - 1), kf);
            std::vector<double> ref;
            double s = 0;
            for (int k = kf; k < kf + 2 * half; ++k) {
                const double u = k - f, r = u / half;
                const double w = std::cyl_bessel_i(0.0, 6.0 * std::sqrt(1 - r * r)) /
                                 std::cyl_bessel_i(0.0, 6.0);
                ref.push_back(w * std::sin(pi * u) / (pi * u));
                s += ref.back();
            }
            for (size_t j = 0; j < h.size(); ++j)
                CPPUNIT_ASSERT_DOUBLES_EQUAL(ref[j] / s, h[j], 1e-12);
        }
        int kf = 5;
        const auto h = fractional_delay::kernel(9.0, 16, 6.0, kf);
        CPPUNIT_ASSERT_EQUAL(size_t(1), h.size());
        CPPUNIT_ASSERT_EQUAL(0, kf);
    }

    void test_fd_near_integer_delays()
    {
        // a delay within 1e-9 of an integer is that integer, from below too:
        // an impulse comes out at round(d) (it came out 2 samples early from
        // below), whether every channel has that delay or only one
        for (double d : { 3.0, 3.0 - 1e-10, 3.0 + 1e-10, 0.0 + 1e-10, 1.0 - 1e-10 }) {
            const long D = std::lround(d);
            for (int shared = 0; shared < 2; ++shared) {
                fractional_delay fd(2, 10.0, 16);
                fd.set_delays(shared ? std::vector<double>{ d }
                                     : std::vector<double>{ d, 2.5 });
                std::vector<cfloat> in(2 * 12, cfloat(0)), out(in.size());
                in[2 * 4] = 1.0f; // channel 0, t = 4
                fd.process(in.data(), out.data(), 12);
                for (long t = 0; t < 12; ++t)
                    CPPUNIT_ASSERT_EQUAL_MESSAGE("d " + std::to_string(d) + " t " +
                                                     std::to_string(t),
                                                 t == 4 + D ? 1.0f : 0.0f,
                                                 out[2 * t].real());
            }
        }
    }

    void test_fd_bandlimited_tones()
    {
        const std::vector<double> delays = { 0.0, 3.0, 7.25, 20.6, 33.999 };
        const int C = int(delays.size());
        fractional_delay fd(C, 40.0, 16, 6.0);
        fd.set_delays(delays);
        const tones s(3);
        const long n = 600;
        std::vector<cfloat> in(size_t(n) * C), out(in.size());
        for (long t = 0; t < n; ++t)
            for (int c = 0; c < C; ++c)
                in[t * C + c] = cfloat(s.at(double(t)));
        fd.process(in.data(), out.data(), n);
        for (int c = 0; c < C; ++c) {
            double err = 0, pow = 0;
            for (long t = 64; t < n; ++t) {
                const cdouble ref = s.at(double(t) - delays[c]);
                err += std::norm(cdouble(out[t * C + c]) - ref);
                pow += std::norm(ref);
            }
            const double db = 10 * std::log10(std::max(err, 1e-30) / pow);
            // integer delays are exact; 16 Kaiser taps reach -55 dB below 0.35
            // cycles/sample
            const bool integer = delays[c] == std::floor(delays[c]);
            CPPUNIT_ASSERT_MESSAGE("delay " + std::to_string(delays[c]) + ": " +
                                       std::to_string(db) + " dB",
                                   integer ? db < -120 : db < -52);
        }
    }

    void test_fd_short_delay_is_causal()
    {
        fractional_delay fd(1, 10.0, 16);
        fd.set_delays({ 2.4 });
        std::vector<cfloat> in(32, cfloat(0)), out(32);
        in[4] = 1.0f; // impulse at t = 4
        fd.process(in.data(), out.data(), 32);
        int kf = 0;
        const auto h = fractional_delay::kernel(2.4, 16, 6.0, kf);
        // response at t = 4 + 2 + k, k = kf .. kf + len - 1, never before the impulse
        for (int t = 0; t < 32; ++t) {
            const int k = t - 4 - 2;
            const double ref = (k >= kf && k < kf + int(h.size())) ? h[k - kf] : 0.0;
            CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, out[t].real(), 1e-7);
        }
        CPPUNIT_ASSERT(kf + 4 + 2 >= 4);
    }

    void test_fd_batch_independence()
    {
        const int C = 3;
        const long n = 3000;
        const auto x = random_x(n, C, 5);
        fractional_delay a(C, 50.0), b(C, 50.0);
        a.set_delays({ 0.3, 17.75, 49.0 });
        b.set_delays({ 0.3, 17.75, 49.0 });
        std::vector<cfloat> ya(x.size()), yb(x.size());
        a.process(x.data(), ya.data(), n);
        gaussian_rng g(9);
        long t = 0;
        while (t < n) {
            const long len = std::min<long>(n - t, 1 + long(g.uniform() * 400));
            b.process(x.data() + t * C, yb.data() + t * C, len);
            t += len;
        }
        CPPUNIT_ASSERT(ya == yb);
    }

    void test_fd_bad_params()
    {
        CPPUNIT_ASSERT_THROW(fractional_delay(1, 10.0, 15), param_error);
        CPPUNIT_ASSERT_THROW(fractional_delay(0, 10.0, 16), param_error);
        CPPUNIT_ASSERT_THROW(fractional_delay(1, -1.0, 16), param_error);
        fractional_delay fd(2, 10.0);
        CPPUNIT_ASSERT_THROW(fd.set_delays({ 11.0 }), param_error);
        CPPUNIT_ASSERT_THROW(fd.set_delays({ 1.0, 2.0, 3.0 }), param_error);
        CPPUNIT_ASSERT_THROW(fd.set_delays({ std::nan("") }), param_error);
    }

    void test_profiles()
    {
        const auto none = impairment_profile::named("none");
        CPPUNIT_ASSERT(!none.random_phase);
        CPPUNIT_ASSERT_EQUAL(0.0, none.loop_delay_max);
        const auto typ = impairment_profile::named("typical");
        const auto harsh = impairment_profile::named("harsh");
        CPPUNIT_ASSERT(typ.random_phase && harsh.random_phase);
        // harsh is worse than typical in every range
        CPPUNIT_ASSERT(harsh.gain_std_db > typ.gain_std_db);
        CPPUNIT_ASSERT(harsh.pn_rms_deg > typ.pn_rms_deg);
        CPPUNIT_ASSERT(harsh.iq_phase_deg > typ.iq_phase_deg);
        CPPUNIT_ASSERT(harsh.user_cfo_ppm > typ.user_cfo_ppm);
        CPPUNIT_ASSERT(harsh.adc_headroom_db < typ.adc_headroom_db);
        typ.validate();
        harsh.validate();
        CPPUNIT_ASSERT_THROW(impairment_profile::named("mild"), param_error);
        impairment_profile bad = typ;
        bad.loop_delay_max = 1.0; // below loop_delay_min
        CPPUNIT_ASSERT_THROW(bad.validate(), param_error);
        bad = typ;
        bad.pn_rms_deg = -1;
        CPPUNIT_ASSERT_THROW(bad.validate(), param_error);
        frontend_params p = base_params();
        p.user_rad.pop_back();
        CPPUNIT_ASSERT_THROW(frontend_emulator e(p), param_error);
    }

    void test_none_is_the_air()
    {
        frontend_params p = base_params();
        quiet(p);
        frontend_emulator e(p);
        CPPUNIT_ASSERT_EQUAL(0.0, e.loop_delay());
        const long n = 500;
        const auto x = random_x(n, 4, 2, 0.02f);
        std::vector<cfloat> r(size_t(n) * 4), y(size_t(n) * 2);
        e.process(x.data(), r.data(), y.data(), n);
        // the echo matrix is the monostatic model with unit-norm steering vectors
        const auto c = array_convention::first_element_unit_norm();
        cmat G = cmat::Zero(4, 4);
        const std::vector<double> ang = { 23.0, -47.0, 31.0 },
                                  snr = { 100.0, 115.0, 115.0 };
        for (int q = 0; q < 3; ++q) {
            const cdouble gq = e.echo_gains()[q];
            CPPUNIT_ASSERT_DOUBLES_EQUAL(
                db2lin(snr[q]), std::norm(gq), 1e-9 * std::norm(gq));
            G += gq * ula_steering(4, deg2rad(ang[q]), c) *
                 ula_steering(4, deg2rad(ang[q]), c).transpose();
        }
        CPPUNIT_ASSERT((G - e.G()).norm() < 1e-12 * G.norm());
        const cmat H = los_channel(4, p.user_rad);
        err_meter er, ey;
        for (long t = 0; t < n; ++t) {
            cvec xt(4);
            for (int k = 0; k < 4; ++k)
                xt[k] = cdouble(x[t * 4 + k]);
            const cvec rt = G * xt, yt = H * xt;
            for (int m = 0; m < 4; ++m)
                er.add(cdouble(r[t * 4 + m]), rt[m]);
            for (int u = 0; u < 2; ++u)
                ey.add(cdouble(y[t * 2 + u]), yt[u]);
        }
        // the noise sits 100 dB below
        CPPUNIT_ASSERT_MESSAGE(std::to_string(er.db()), er.db() < -90);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(ey.db()), ey.db() < -80);
    }

    void test_static_gains_and_delay()
    {
        frontend_params p = base_params();
        quiet(p);
        p.imp.gain_std_db = 1.0;
        p.imp.random_phase = true;
        p.imp.loop_delay_min = p.imp.loop_delay_max = 5.0;
        frontend_emulator e(p);
        const long n = 400;
        const auto x = random_x(n, 4, 3, 0.02f);
        std::vector<cfloat> r(size_t(n) * 4);
        e.process(x.data(), r.data(), nullptr, n);
        cvec gt(4), gr(4);
        for (int k = 0; k < 4; ++k) {
            gt[k] = e.tx(k).gain;
            gr[k] = e.rx(k).gain;
        }
        // the draws are not trivially 1
        CPPUNIT_ASSERT(std::abs(std::arg(gt[1] * std::conj(gt[0]))) > 1e-3);
        const cmat Geff = gr.asDiagonal() * e.G() * gt.asDiagonal();
        err_meter er;
        for (long t = 0; t < n; ++t) {
            cvec xt = cvec::Zero(4);
            if (t >= 5)
                for (int k = 0; k < 4; ++k)
                    xt[k] = cdouble(x[(t - 5) * 4 + k]);
            const cvec rt = Geff * xt;
            for (int m = 0; m < 4; ++m)
                er.add(cdouble(r[t * 4 + m]), rt[m]);
        }
        CPPUNIT_ASSERT_MESSAGE(std::to_string(er.db()), er.db() < -90);
        const auto ph = e.rx_phases();
        for (int m = 0; m < 4; ++m)
            CPPUNIT_ASSERT_DOUBLES_EQUAL(wrap(std::arg(gr[m] / gr[0])), ph[m], 1e-12);
    }

    void test_fractional_loop_delay()
    {
        frontend_params p = base_params();
        quiet(p);
        p.imp.loop_delay_min = 12.0;
        p.imp.loop_delay_max = 13.0;
        frontend_emulator e(p);
        const double d = e.loop_delay();
        CPPUNIT_ASSERT(d >= 12.0 && d <= 13.0 && d != std::floor(d));
        const long n = 700;
        const auto x = random_x(n, 4, 4, 0.02f);
        std::vector<cfloat> r(size_t(n) * 4), air(size_t(n) * 4), ref(size_t(n) * 4);
        e.process(x.data(), r.data(), nullptr, n);
        for (long t = 0; t < n; ++t)
            for (int m = 0; m < 4; ++m) {
                cdouble s = 0;
                for (int k = 0; k < 4; ++k)
                    s += e.G()(m, k) * cdouble(x[t * 4 + k]);
                air[t * 4 + m] = cfloat(s);
            }
        fractional_delay fd(4, 14.0, p.fd_taps); // the emulator's kernel
        fd.set_delays({ d });
        fd.process(air.data(), ref.data(), n);
        double err = 0, pow = 0;
        for (size_t i = 0; i < r.size(); ++i) {
            err += std::norm(cdouble(r[i]) - cdouble(ref[i]));
            pow += std::norm(cdouble(ref[i]));
        }
        CPPUNIT_ASSERT(err < 1e-8 * pow);
    }

    void test_iq_image()
    {
        // one transmit antenna, one user, unit LoS gain; a tone A e^{jwt}:
        //   x' = K1t x + K2t x*,  y = K1r x' + K2r conj(x')
        //   desired (e^{jwt})  A (K1r K1t + K2r conj(K2t))
        //   image   (e^{-jwt}) A (K1r K2t + K2r conj(K1t))
        frontend_params p = base_params(1, 1, 1);
        p.user_rad = { 0.0 };
        p.comm_noise_var = 1e-12;
        p.imp.iq_gain_db = 1.0;
        p.imp.iq_phase_deg = 5.0;
        frontend_emulator e(p);
        const long n = 4096;
        std::vector<cfloat> x(n), y(n);
        for (long t = 0; t < n; ++t)
            x[t] = cfloat(std::polar(0.5, 2 * pi * 0.1 * t));
        e.process(x.data(), nullptr, y.data(), n);
        cdouble a(0), b(0);
        for (long t = 0; t < n; ++t) {
            a += cdouble(y[t]) * std::polar(1.0, -2 * pi * 0.1 * t);
            b += cdouble(y[t]) * std::polar(1.0, 2 * pi * 0.1 * t);
        }
        // no static gain or phase in this profile: the truth gain is K1 itself
        const cdouble K1t = e.tx(0).gain, K2t = e.tx(0).image;
        const cdouble K1r = e.user(0).gain, K2r = e.user(0).image;
        CPPUNIT_ASSERT(std::abs(K2t) > 1e-4 && std::abs(K2r) > 1e-4);
        const cdouble des = K1r * K1t + K2r * std::conj(K2t);
        const cdouble img = K1r * K2t + K2r * std::conj(K1t);
        const double meas_db = 10 * std::log10(std::norm(b) / std::norm(a));
        const double ref_db = 10 * std::log10(std::norm(img) / std::norm(des));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(ref_db, meas_db, 0.05);
        // and the image rejection of one side is the textbook |K1|^2/|K2|^2:
        // for a 1 dB / 5 deg bound it lies between 20 and 60 dB
        const double irr = 10 * std::log10(std::norm(K1r) / std::norm(K2r));
        CPPUNIT_ASSERT(irr > 20.0 && irr < 80.0);
    }

    void test_cfo_and_user_delay()
    {
        frontend_params p = base_params(2, 2, 2);
        p.comm_noise_var = 1e-12;
        p.imp.user_cfo_ppm = 2.0;
        p.imp.user_delay_max = 50.0;
        frontend_emulator e(p);
        const long n = 4000;
        const auto x = random_x(n, 2, 8, 0.02f);
        std::vector<cfloat> y(size_t(n) * 2), air(size_t(n) * 2), del(size_t(n) * 2);
        e.process(x.data(), nullptr, y.data(), n);
        for (long t = 0; t < n; ++t)
            for (int u = 0; u < 2; ++u) {
                cdouble s = 0;
                for (int k = 0; k < 2; ++k)
                    s += e.H()(u, k) * cdouble(x[t * 2 + k]);
                air[t * 2 + u] = cfloat(s);
            }
        fractional_delay fd(2, 51.0);
        fd.set_delays({ e.user(0).delay, e.user(1).delay });
        fd.process(air.data(), del.data(), n);
        const double bound = 2e-6 * p.center_freq / p.samp_rate;
        for (int u = 0; u < 2; ++u) {
            const double cfo = e.user(u).cfo;
            CPPUNIT_ASSERT(std::abs(cfo) <= bound && cfo != 0.0);
            CPPUNIT_ASSERT(e.user(u).delay >= 0.0 && e.user(u).delay <= 50.0);
            err_meter ey;
            for (long t = 100; t < n; ++t)
                ey.add(cdouble(y[t * 2 + u]),
                       cdouble(del[t * 2 + u]) * std::polar(1.0, 2 * pi * cfo * t));
            CPPUNIT_ASSERT_MESSAGE(std::to_string(ey.db()), ey.db() < -80);
        }
    }

    void test_phase_noise_rms()
    {
        // one Tx and one user channel: arg(y / (h x)) = pn_tx + pn_rx, variance 2 sigma^2
        frontend_params p = base_params(1, 1, 1);
        p.comm_noise_var = 1e-12;
        p.imp.pn_rms_deg = 1.0;
        p.imp.pn_corner_hz = 100e3;
        frontend_emulator e(p);
        const long n = 200000;
        std::vector<cfloat> x(n, cfloat(0.5f, 0.0f)), y(n);
        e.process(x.data(), nullptr, y.data(), n);
        const cdouble h = e.H()(0, 0) * 0.5;
        double s2 = 0, s1 = 0;
        for (long t = 0; t < n; ++t) {
            const double ph = std::arg(cdouble(y[t]) / h);
            s1 += ph;
            s2 += ph * ph;
        }
        const double sd = std::sqrt(s2 / n - (s1 / n) * (s1 / n));
        const double ref = std::sqrt(2.0) * deg2rad(1.0);
        // OU with a = exp(-2 pi 0.1) keeps ~ n (1 - a)/(1 + a) independent samples
        const double a = std::exp(-2 * pi * 0.1), neff = n * (1 - a) / (1 + a);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, sd, 4.0 * ref / std::sqrt(2 * neff));
    }

    void test_adc_clipping()
    {
        frontend_params p = base_params();
        p.imp.adc_headroom_db = 6.0;
        frontend_emulator e(p);
        const long n = 2000;
        const auto x = random_x(n, 4, 5, 0.25f);
        std::vector<cfloat> r(size_t(n) * 4);
        e.process(x.data(), r.data(), nullptr, n);
        const float A = float(std::sqrt(p.radar_noise_var * std::pow(10.0, 0.6)));
        uint64_t clipped = 0;
        for (const auto& v : r) {
            CPPUNIT_ASSERT(std::abs(v.real()) <= A && std::abs(v.imag()) <= A);
            clipped += (std::abs(v.real()) == A || std::abs(v.imag()) == A);
        }
        uint64_t counted = 0;
        for (int m = 0; m < 4; ++m)
            counted += e.rx(m).clipped;
        CPPUNIT_ASSERT(counted > 100);
        CPPUNIT_ASSERT_EQUAL(clipped, counted);
        // infinite headroom never clips
        frontend_params q = base_params();
        frontend_emulator f(q);
        f.process(x.data(), r.data(), nullptr, n);
        for (int m = 0; m < 4; ++m)
            CPPUNIT_ASSERT_EQUAL(uint64_t(0), f.rx(m).clipped);
    }

    void test_pilot_and_rx_phases()
    {
        frontend_params p = base_params(2, 6, 1);
        p.user_rad = { 0.0 };
        p.imp = impairment_profile::named("typical");
        p.imp.pn_rms_deg = 0.0;
        p.imp.iq_gain_db = p.imp.iq_phase_deg =
            0.0; // the tone's image would bias a short test
        p.pilot_rad = deg2rad(-17.0);
        p.pilot_snr_db = 30.0;
        p.pilot_freq = 0.07;
        p.pilot_len = 5000;
        frontend_emulator e(p);
        const long n = 6000;
        std::vector<cfloat> x(size_t(n) * 2, cfloat(0)), r(size_t(n) * 6);
        e.process(x.data(), r.data(), nullptr, n);
        cvec z = cvec::Zero(6), z_off = cvec::Zero(6);
        for (long t = 0; t < n; ++t)
            for (int m = 0; m < 6; ++m) {
                const cdouble v =
                    cdouble(r[t * 6 + m]) * std::polar(1.0, -2 * pi * 0.07 * t);
                (t < 5000 ? z : z_off)[m] += v;
            }
        const cvec a = ula_steering(6, deg2rad(-17.0));
        const auto ph = e.rx_phases();
        for (int m = 0; m < 6; ++m) {
            const double est =
                std::arg(z[m] * std::conj(z[0])) - std::arg(a[m] * std::conj(a[0]));
            CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, wrap(est - ph[m]), deg2rad(0.5));
            // the pilot is off after pilot_len: only noise remains
            CPPUNIT_ASSERT(std::abs(z_off[m]) < 0.02 * std::abs(z[m]));
        }
    }

    void test_drift_statistics()
    {
        // 200 transmit chains, drift 5 deg / 0.2 dB with a 10 ms correlation
        // time: after ~100 steps the drift is stationary across the chains
        frontend_params p = base_params(200, 1, 1);
        p.user_rad = { 0.0 };
        p.imp.drift_phase_std_deg = 5.0;
        p.imp.drift_gain_std_db = 0.2;
        p.imp.drift_tau_s = 0.01;
        frontend_emulator e(p);
        std::vector<cdouble> g0;
        for (int k = 0; k < 200; ++k)
            g0.push_back(e.tx(k).gain);
        const long n = 1024 * 100 + 1;
        std::vector<cfloat> x(size_t(n) * 200, cfloat(0)), r(n), y(n);
        e.process(x.data(), r.data(), y.data(), n);
        double s2 = 0, g2 = 0;
        for (int k = 0; k < 200; ++k) {
            const cdouble ratio = e.tx(k).gain / g0[k];
            s2 += std::pow(std::arg(ratio), 2);
            g2 += std::pow(20 * std::log10(std::abs(ratio)), 2);
        }
        const double a = std::exp(-1024 / 1e6 / 0.01);
        const double var_ph = std::pow(deg2rad(5.0), 2) * (1 - std::pow(a, 200));
        const double var_g = 0.04 * (1 - std::pow(a, 200));
        // sample variance of 200 normals: relative std sqrt(2/200) = 0.1
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, s2 / 200 / var_ph, 0.4);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, g2 / 200 / var_g, 0.4);
    }

    void test_swerling_target()
    {
        // target only, one antenna each way: the echo gain is redrawn every
        // 50 snapshots, constant inside, |gamma|^2 exponential with mean zeta^2
        frontend_params p = base_params(1, 1, 1);
        p.user_rad = { 0.0 };
        p.clutter_rad.clear();
        p.cnr_db.clear();
        p.target_snr_db = 10.0;
        p.target_coherence = 50;
        frontend_emulator e(p);
        std::vector<cfloat> x(50, cfloat(0.1f, 0.0f)), r(50);
        const double z2 = std::pow(10.0, 1.0);
        double sum = 0;
        int below = 0;
        const int n = 3000;
        cdouble prev = 0;
        for (int i = 0; i < n; ++i) {
            e.process(x.data(), r.data(), nullptr, 50);
            const cdouble g = e.echo_gains()[0];
            CPPUNIT_ASSERT(g != prev); // a new draw every interval
            prev = g;
            sum += std::norm(g);
            below += std::norm(g) < z2;
        }
        // mean within 4 sigma (exponential: std = mean), P(|g|^2 < z2) = 1 - 1/e
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, sum / n / z2, 4.0 / std::sqrt(double(n)));
        const double p_below = 1.0 - std::exp(-1.0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(
            p_below, double(below) / n, 4.0 * std::sqrt(p_below * (1 - p_below) / n));
    }

    void test_batch_independence_and_seed()
    {
        frontend_params p = base_params();
        p.imp = impairment_profile::named("typical");
        p.pilot_snr_db = 20.0;
        p.loopback = true;
        p.target_coherence = 333;
        const long n = 5000;
        const auto x = random_x(n, 4, 6, 0.25f);
        frontend_emulator a(p), b(p);
        std::vector<cfloat> ra(size_t(n) * 5), ya(size_t(n) * 2), rb(ra.size()),
            yb(ya.size());
        a.process(x.data(), ra.data(), ya.data(), n);
        gaussian_rng g(4);
        long t = 0;
        while (t < n) {
            const long len = std::min<long>(n - t, 1 + long(g.uniform() * 1500));
            // skipping one output never changes the other
            b.process(x.data() + t * 4,
                      rb.data() + t * 5,
                      (t / 7) % 2 ? yb.data() + t * 2 : nullptr,
                      len);
            t += len;
        }
        CPPUNIT_ASSERT(ra == rb);
        CPPUNIT_ASSERT_EQUAL(a.seed_used(), b.seed_used());
        p.seed = 0;
        frontend_emulator c(p), d(p);
        CPPUNIT_ASSERT(c.seed_used() != 0 && c.seed_used() != d.seed_used());
        CPPUNIT_ASSERT(std::abs(c.loop_delay() - a.loop_delay()) > 0 ||
                       c.tx_phases() != a.tx_phases());
    }

    void test_loopback_channel()
    {
        frontend_params p = base_params(3, 2, 1);
        p.user_rad = { 0.0 };
        p.radar_noise_var = 1e-10;
        p.loopback = true;
        p.loopback_snr_db = 100.0; // coupler gain sqrt(1e-10 * 1e10) = 1
        p.imp.gain_std_db = 1.0;
        p.imp.random_phase = true;
        p.imp.loop_delay_min = p.imp.loop_delay_max = 3.0;
        frontend_emulator e(p);
        CPPUNIT_ASSERT_EQUAL(3, e.n_sense_out());
        const long n = 100;
        const auto x = random_x(n, 3, 7, 0.02f);
        std::vector<cfloat> r(size_t(n) * 3);
        e.process(x.data(), r.data(), nullptr, n);
        err_meter el;
        for (long t = 3; t < n; ++t) {
            cdouble s = 0;
            for (int k = 0; k < 3; ++k)
                s += e.tx(k).gain * cdouble(x[(t - 3) * 3 + k]);
            el.add(cdouble(r[t * 3 + 2]), s * e.rx(2).gain);
        }
        CPPUNIT_ASSERT_MESSAGE(std::to_string(el.db()), el.db() < -80);
    }

    void test_nonfinite_input()
    {
        frontend_params p = base_params();
        frontend_emulator e(p);
        auto x = random_x(10, 4, 8);
        x[5] = cfloat(std::nanf(""), 1.0f);
        x[9] = cfloat(INFINITY, -INFINITY);
        std::vector<cfloat> r(40), y(20);
        e.process(x.data(), r.data(), y.data(), 10);
        CPPUNIT_ASSERT_EQUAL(uint64_t(3), e.nonfinite_inputs());
        for (const auto& v : r)
            CPPUNIT_ASSERT(std::isfinite(v.real()) && std::isfinite(v.imag()));
        for (const auto& v : y)
            CPPUNIT_ASSERT(std::isfinite(v.real()) && std::isfinite(v.imag()));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_frontend);
