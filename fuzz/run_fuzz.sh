#!/usr/bin/env bash
# Build the libFuzzer harnesses with clang-14 (ASan + UBSan + libFuzzer) in
# build-fuzz/ and run each for a bounded time.
#
#   ./run fuzz [seconds] [harness ...]     (default 60 s each, all harnesses)
#   ISAC_FUZZ_MERGE=1 ./run fuzz ...       also minimise the working corpus
#                                          (libFuzzer -merge=1) in place
#
# The committed seed corpus fuzz/corpus/<h>/ (small: <= 300 files over all
# harnesses, checked by ctest) seeds the run; the working corpus grows in
# build-fuzz/corpus/<h>/ and is not committed. To refresh the seeds, merge the
# working corpus into an empty directory (-merge=1) and commit a representative
# subset of it. A crash is saved to build-fuzz/crashes/<h>/
# and the script exits non-zero: copy the file into fuzz/regressions/<h>/
# (replayed by the ctest entry fuzz_replay_<h>), fix the code, and add a named
# test to fuzz/qa_fuzz_regressions.cc. The summary (executions, exec/s,
# corpus size, coverage) is printed and written to build-fuzz/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${ISAC_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SECS=${1:-60}
shift || true
JOBS=${JOBS:-2}
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
log() { printf '\033[1m[fuzz] %s\033[0m\n' "$*"; }

# clang-14 and its libFuzzer runtime (libclang-rt-14-dev holds libclang_rt.fuzzer)
PKGS=(clang-14 libfuzzer-14-dev libclang-rt-14-dev)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

FLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  log "configure ($BUILD, clang-14, libFuzzer + ASan + UBSan)"
  CC=clang-14 CXX=clang++-14 cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DISAC_FUZZ=ON -DPYTHON_EXECUTABLE=/usr/bin/python3 -DENABLE_DOXYGEN=OFF \
    -DCMAKE_C_FLAGS="$FLAGS" -DCMAKE_CXX_FLAGS="$FLAGS" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" > /dev/null
fi

# re-glob fuzz/fuzz_*.cc: a harness added since the first configure is a new target
cmake "$BUILD" > /dev/null
if [ $# -gt 0 ]; then
  HARNESSES=("$@")
else
  HARNESSES=()
  for f in "$ROOT"/fuzz/fuzz_*.cc; do
    n=$(basename "$f" .cc); HARNESSES+=("${n#fuzz_}")
  done
fi
targets=()
for h in "${HARNESSES[@]}"; do targets+=(--target "fuzz_$h"); done
log "build ${HARNESSES[*]} (-j $JOBS, nice)"
nice -n 10 cmake --build "$BUILD" -j "$JOBS" "${targets[@]}"

SUMMARY=$BUILD/summary.txt
printf '%-22s %8s %12s %10s %8s %8s %s\n' harness seconds executions exec/s corpus cov result > "$SUMMARY"
status=0
for h in "${HARNESSES[@]}"; do
  exe=$BUILD/fuzz/fuzz_$h
  work=$BUILD/corpus/$h
  crashes=$BUILD/crashes/$h
  mkdir -p "$work" "$crashes"
  seeds=()
  if [ -d "$ROOT/fuzz/corpus/$h" ]; then seeds=("$ROOT/fuzz/corpus/$h"); fi
  logf=$BUILD/fuzz_$h.log
  log "fuzz $h for ${SECS}s"
  set +e
  # The blocks log each rejected message; the harnesses silence their loggers.
  nice -n 10 "$exe" -max_total_time="$SECS" -print_final_stats=1 -rss_limit_mb=2048 \
    -timeout=10 -artifact_prefix="$crashes/" "$work" "${seeds[@]}" > "$logf" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logf" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logf" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$logf" | tail -1 | cut -d' ' -f2)
  ncorp=$(find "$work" -type f | wc -l)
  result=ok
  if [ $rc -ne 0 ]; then
    result="CRASH (see $logf, input in $crashes/)"
    status=1
    grep -E "ERROR|PROPERTY|SUMMARY" "$logf" | head -5 || true
  fi
  printf '%-22s %8s %12s %10s %8s %8s %s\n' "$h" "$SECS" "${execs:-?}" "${rate:-?}" "$ncorp" "${cov:-?}" "$result" >> "$SUMMARY"
  if [ "${ISAC_FUZZ_MERGE:-0}" = 1 ] && [ $rc -eq 0 ]; then
    # keep only the inputs that add coverage
    tmp=$(mktemp -d)
    "$exe" -merge=1 "$tmp" "$work" > "$BUILD/merge_$h.log" 2>&1
    rm -rf "$work" && mv "$tmp" "$work"
    log "merged working corpus: $(find "$work" -type f | wc -l) files in $work"
  fi
done
cat "$SUMMARY"
exit $status
