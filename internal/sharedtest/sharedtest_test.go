package sharedtest

import (
	"fmt"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatalf instead of ending
// the test, so the test can look at what Path decided.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skip(args ...any)               { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }

func TestPathMissing(t *testing.T) {
	const rel = "no/such/file-for-sharedtest.txt"
	const why = "needs ../shared/" + rel + " (run from a checkout with shared/ beside it)"
	for _, tt := range []struct {
		env, skipped, failed string
	}{
		{"", why, ""},
		{"0", why, ""},
		{"1", "", why + "; " + RequireEnv + "=1 requires it"},
	} {
		t.Setenv(RequireEnv, tt.env)
		r := &recorder{}
		Path(r, rel)
		if r.skipped != tt.skipped || r.failed != tt.failed {
			t.Errorf("%s=%q: skipped %q, failed %q; want skipped %q, failed %q", RequireEnv, tt.env, r.skipped, r.failed, tt.skipped, tt.failed)
		}
	}
}
