#!/usr/bin/env python3
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when the shipped tree points at a file of the repository that is not there.

Headers, sources, bindings, GRC files, CMake files, scripts and docs send the
reader to other files of the tree ("see docs/ota.md", "bench/bench_doa",
"[frame](frame.md)"). This check lists every such pointer whose target does not
exist, as file:line, so that a renamed file or a page never written is caught
where it is cited. Two kinds of pointers are checked:

  1. a repository-relative path written anywhere in a text file: a word that
     starts with a top-level directory of the module (docs/ bench/ apps/
     examples/ tools/ tests/ grc/ include/ lib/ python/ cmake/ fuzz/), not
     preceded by another path character (so /usr/lib/..., build/bench/...,
     ${PROJECT_SOURCE_DIR}/... and ../lib/... are not repository paths here);
  2. the target of a Markdown link or image in a .md file, relative to that
     file (URLs and mail addresses are not files), and its #anchor when it
     points into a .md page: a heading of that page, as GitHub writes the
     anchor (lower case, characters other than letters, digits, _, - and
     spaces dropped, spaces as -, -1, -2 ... on repeated headings).

A path passes when it exists, or when it is one of these, which name no single
file:
  - a pattern: followed by a glob or placeholder character (* ? [ < $ % or a
    format brace), e.g. lib/core/qa_*.cc, grc/isac_<block>.block.yml;
  - a brace list, checked alternative by alternative: lib/core/ci_bnb.{h,cc};
  - a placeholder: a component holding an all-capitals word (X, FILE, NAME), as
    in lib/core/X.cc;
  - a build target or flowgraph named by its source without the extension
    (bench/bench_doa for bench/bench_doa.cc, examples/isac_usrp_ota for .grc);
  - a file a command is about to write: right after --out, --output, --export,
    -o (with a space or =) or a shell redirection >.

usage: check_paths.py SOURCE_DIR      check the tree
       check_paths.py --selftest      check the rules on a scratch tree
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_references  # noqa: E402  (its walker: the same files, one place)

SKIP_FILES = {".gitignore"}  # patterns, not pointers
TOPS = ["docs", "bench", "apps", "examples", "tools", "tests", "grc", "include", "lib",
        "python", "cmake", "fuzz"]
SOURCE_EXTS = [".cc", ".py", ".grc", ".sh"]

PATH = re.compile(r"(?<![\w./$-])((?:%s)/[\w./+-]*[\w+-])" % "|".join(TOPS))
BRACES = re.compile(r"([/.]?)\{([\w.+-]+(?:,[\w.+-]+)+)\}([\w./+-]*[\w+-])?")
PATTERN_NEXT = re.compile(r"[/.]?[*?\[<{$%]")
PLACEHOLDER = re.compile(r"(?:^|[/_.-])[A-Z]+(?=$|[/_.-])")
OUTPUT_BEFORE = re.compile(r"(?:(?:^|\s)(?:--out|--output|--export|-o)[ =]|(?<!-)>\s?)$")
MD_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def files(root):
    return check_references.files(root, SKIP_FILES)


def repo_path_ok(root, path):
    full = os.path.join(root, path)
    if os.path.exists(full):
        return True
    if PLACEHOLDER.search(path):
        return True
    return any(os.path.isfile(full + ext) for ext in SOURCE_EXTS)


def repo_paths(line):
    """[(path as written, [paths to check])] of the repository paths of a line."""
    out = []
    for m in PATH.finditer(line):
        path, rest = m.group(1), line[m.end():]
        b = BRACES.match(rest)
        if b:
            out.append((path + b.group(0), [path + b.group(1) + alt + (b.group(3) or "")
                                            for alt in b.group(2).split(",")]))
        elif not PATTERN_NEXT.match(rest) and not OUTPUT_BEFORE.search(line[:m.start()]):
            out.append((path, [path]))
    return out


def link_targets(line):
    """(file, anchor) of the Markdown links of a line; file "" for this page."""
    for m in MD_LINK.finditer(line):
        target = m.group(1)
        if re.match(r"^[a-zA-Z][\w+.-]*:", target):
            continue  # a URL or mailto:
        path, _, anchor = target.partition("#")
        yield path, anchor


_anchors = {}


def anchors(md):
    """The heading anchors of a Markdown page (fenced code skipped)."""
    if md not in _anchors:
        found, fenced = set(), False
        with open(md, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("```"):
                    fenced = not fenced
                h = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
                if h and not fenced:
                    base = re.sub(r"[^\w\- ]", "", h.group(1).lower()).replace(" ", "-")
                    a, k = base, 0
                    while a in found:
                        k += 1
                        a = f"{base}-{k}"
                    found.add(a)
        _anchors[md] = found
    return _anchors[md]


def scan(root):
    """(dangling pointers as file:line messages, files read, pointers checked)."""
    hits = []
    n_files = n_paths = 0
    # their self-tests write dangling paths on purpose
    me = {os.path.abspath(__file__),
          os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_commands.py")}
    for f in files(root):
        if os.path.abspath(f) in me:
            continue
        with open(f, "rb") as fh:
            data = fh.read()
        if b"\0" in data:
            continue  # binary
        n_files += 1
        rel = os.path.relpath(f, root)
        is_md = f.endswith(".md")
        for no, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            for written, paths in repo_paths(line):
                n_paths += 1
                missing = [p for p in paths if not repo_path_ok(root, p)]
                if missing:
                    hits.append(f"{rel}:{no}: {written}: no such file or directory "
                                f"({', '.join(missing)})")
            if is_md:
                for target, anchor in link_targets(line):
                    n_paths += 1
                    if not target and not anchor:
                        continue
                    full = os.path.normpath(os.path.join(os.path.dirname(f), target) if target
                                            else f)
                    shown = target + ("#" + anchor if anchor else "")
                    if not os.path.exists(full):
                        hits.append(f"{rel}:{no}: link ({shown}): no such file or directory "
                                    f"({os.path.relpath(full, root)})")
                    elif anchor and full.endswith(".md") and anchor not in anchors(full):
                        hits.append(f"{rel}:{no}: link ({shown}): no heading with this anchor "
                                    f"in {os.path.relpath(full, root)}")
    return hits, n_files, n_paths


SELFTEST_FILES = {
    "docs/a.md": "# Title\n## Tags written by `frame_builder`\n## Tags written by `frame_builder`\n"
                 "[b](b.md#b-heading) [self](#title) [dup](#tags-written-by-frame_builder-1) "
                 "![img](img/x.png) [web](https://example.org/none.md) [mail](mailto:a@b.c)\n"
                 "[gone](c.md) [bad anchor](b.md#nowhere)\n",
        "docs/b.md": "## B heading\n```text\n# not a heading\n```\n",
    "docs/img/x.png": "",
    "bench/bench_x.cc": "// docs/a.md bench/bench_x lib/core/X.cc lib/core/qa_*.cc grc/isac_<block>.yml\n"
                        "// bench/bench_x.{cc,py} /usr/lib/none build/bench/none ${SRC}/lib/none\n"
                        "// tool --out docs/new.md, tool > docs/new.txt, tool -o=bench/new.json\n"
                        "// docs/frame.md and tools/gone.py\n",
    "README.md": "see docs/a.md -> docs/missing.md\n",
}
SELFTEST_HITS = [
    "README.md:1: docs/missing.md",
    "bench/bench_x.cc:2: bench/bench_x.{cc,py}: no such file or directory (bench/bench_x.py)",
    "bench/bench_x.cc:4: docs/frame.md",
    "bench/bench_x.cc:4: tools/gone.py",
    "docs/a.md:5: link (c.md)",
    "docs/a.md:5: link (b.md#nowhere): no heading",
]


def scan_scratch_tree(files, scan_fn, prefix):
    """scan_fn(root) on a temporary tree of files {relative path: text} (the self-tests)."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix=prefix) as root:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as fh:
                fh.write(text)
        return scan_fn(root)


def selftest():
    hits, _, _ = scan_scratch_tree(SELFTEST_FILES, scan, "check_paths_")
    got = sorted(hits)
    ok = len(got) == len(SELFTEST_HITS) and all(h.startswith(e) for h, e in
                                                  zip(got, sorted(SELFTEST_HITS)))
    print("\n".join(got))
    print("selftest " + ("passed" if ok else "FAILED, expected:\n" + "\n".join(SELFTEST_HITS)))
    return 0 if ok else 1


def main():
    if sys.argv[1:] == ["--selftest"]:
        return selftest()
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    hits, n_files, n_paths = scan(root)
    if hits:
        print("Pointers to files of the repository that do not exist (write the file, or "
              "correct the path):")
        print("\n".join(hits))
        print(f"{len(hits)} dangling path(s)")
        return 1
    print(f"{n_paths} repository paths and links in {n_files} files, all present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
