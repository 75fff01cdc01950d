package index

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/briefbot/briefbot"
)

// TestCloseWaitsForOperations: Close during an ingest waits for it, so the
// ingest finishes and commits instead of reading a closed index; queries and
// ingests after Close fail with bleve.ErrorIndexClosed.
func TestCloseWaitsForOperations(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	corpus := filepath.Join(t.TempDir(), "corpus")
	var lines string
	for _, id := range []string{"sa", "sb", "sc", "sd"} {
		lines += jsonlLine(id, "2026-03-01", "Story "+id, "Paragraph about "+id+" and the canal.")
	}
	writeFile(t, filepath.Join(corpus, "four.jsonl"), lines)

	paused, release := make(chan struct{}), make(chan struct{})
	ix.afterArticle = func(n int) {
		if n == 2 {
			close(paused)
			<-release
		}
	}
	ingested := make(chan error, 1)
	go func() {
		_, err := ix.Ingest(context.Background(), []string{corpus}, IngestOptions{})
		ingested <- err
	}()
	<-paused
	closed := make(chan error, 1)
	go func() { closed <- ix.Close() }()
	// Close has begun and refuses new operations, or (without the wait)
	// it has already returned.
	if done, err := waitClosing(ix, closed); done {
		t.Fatalf("Close returned (%v) while an ingest was running", err)
	}
	if _, err := ix.Search(context.Background(), "canal", briefbot.SearchFilters{}, 1, 5); !errors.Is(err, bleve.ErrorIndexClosed) {
		t.Errorf("search while closing: %v, want bleve.ErrorIndexClosed", err)
	}
	close(release)
	if err := <-ingested; err != nil {
		t.Fatalf("the ingest Close waited for: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Upsert(context.Background(), "", testArticles()); !errors.Is(err, bleve.ErrorIndexClosed) {
		t.Errorf("upsert after Close: %v, want bleve.ErrorIndexClosed", err)
	}

	again, err := Open(dir, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if n := docCount(t, again); n != 4 {
		t.Errorf("%d paragraphs after reopening, want the 4 the ingest wrote before Close", n)
	}
}

// waitClosing returns once Close has marked ix closed (it does so before
// it waits), or once Close has returned (done).
func waitClosing(ix *Index, closed <-chan error) (done bool, err error) {
	for {
		select {
		case err := <-closed:
			return true, err
		default:
		}
		ix.ops.mu.Lock()
		closing := ix.ops.closed
		ix.ops.mu.Unlock()
		if closing {
			return false, nil
		}
		runtime.Gosched()
	}
}
