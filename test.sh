#!/usr/bin/env bash
# Runs every test of the solution. This is the command README.md names and .ci/run calls.
# Extra arguments go to `dotnet test` (for example: ./test.sh --filter FullyQualifiedName~Sharding).
set -euo pipefail
cd "$(dirname "$0")"

dotnet build ActorTrading.sln -c Release -warnaserror
dotnet test ActorTrading.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
