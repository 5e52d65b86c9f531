/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/one_bit_quantizer.h>
#include <cstdio>

int main()
{
    auto q = gr::isac::one_bit_quantizer::make(4, "adc");
    const bool ok = q->mode() == "adc" &&
                    q->input_signature()->sizeof_stream_item(0) == 4 * sizeof(gr_complex);
    std::printf("%s: %s\n", ok ? "ok" : "FAIL", q->name().c_str());
    return ok ? 0 : 1;
}
