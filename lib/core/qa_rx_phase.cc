/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The receive calibration's product phase and its standard error against
 * the spread of the estimate over independent trials, on a pilot tone
 * demodulated in blocks as array_phase_estimator does it (and on plain
 * snapshots), with white noise and with a coloured interference whose power
 * at the tone is not the average the SNR gives.
 */
#include <gnuradio/isac/core/channel.h>
#include <gnuradio/isac/core/rx_phase.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <cmath>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

using namespace gr::isac::core;

namespace {
constexpr double two_pi = 6.283185307179586;

struct scene {
    double snr_db;    // pilot to white noise per sample and channel
    double interf_db; // coloured interference to white noise (-inf: none)
    double tone_freq; // 0: products of plain snapshots
    long block;       // tone block
    long n_avg;       // snapshots
};

// One trial: returns the estimate's errors (channels 1..n-1) and their SEs.
void trial(const scene& sc,
           const std::vector<double>& psi,
           gaussian_rng& g,
           std::vector<double>& err,
           std::vector<double>& se)
{
    const int n = int(psi.size());
    const double amp = std::pow(10.0, sc.snr_db / 20.0);
    const double ia =
        std::isfinite(sc.interf_db) ? std::pow(10.0, sc.interf_db / 20.0) : 0.0;
    const double nsd = std::sqrt(0.5);
    // AR(1) interference, pole 0.9, independent per channel: its power at the
    // tone (f = 0.0371) is 3.2 times its average, which a closed form from the
    // SNR would have to be told; the products' spread sees it. (An interference
    // common to the channels would bias the phase toward its own direction, the
    // same in every block: a bias no spread shows.)
    const double rho = 0.9, drive = ia * std::sqrt(1.0 - rho * rho);
    std::vector<cdouble> ar(n, 0.0);
    for (int c = 0; c < n; ++c) // start in the stationary state
        ar[c] = ia * cdouble(nsd * g.normal(), nsd * g.normal());
    const double theta = two_pi * g.uniform(); // the source's own phase
    product_phase_sum acc(n);
    std::vector<cdouble> z(n, 0.0), r(n);
    long zk = 0;
    for (long t = 0; t < sc.n_avg; ++t) {
        const double ph = two_pi * sc.tone_freq * double(t) + theta;
        for (int c = 0; c < n; ++c) {
            if (ia > 0.0)
                ar[c] = rho * ar[c] + drive * cdouble(nsd * g.normal(), nsd * g.normal());
            r[c] = std::polar(amp, ph + psi[c]) + ar[c] +
                   cdouble(nsd * g.normal(), nsd * g.normal());
        }
        if (sc.tone_freq == 0.0) {
            acc.add(r.data());
            continue;
        }
        const cdouble rot = std::polar(1.0, -two_pi * sc.tone_freq * double(t));
        for (int c = 0; c < n; ++c)
            z[c] += r[c] * rot;
        if (++zk == sc.block ||
            t + 1 == sc.n_avg) { // the block's last, partial block too
            acc.add(z.data());
            std::fill(z.begin(), z.end(), cdouble(0));
            zk = 0;
        }
    }
    const auto s = acc.sums();
    const auto e = acc.phase_se();
    for (int c = 1; c < n; ++c) {
        err.push_back(std::remainder(std::arg(s[c]) - psi[c], two_pi));
        se.push_back(e[c]);
    }
}
} // namespace

class qa_rx_phase : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_rx_phase);
    CPPUNIT_TEST(test_se_monte_carlo);
    CPPUNIT_TEST(test_degenerate);
    CPPUNIT_TEST(test_rotation);
    CPPUNIT_TEST_SUITE_END();

