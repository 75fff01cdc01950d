// Package sharedtest locates the project's shared test material: the seed
// article and the evaluation sets kept in ../shared beside the repository
// (never copied into it, for licence reasons). It is the one place that
// decides what a test does when the material is missing: skip, saying what
// it needs, on a developer's machine; fail in CI, which sets RequireEnv.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// RequireEnv is the environment variable that, set to 1, turns a missing
// ../shared from a skip into a failure. .ci/run sets it: in CI the tests
// over the seed and the evaluation sets must run, not skip unnoticed.
// (Reading the environment is allowed here, and only in cmd/ otherwise:
// see TestOnlyCmdReadsEnvironment in deps_test.go.)
const RequireEnv = "BRIEFBOT_REQUIRE_SHARED"

// Path returns the absolute path of rel (e.g. "eval/news/articles.jsonl")
// inside the shared folder. When it is not there the test skips, saying
// what it needs, or fails if RequireEnv is set.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	p, ok := Find(rel)
	if !ok {
		missing(tb, rel)
	}
	return p
}

func missing(tb testing.TB, rel string) {
	tb.Helper()
	why := "needs ../shared/" + rel + " (run from a checkout with shared/ beside it)"
	if os.Getenv(RequireEnv) == "1" {
		tb.Fatalf("%s; %s=1 requires it", why, RequireEnv)
	} else {
		tb.Skip(why)
	}
}

// Find looks for rel in ../shared beside the module root, found by walking
// up from the working directory.
func Find(rel string) (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(filepath.Dir(dir), "shared", rel)
			_, err := os.Stat(p)
			return p, err == nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// SkipEvalIfShort skips tests over the evaluation sets under -short. CI runs
// them in their own step without the race detector, which slows Bleve
// ingestion several times over.
func SkipEvalIfShort(tb testing.TB) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("evaluation-set test skipped under -short; run without -short")
	}
}
