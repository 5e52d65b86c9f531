/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one place that reads and writes gr-isac's PMT messages, so that every
 * block agrees on the `csi` dict and on how a malformed message is reported.
 *
 * csi dict (published by isac_channel, consumed by the precoders):
 *   "H"      c32vector, row-major, rows x cols (n_users x n_tx)
 *   "rows"   integer
 *   "cols"   integer
 *   "offset" u64 (optional): absolute item index where the channel takes effect
 */
#ifndef INCLUDED_ISAC_CSI_MESSAGE_H
#define INCLUDED_ISAC_CSI_MESSAGE_H

#include <gnuradio/isac/api.h>
#include <pmt/pmt.h>
#include <Eigen/Dense>
#include <complex>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace isac {

struct csi_update {
    Eigen::MatrixXcd H;  //!< rows x cols
    bool has_offset = false;
    uint64_t offset = 0; //!< absolute item index (valid when has_offset)
};

/*!
 * Parse a csi dict. Returns false and fills `why` (for the block's warning)
 * when the message is not a dict, misses a key, has the wrong types, sizes
 * that do not match rows*cols or (expect_rows, expect_cols) when those are
 * > 0, or non-finite entries. Never throws. On failure `out` is left
 * untouched, so a block can parse straight into its last good csi.
 */
bool parse_csi(const pmt::pmt_t& msg,
               csi_update& out,
               std::string& why,
               int expect_rows = 0,
               int expect_cols = 0);

//! Build a csi dict from H (row-major c32vector) and its effective offset.
pmt::pmt_t make_csi(const Eigen::MatrixXcd& H, uint64_t offset);

//! Typed, non-throwing dict accessors for `set`-style messages. Each returns
//! false when the key is absent; sets `why` and returns false on a wrong type
//! or a non-finite value (check `why.empty()` to tell the two apart).
bool dict_get_double(const pmt::pmt_t& dict, const char* key, double& out, std::string& why);
bool dict_get_int(const pmt::pmt_t& dict, const char* key, long& out, std::string& why);
bool dict_get_string(const pmt::pmt_t& dict, const char* key, std::string& out, std::string& why);
//! Accepts a number (one element) or a f32/f64/s32/s64 uniform vector or a PMT list/tuple of numbers.
bool dict_get_doubles(const pmt::pmt_t& dict,
                      const char* key,
                      std::vector<double>& out,
                      std::string& why);

} // namespace isac
} // namespace gr

#endif
