#!/usr/bin/env bash
# Runs every test of the solution. This is the command README.md names and .ci/run calls.
# Extra arguments go to `dotnet test` (for example: ./test.sh --filter FullyQualifiedName~Sharding).
#
# The tests of the durable stores need PostgreSQL: with ACTORTRADING_TEST_POSTGRES set they use that
# server; otherwise scripts/private-postgres.sh starts a private throwaway one for this run (installing
# Debian's postgresql package when missing and we are root or ACTORTRADING_INSTALL_DEPS=1) and
# removes it afterwards, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")"

dotnet build ActorTrading.sln -c Release -warnaserror
scripts/private-postgres.sh \
    dotnet test ActorTrading.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