public:
    // The SE's rms over T trials against the rms error: the rms of T draws
    // with sd sigma estimates sigma within a relative sd of 1/sqrt(2T), so the
    // ratio within 4/sqrt(2T) of 1 (T the trials, not the trials times the
    // channels: the channels' errors share channel 0's) bounds a false
    // failure at about 1e-4. With T = 1500 that is 7%: an SE off by 10% fails,
    // and so would the closed form at the average SNR in the coloured case
    // (0.066 rad against the 0.096 measured).
    void test_se_monte_carlo()
    {
        const std::vector<double> psi = { 0.0, 0.7, -1.9, 2.8 };
        const double none = -std::numeric_limits<double>::infinity();
        const struct {
            scene sc;
            const char* what;
        } cases[] = {
            // 32 tone blocks of 64: the block SNR 18 dB (strong), 3 dB (weak)
            { { 0.0, none, 0.0371, 64, 32 * 64 + 20 }, "tone, strong" },
            { { -15.0, none, 0.0371, 64, 32 * 64 + 20 }, "tone, weak" },
            // 8 blocks: the K / (K - 1) matters
            { { -6.0, none, 0.0371, 64, 8 * 64 }, "tone, 8 blocks" },
            // a coloured interference as strong as the white noise: the noise at
            // the tone 4.2 times the white noise's, the block SNR 5.8 dB where the
            // SNR's average would say 9 dB
            { { -6.0, 0.0, 0.0371, 64, 32 * 64 }, "tone, coloured interference" },
            { { -10.0, none, 0.0, 1, 2048 }, "plain snapshots" },
        };
        const int T = 1500;
        const double tol = 4.0 / std::sqrt(2.0 * T);
        uint64_t seed = 7;
        for (const auto& cs : cases) {
            gaussian_rng g(seed++);
            std::vector<double> err, se;
            for (int k = 0; k < T; ++k)
                trial(cs.sc, psi, g, err, se);
            double e2 = 0.0, s2 = 0.0, mean = 0.0;
            for (size_t i = 0; i < err.size(); ++i) {
                e2 += err[i] * err[i];
                s2 += se[i] * se[i];
                mean += err[i];
            }
            const double N = double(err.size());
            const double rms = std::sqrt(e2 / N), se_rms = std::sqrt(s2 / N);
            mean /= N;
            const std::string msg =
                std::string(cs.what) + ": rms error " + std::to_string(rms) +
                " rad, rms SE " + std::to_string(se_rms) + ", mean error " +
                std::to_string(mean) + ", " + std::to_string(T) + " trials";
            const double ratio = rms / se_rms;
            std::cout << msg << ", ratio " << ratio << std::endl;
            CPPUNIT_ASSERT_MESSAGE(msg, ratio < 1.0 + tol);
            CPPUNIT_ASSERT_MESSAGE(msg, ratio > 1.0 - tol);
            CPPUNIT_ASSERT_MESSAGE(msg, std::abs(mean) < 4.0 * se_rms / std::sqrt(T));
        }
    }

    // Channels on separate references: channel 2 turns against the others at
    // a CFO difference d (cycles per snapshot). Reference: the phase the
    // products step by per tone block, 2 pi d block (wrapped), and the turn
    // over the average, 2 pi d block (K - 1). A fixed phase, even at a block
    // SNR of 3 dB (the weak case above), is not called rotating: at most 3
    // false alarms in 1000 trials, where z = 3.29 expects about one.
    void test_rotation()
    {
        const int n = 4;
        const std::vector<double> psi = { 0.0, 0.7, -1.9, 2.8 };
        const long block = 1024, K = 64;
        const double f = 0.0625, d1 = 2.77e-5, d2 = -1.5e-6; // 1.8 cycles; 35 deg
        for (double d : { d1, d2 }) {
            gaussian_rng g(91);
            product_phase_sum acc(n);
            std::vector<cdouble> z(n, 0.0);
            for (long t = 0; t < K * block; ++t) {
                const cdouble rot = std::polar(1.0, -two_pi * f * double(t));
                for (int c = 0; c < n; ++c) {
                    const double ph =
                        two_pi * (f + (c == 2 ? d : 0.0)) * double(t) + psi[c];
                    const cdouble r =
                        std::polar(10.0, ph) +
                        cdouble(std::sqrt(0.5) * g.normal(), std::sqrt(0.5) * g.normal());
                    z[c] += r * rot;
                }
                if ((t + 1) % block == 0) {
                    acc.add(z.data());
                    std::fill(z.begin(), z.end(), cdouble(0));
                }
            }
            const double step = std::remainder(two_pi * d * block, two_pi);
            const auto w = acc.rotation();
            CPPUNIT_ASSERT_DOUBLES_EQUAL(step, w[2], 1e-3);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, w[1], 1e-3);
            double turn = 0.0;
            CPPUNIT_ASSERT_EQUAL(2, acc.rotating_channel(3.29, 10 * two_pi / 360, turn));
            CPPUNIT_ASSERT_DOUBLES_EQUAL(two_pi * d * block * double(K - 1), turn, 0.05);
        }
        gaussian_rng g(92);
        int alarms = 0;
        for (int k = 0; k < 1000; ++k) {
            const scene sc = {
                -15.0, -std::numeric_limits<double>::infinity(), 0.0371, 64, 32 * 64
            };
            product_phase_sum acc(n);
            // the trial's own sums are not returned: run its loop here
            const double amp = std::pow(10.0, sc.snr_db / 20.0), nsd = std::sqrt(0.5);
            std::vector<cdouble> z(n, 0.0);
            for (long t = 0; t < sc.n_avg; ++t) {
                const double ph = two_pi * sc.tone_freq * double(t);
                const cdouble rot = std::polar(1.0, -ph);
                for (int c = 0; c < n; ++c)
                    z[c] += (std::polar(amp, ph + psi[c]) +
                             cdouble(nsd * g.normal(), nsd * g.normal())) *
                            rot;
                if ((t + 1) % sc.block == 0) {
                    acc.add(z.data());
                    std::fill(z.begin(), z.end(), cdouble(0));
                }
            }
            double turn = 0.0;
            alarms += acc.rotating_channel(3.29, 10 * two_pi / 360, turn) > 0;
        }
        CPPUNIT_ASSERT(alarms <= 3);
    }

    void test_degenerate()
    {
        product_phase_sum acc(3);
        const double inf = std::numeric_limits<double>::infinity();
        CPPUNIT_ASSERT_EQUAL(inf, acc.phase_se()[1]); // nothing yet
        const cdouble z[3] = { { 1, 0 }, { 0, 1 }, { 0, 0 } };
        acc.add(z);
        CPPUNIT_ASSERT_EQUAL(inf, acc.phase_se()[1]); // one observation
        acc.add(z);
        const auto se = acc.phase_se();
        CPPUNIT_ASSERT_EQUAL(0.0, se[0]);
        CPPUNIT_ASSERT_EQUAL(0.0, se[1]); // two equal products: no spread
        CPPUNIT_ASSERT_EQUAL(inf, se[2]); // a zero sum has no phase
        const cdouble z0[3] = { { 0, 0 }, { 1, 0 }, { 1, 0 } };
        acc.add(z0); // z_0 = 0: not an observation
        CPPUNIT_ASSERT_EQUAL(2L, acc.count());
        const cdouble bad[3] = { { NAN, 0 }, { 1, 0 }, { 1, 0 } };
        acc.add(bad); // a NaN makes the SE infinite, never a crash
        CPPUNIT_ASSERT_EQUAL(inf, acc.phase_se()[1]);
        acc.reset();
        CPPUNIT_ASSERT_EQUAL(0L, acc.count());
        CPPUNIT_ASSERT_EQUAL(cdouble(0), acc.sums()[1]);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_rx_phase);
