#!/usr/bin/env bash
# The project's test command (the README's, and what CI runs).
# 1. vet and the unit and integration tests under the race detector,
#    the layer rules among them (deps_test.go in the root package: import
#    bans checked with go list, and only cmd/ reads the environment);
# 2. the tests over the evaluation sets in ../shared/eval, without -race,
#    which slows Bleve ingestion several times over.
# The tests that need ../shared (the seed in step 1, the sets in step 2)
# skip with a message when it is absent, or fail if BRIEFBOT_REQUIRE_SHARED=1,
# as .ci/run sets it.
set -euo pipefail
cd "$(dirname "$0")"
go vet ./...
go test -race -short -count=1 ./...
go test -count=1 -run 'Eval' -timeout 20m ./...
