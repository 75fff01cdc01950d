//go:build race

package index

// raceDetector is whether the tests run under -race, which slows Bleve's
// ingestion several times over: tests that ingest thousands of files make
// their corpus smaller then.
const raceDetector = true
