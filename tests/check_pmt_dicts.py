#!/usr/bin/python3
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when a block builds a PMT dict itself.

Every message and tag dict the C++ blocks publish is built in one module,
lib/csi_message.* (msg_dict, make_csi, make_accepted, make_snap_info), so its
keys and value types are written once. This check lists, as file:line, every
pmt::make_dict / pmt::dict_add in the module's C++ code (lib/, include/, the
bindings) outside that module. Tests and fuzz harnesses build messages of their
own and are not checked.

usage: check_pmt_dicts.py SOURCE_DIR
"""
import os
import re
import sys

SCOPE = ["lib", "include", os.path.join("python", "isac", "bindings")]
ALLOWED = {os.path.join("lib", "csi_message.h"), os.path.join("lib", "csi_message.cc")}
PATTERN = re.compile(r"\bpmt::(make_dict|dict_add)\b")


def main(root):
    bad = []
    for top in SCOPE:
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith((".h", ".cc", ".hpp", ".cpp")):
                    continue
                path = os.path.join(d, f)
                rel = os.path.relpath(path, root)
                if rel in ALLOWED:
                    continue
                with open(path, errors="replace") as fh:
                    for n, line in enumerate(fh, 1):
                        if PATTERN.search(line):
                            bad.append(f"{rel}:{n}: {line.strip()}")
    for b in bad:
        print(b)
    if bad:
        print(f"check_pmt_dicts: {len(bad)} PMT dict(s) built outside lib/csi_message.*; "
              "use msg_dict (lib/csi_message.h)", file=sys.stderr)
        return 1
    print("check_pmt_dicts: every PMT dict is built in lib/csi_message.*")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
