#!/usr/bin/env bash
# Runs every test of the solution. This is the command README.md names and .ci/run calls.
# The test projects run one after another (-m:1): several of them start three or four node processes, and on two
# cores side by side they starve each other past their deadlines.
# Extra arguments go to `dotnet test` (for example: ./test.sh --filter FullyQualifiedName~Sharding).
#
# The tests of the durable stores need PostgreSQL: with ACTORTRADING_TEST_POSTGRES set they use that
# server; otherwise scripts/private-postgres.sh starts a private throwaway one for this run (installing
# Debian's postgresql package when missing and we are root or ACTORTRADING_INSTALL_DEPS=1) and
# removes it afterwards, whatever the outcome.
#
# When something fails, the last lines printed name it: a failure can be thousands of lines above the end (and CI
# keeps only the end).
set -euo pipefail
cd "$(dirname "$0")"

dotnet build ActorTrading.sln -c Release -warnaserror

log=$(mktemp /tmp/actortrading-test-log.XXXXXX)
trap 'rm -f "$log"' EXIT
set +e
scripts/private-postgres.sh \
    dotnet test ActorTrading.sln -c Release --no-build -m:1 --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [[ $rc -ne 0 ]]; then
    echo
    echo "test.sh: the tests failed (exit code $rc). What failed, with its message:"
    # A failed test, its error message and the top of its stack; a project summary; a test host that crashed or hung.
    awk '/^[[:space:]]+Failed [A-Za-z_]/ { n = 25 } n > 0 { print; n-- }
         /Failed!|Test Run Aborted|The active test run was aborted|Test host process crashed|blame/ { print }' "$log" | tail -n 150
fi
exit "$rc"
