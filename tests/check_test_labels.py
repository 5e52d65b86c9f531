#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Every ctest test carries exactly one of the labels fast, slow, gui
(cmake/Modules/IsacTest.cmake says which and how).

  check_test_labels.py <ctest> <build dir>
"""
import json
import subprocess
import sys

LABELS = {"fast", "slow", "gui"}


def main():
    ctest, build = sys.argv[1], sys.argv[2]
    out = subprocess.run([ctest, "--show-only=json-v1"], cwd=build, check=True,
                         capture_output=True, text=True).stdout
    bad = []
    tests = json.loads(out)["tests"]
    for t in tests:
        labels = set()
        for p in t.get("properties", []):
            if p["name"] == "LABELS":
                labels = set(p["value"])
        if len(labels & LABELS) != 1 or not labels <= LABELS:
            bad.append(f"{t['name']}: {sorted(labels) or 'no label'}")
    if bad:
        print("tests without exactly one of fast/slow/gui (call isac_label_tests() at the end "
              "of the CMakeLists.txt that registers them, or set LABELS):")
        print("\n".join("  " + b for b in bad))
        return 1
    counts = {lab: sum(1 for t in tests for p in t.get("properties", [])
                       if p["name"] == "LABELS" and lab in p["value"]) for lab in sorted(LABELS)}
    print(f"{len(tests)} tests labelled: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
