/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * main() for the replay build of a fuzz harness (no libFuzzer needed): runs
 * LLVMFuzzerTestOneInput on every file named on the command line, recursing
 * into directories. ctest uses it to replay the committed corpus and every
 * crash regression in the normal and in the sanitizer build.
 * `-random=N` also runs N inputs from a fixed-seed generator (lengths 0..4096),
 * so CI without clang still exercises paths the corpus may not hold.
 */
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

static void run_file(const fs::path& p, size_t& count)
{
    std::ifstream f(p, std::ios::binary);
    std::vector<uint8_t> buf((std::istreambuf_iterator<char>(f)),
                             std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(buf.data(), buf.size());
    ++count;
}

int main(int argc, char** argv)
{
    size_t count = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a(argv[i]);
        if (a.rfind("-random=", 0) == 0) {
            const long n = std::atol(a.c_str() + 8);
            uint64_t s = 0x9e3779b97f4a7c15ULL; // fixed seed: reproducible
            auto next = [&s] {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                return s;
            };
            std::vector<uint8_t> buf;
            for (long k = 0; k < n; ++k) {
                buf.resize(next() % 4097);
                for (auto& b : buf)
                    b = uint8_t(next());
                LLVMFuzzerTestOneInput(buf.data(), buf.size());
                ++count;
            }
            continue;
        }
        const fs::path p(a);
        if (fs::is_directory(p)) {
            std::vector<fs::path> files;
            for (const auto& e : fs::recursive_directory_iterator(p))
                if (e.is_regular_file())
                    files.push_back(e.path());
            std::sort(files.begin(), files.end());
            for (const auto& f : files)
                run_file(f, count);
        } else if (fs::exists(p)) {
            run_file(p, count);
        }
    }
    std::printf("replayed %zu inputs without a failure\n", count);
    return count ? 0 : 1;
}
