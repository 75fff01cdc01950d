package corpus

import (
	"flag"
	"os"
	"testing"

	"github.com/briefbot/briefbot/internal/sharedtest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// seedPath is the seed article in ../shared/seeds. Without it the seed
// tests skip, saying so, or fail when CI requires the shared material (see
// sharedtest.Path).
func seedPath(t *testing.T) string {
	t.Helper()
	return sharedtest.Path(t, "seeds/000_88499373301fd903.txt")
}

func checkGolden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (run with -update to accept):\n%s", file, got)
	}
}
