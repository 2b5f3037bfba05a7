#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what is missing (libsndfile, libsoxr, Java, Chromium,
# PostgreSQL, Kafka from npm), starts Kafka and PostgreSQL on loopback on free ports, runs `dotnet test`,
# and stops everything afterwards, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh

ensure_native_audio
ensure_chromium
start_services() { start_kafka; start_postgres; }
# Stopping is best effort (a service may already be gone); the exit code stays the tests' own.
cleanup() { local rc=$?; set +e; stop_kafka; stop_postgres; rm -rf "$MUSICREC_RUN"; exit $rc; }
trap cleanup EXIT
start_services
export MUSICREC_TEST_CHROMIUM=/usr/bin/chromium
export MUSICREC_TEST_ARTIFACTS="${MUSICREC_TEST_ARTIFACTS:-$PWD/artifacts/test}"
mkdir -p "$MUSICREC_TEST_ARTIFACTS"

dotnet build MusicRec.sln -c Release -nologo -v quiet
status=0
summary="$MUSICREC_RUN/summary.txt"; : > "$summary"
for project in tests/MusicRec.Tests tests/MusicRec.IntegrationTests; do
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "console;verbosity=normal" --results-directory "$MUSICREC_TEST_ARTIFACTS" "$@" 2>&1 | tee -a "$summary" || status=1
done
count() { { grep -E "^\s+$1: [0-9]+" "$summary" || true; } | awk '{s += $2} END {print s + 0}'; }
echo "tests: $(count Passed) passed, $(count Failed) failed, $(count Skipped) skipped"
exit $status
