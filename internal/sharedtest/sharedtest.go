// Package sharedtest locates the project's shared test material: the seed
// article and the evaluation sets kept in ../shared beside the repository
// (never copied into it, for licence reasons). Tests that need them skip with
// a clear message when the folder is absent.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns the absolute path of rel (e.g. "eval/news/articles.jsonl")
// inside the shared folder, skipping the test when it is not there.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	p, ok := Find(rel)
	if !ok {
		tb.Skipf("shared test material %s not found (expected in ../shared beside the repository); skipping", rel)
	}
	return p
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
