//go:build linux

package main

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/sharedtest"
)

// TestIngestOnFullDisk ingests the news set (21 MB of JSONL, a 35 MB index)
// twice into a 20 MB tmpfs. Each run ends within seconds with one line
// saying the disk is full and exit 1: no panic (before the fix zapx
// panicked, "assignment to entry in nil map", on the batch goroutine), no
// spinning (a second run once spun for 11 minutes). The index stays
// readable.
func TestIngestOnFullDisk(t *testing.T) {
	news := sharedtest.Path(t, "eval/news/articles.jsonl")
	disk := t.TempDir()
	if err := syscall.Mount("tmpfs", disk, "tmpfs", 0, "size=20m"); err != nil {
		t.Skipf("cannot mount a 20 MB tmpfs at %s (%v): the full-disk test needs root", disk, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(disk, 0); err != nil {
			t.Errorf("unmounting %s: %v", disk, err)
		}
	})
	dir := filepath.Join(disk, "index")
	for run := 1; run <= 2; run++ {
		type result struct {
			code           int
			stdout, stderr string
		}
		done := make(chan result, 1)
		start := time.Now()
		go func() {
			var r result
			r.code, r.stdout, r.stderr = runCmd(t, nil, "ingest", "--index", dir, news)
			done <- r
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(2 * time.Minute):
			t.Fatalf("run %d: ingest on a full disk still running after 2 minutes", run)
		}
		if r.code != exitFail || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "briefbot ingest: ") ||
			!strings.Contains(r.stderr, "disk full: ") {
			t.Errorf("run %d: exit %d, stderr %q; want exit 1 and one line saying the disk is full", run, r.code, r.stderr)
		}
		t.Logf("run %d took %s: %s", run, time.Since(start).Round(time.Millisecond), strings.TrimSpace(r.stderr))
	}

	// A reader opens what was committed and searches it.
	ix, err := index.Open(dir, index.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("opening the index after the full disk: %v", err)
	}
	defer ix.Close()
	if _, err := ix.Search(context.Background(), "festival", briefbot.SearchFilters{}, 1, 5); err != nil {
		t.Errorf("searching the index after the full disk: %v", err)
	}
	if code, _, errOut := runCmd(t, nil, "search", "--index", dir, "festival"); code != exitOK {
		t.Errorf("briefbot search after the full disk: exit %d: %s", code, errOut)
	}
}
