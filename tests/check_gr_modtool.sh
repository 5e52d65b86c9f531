#!/bin/sh
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `gr_modtool add` in a temporary copy of the repository, non-interactively with
# the usual flags, then checks that
#   - it succeeds and registers its files where this module's CMake looks,
#   - the new block is built into the blocks library, not into the GR-free core,
#   - its binding is registered once (gr_modtool's marker, not the glob too),
#   - the new sources compile: the block, its binding, python_bindings.cc and the
#     Boost.Test QA (objects only: a full build of the copy takes minutes).
# With --full the copy is built completely and the new block's Python and C++
# QA run against it (`./run modtool`).
#
#   check_gr_modtool.sh <source dir> <work dir> [--full]
set -eu
src=$(cd "$1" && pwd)
work=$2
full=${3:-}
name=modtool_probe
copy=$work/gr-isac
build=$copy/build
JOBS=${JOBS:-2}

fail() { echo "FAIL: $*"; exit 1; }
command -v gr_modtool > /dev/null || fail "gr_modtool not found (Debian package gnuradio-dev)"

rm -rf "$work"
mkdir -p "$copy"
# the working tree's files (tracked and new, not ignored), without build trees
# (a directory with a CMakeCache.txt, even one .gitignore does not name)
if git -C "$src" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    skip=$(cd "$src" && find . -mindepth 2 -maxdepth 2 -name CMakeCache.txt |
        sed 's|^\./||; s|/CMakeCache.txt$|/|' | tr '\n' '|')
    (cd "$src" && git ls-files -z --cached --others --exclude-standard |
        SKIP="$skip" xargs -0 sh -c 'for f; do
            [ -e "$f" ] || continue
            case "|$SKIP" in *"|${f%%/*}/"*) continue ;; esac
            printf "%s\0" "$f"; done' sh |
        xargs -0 cp --parents -t "$copy")
else
    (cd "$src" && tar --exclude='./build*' -cf - .) | (cd "$copy" && tar -xf -)
fi

cd "$copy"
gr_modtool add -t sync -l cpp --copyright "gr-isac modtool check" \
    --argument-list "int vlen=1" --add-python-qa --add-cpp-qa --scm-mode no -y "$name" \
    > "$work/modtool.log" 2>&1 || { cat "$work/modtool.log"; fail "gr_modtool add"; }

for f in lib/${name}_impl.cc include/gnuradio/isac/$name.h lib/qa_$name.cc \
    python/isac/qa_$name.py python/isac/bindings/${name}_python.cc \
    python/isac/bindings/docstrings/${name}_pydoc_template.h grc/isac_$name.block.yml; do
    [ -f "$f" ] || fail "gr_modtool add did not write $f"
done
grep -q "bind_$name(m);" python/isac/bindings/python_bindings.cc ||
    fail "binding call not in python_bindings.cc"
if grep -q "GR_ADD_TEST(qa_$name" python/isac/CMakeLists.txt; then
    fail "gr_modtool registered qa_$name.py by hand (it is globbed): duplicate test"
fi

cmake -S "$copy" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPYTHON_EXECUTABLE=/usr/bin/python3 \
    -DENABLE_DOXYGEN=OFF ${ISAC_CMAKE_ARGS:-} > "$work/configure.log" 2>&1 ||
    { tail -30 "$work/configure.log"; fail "configure after gr_modtool add"; }

grep -q "${name}_impl.cc" "$build/lib/CMakeFiles/gnuradio-isac.dir/build.make" ||
    fail "${name}_impl.cc is not in the blocks library gnuradio-isac"
if grep -q "${name}_impl.cc" "$build/lib/CMakeFiles/gnuradio-isac-core.dir/build.make"; then
    fail "${name}_impl.cc was put into the GR-free core library"
fi
if grep -q "bind_$name" "$build/python/isac/bindings/isac_bindings_generated.h"; then
    fail "bind_$name is generated as well as registered by gr_modtool (registered twice)"
fi
[ -f "$build/python/isac/bindings/${name}_pydoc.h" ] || fail "${name}_pydoc.h not generated"
ctest --test-dir "$build" -N | grep -q " qa_$name\$" || fail "qa_$name.py is not a ctest test"
ctest --test-dir "$build" -N | grep -q " cpp_qa_$name\$" || fail "qa_$name.cc is not a ctest test"

if [ "$full" = "--full" ]; then
    nice cmake --build "$build" -j "$JOBS" > "$work/build.log" 2>&1 ||
        { tail -40 "$work/build.log"; fail "build after gr_modtool add"; }
    ctest --test-dir "$build" --output-on-failure -R "^(cpp_)?qa_$name\$" ||
        fail "the new block's QA"
else
    make -C "$build/lib" -j "$JOBS" ${name}_impl.o > "$work/build.log" 2>&1 &&
        make -C "$build/python/isac/bindings" -j "$JOBS" ${name}_python.o python_bindings.o \
            >> "$work/build.log" 2>&1 &&
        make -C "$build/lib" qa_$name.o >> "$work/build.log" 2>&1 ||
        { tail -40 "$work/build.log"; fail "compiling the new block's sources"; }
fi
echo "ok: gr_modtool add $name: blocks library, one binding, sources compile"
rm -rf "$work"
