package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWatchCorpusReingestsOnChange: a new file, a file in a new sub-folder
// and a changed file each lead to a re-ingest, after the quiet period.
func TestWatchCorpusReingestsOnChange(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "a.txt"), []byte("first"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := make(chan struct{}, 10)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		done <- watchCorpus(ctx, []string{root}, 20*time.Millisecond, log, func(context.Context) { calls <- struct{}{} })
	}()
	wait := func(what string) {
		t.Helper()
		select {
		case <-calls:
		case <-time.After(10 * time.Second):
			t.Fatalf("no re-ingest after %s", what)
		}
	}
	// The watcher starts asynchronously: keep touching until it reacts.
	deadline := time.Now().Add(10 * time.Second)
	for reacted := false; !reacted; {
		if err := os.WriteFile(filepath.Join(root, "b.txt"), []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
		select {
		case <-calls:
			reacted = true
		case <-time.After(200 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("no re-ingest after a new file")
			}
		}
	}
	sub := filepath.Join(root, "world")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	wait("a new folder")
	if err := os.WriteFile(filepath.Join(sub, "c.txt"), []byte("in the new folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	wait("a file in the new folder")
	if err := os.WriteFile(filepath.Join(root, "a.txt"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	wait("a changed file")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
