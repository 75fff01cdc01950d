package main

import (
	"bytes"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestDamagedIndexIsOneLine damages a copy of an index three ways (random
// bytes in its largest segment, a segment cut in half, an emptied
// root.bolt) and runs every command that opens it: each says, in one line
// and with exit 1, that the index is damaged and how to rebuild it; no
// panic, no Bleve log line, and ingest does not report "unchanged". Before
// the fix, search panicked ("slice bounds out of range"), the truncated
// segment went unnoticed after a log line, and root.bolt gave "bad file
// descriptor" or "error parsing mapping JSON" over several lines.
func TestDamagedIndexIsOneLine(t *testing.T) {
	root := t.TempDir()
	corpusDir := filepath.Join(root, "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	clean := filepath.Join(root, "clean")
	if code, _, errOut := runCmd(t, nil, "ingest", "--index", clean, corpusDir); code != exitOK {
		t.Fatalf("ingest: exit %d: %s", code, errOut)
	}
	var bleveLog bytes.Buffer
	log.SetOutput(&bleveLog)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })

	damages := []struct {
		name   string
		damage func(t *testing.T, store string)
	}{
		{"random bytes in the largest segment", scribbleLargestZap},
		{"truncated segment", truncateLargestZap},
		{"emptied root.bolt", func(t *testing.T, store string) {
			if err := os.Truncate(filepath.Join(store, "root.bolt"), 0); err != nil {
				t.Fatal(err)
			}
		}},
	}
	commands := [][]string{
		{"search", "Kazan"},
		{"ask", "Which BRICS summit city?"},
		{"summary", "--date", "2024-11-20"},
		{"ingest", corpusDir},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			var dir string
			for _, c := range commands {
				// A fresh copy for each command: a panic inside Bleve's
				// open leaves that copy's root.bolt locked for the rest
				// of the process, which a command line never sees.
				dir = filepath.Join(t.TempDir(), "index")
				if err := os.CopyFS(dir, os.DirFS(clean)); err != nil {
					t.Fatal(err)
				}
				d.damage(t, filepath.Join(dir, "bleve", "store"))
				args := append([]string{c[0], "--index", dir}, c[1:]...)
				code, out, errOut := runCmd(t, nil, args...)
				want := "briefbot " + c[0] + ": the index at " + dir + " is damaged ("
				if code != exitFail || !strings.HasPrefix(errOut, want) || strings.Count(errOut, "\n") != 1 ||
					!strings.Contains(errOut, "`briefbot ingest --rebuild PATH` rebuilds it") {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 and one line %q…", c[0], code, out, errOut, want)
				}
			}
			// The advice works: a rebuild gives an index that answers.
			if code, _, errOut := runCmd(t, nil, "ingest", "--index", dir, "--rebuild", corpusDir); code != exitOK {
				t.Fatalf("ingest --rebuild: exit %d: %s", code, errOut)
			}
			if code, out, errOut := runCmd(t, nil, "search", "--index", dir, "Kazan"); code != exitOK || !strings.Contains(out, "Kazan") {
				t.Errorf("search after rebuild: exit %d: %q %q", code, out, errOut)
			}
		})
	}
	if bleveLog.Len() > 0 {
		t.Errorf("Bleve logged: %s", bleveLog.String())
	}
}

// largestZap is the path of the biggest segment file in store.
func largestZap(t *testing.T, store string) string {
	t.Helper()
	zaps, err := filepath.Glob(filepath.Join(store, "*.zap"))
	if err != nil || len(zaps) == 0 {
		t.Fatalf("no segment in %s: %v", store, err)
	}
	size := func(p string) int64 {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	sort.Slice(zaps, func(i, j int) bool { return size(zaps[i]) > size(zaps[j]) })
	return zaps[0]
}

// scribbleLargestZap overwrites the middle half of the largest segment with
// random bytes (a fixed seed), leaving its header and footer whole, so
// that Bleve opens it and fails when a query reads it.
func scribbleLargestZap(t *testing.T, store string) {
	path := largestZap(t, store)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, 4))
	for i := len(data) / 4; i < len(data)*3/4; i++ {
		data[i] = byte(rng.Uint32())
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func truncateLargestZap(t *testing.T, store string) {
	path := largestZap(t, store)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, st.Size()/2); err != nil {
		t.Fatal(err)
	}
}
