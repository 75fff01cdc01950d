package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// cancelAfter is a context that ends after its Err has been asked n times:
// an interruption at a fixed point of an ingest, which checks its context
// before each file and each article.
type cancelAfter struct {
	context.Context
	n    atomic.Int64
	done chan struct{}
}

func newCancelAfter(n int64) *cancelAfter {
	c := &cancelAfter{Context: context.Background(), done: make(chan struct{})}
	c.n.Store(n)
	return c
}

func (c *cancelAfter) Err() error {
	if c.n.Add(-1) == 0 {
		close(c.done)
	}
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

func (c *cancelAfter) Done() <-chan struct{} { return c.done }

// TestIngestInterrupted: an ingest stopped by SIGINT (a cancelled context)
// says how many articles it saved and how to finish, exits 1, and the
// number is true: the next ingest finds that many unchanged.
func TestIngestInterrupted(t *testing.T) {
	dir := t.TempDir()
	corpus, indexDir := filepath.Join(dir, "corpus"), filepath.Join(dir, "index")
	for i := 0; i < 20; i++ {
		writeTestFile(t, filepath.Join(corpus, fmt.Sprintf("story%02d.txt", i)),
			fmt.Sprintf("Story %d\n\nThe harbour council met for the %dth time on the bridge repairs.\n", i, i))
	}
	var out, errOut bytes.Buffer
	code := run(newCancelAfter(15), []string{"ingest", "--index", indexDir, corpus}, strings.NewReader(""), &out, &errOut,
		func(k string) string { return map[string]string{"HOME": dir}[k] })
	if code != exitFail {
		t.Errorf("interrupted ingest exits %d, want %d", code, exitFail)
	}
	var saved int
	if _, err := fmt.Sscanf(errOut.String(), "briefbot ingest: interrupted: %d articles were saved; run the same ingest again to finish\n", &saved); err != nil || saved == 0 || saved >= 20 {
		t.Fatalf("interrupted ingest says %q (%v); want the articles saved, some and not all", errOut.String(), err)
	}

	start := time.Now()
	code, stdout, stderr := runCmd(t, map[string]string{"HOME": dir}, "ingest", "--index", indexDir, corpus)
	want := fmt.Sprintf("%d added, 0 updated, 0 removed, %d unchanged", 20-saved, saved)
	if code != exitOK || !strings.HasPrefix(stdout, want) {
		t.Errorf("the ingest run again: exit %d, %q (stderr %q) after %s; want %q", code, stdout, stderr, time.Since(start), want)
	}
}

func TestIngestInterruptedBeforeAnyArticle(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	writeTestFile(t, filepath.Join(corpus, "story.txt"), "Story\n\nThe harbour council met.\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"ingest", "--index", filepath.Join(dir, "index"), corpus}, strings.NewReader(""), &out, &errOut,
		func(k string) string { return map[string]string{"HOME": dir}[k] })
	if code != exitFail || errOut.String() != "briefbot ingest: interrupted before any article was saved; run the same ingest again\n" {
		t.Errorf("exit %d, %q", code, errOut.String())
	}
}

func writeTestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
