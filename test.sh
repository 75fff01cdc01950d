#!/usr/bin/env bash
# The project's test command (the README's, and what CI runs).
# 1. vet and the unit and integration tests under the race detector;
# 2. the tests over the evaluation sets in ../shared/eval, without -race,
#    which slows Bleve ingestion several times over. They skip with a
#    message when ../shared is absent.
set -euo pipefail
cd "$(dirname "$0")"
go vet ./...
go test -race -short -count=1 ./...
go test -count=1 -run 'Eval' -timeout 20m ./...
