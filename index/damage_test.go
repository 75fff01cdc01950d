package index

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// soundIndex builds an index of the test articles on disk and closes it.
func soundIndex(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Upsert(context.Background(), "", testArticles()); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// scribble overwrites the index's largest segment with random bytes (a
// fixed seed) but for its first and last 64 bytes (zapx's footer), in
// place: an index that has the file mapped reads them from then on.
func scribble(t *testing.T, dir string) {
	t.Helper()
	zaps, _ := filepath.Glob(filepath.Join(dir, bleveDir, "store", "*.zap"))
	if len(zaps) == 0 {
		t.Fatal("no segment written")
	}
	size := func(p string) int64 { st, _ := os.Stat(p); return st.Size() }
	sort.Slice(zaps, func(i, j int) bool { return size(zaps[i]) > size(zaps[j]) })
	f, err := os.OpenFile(zaps[0], os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := size(zaps[0])
	junk := make([]byte, n-128)
	rng := rand.New(rand.NewPCG(13, 4))
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	if _, err := f.WriteAt(junk, 64); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedSegmentAtOpen: a segment Bleve cannot load makes Open fail
// with ErrDamaged naming the directory (it panicked, or logged and fell
// back to an older snapshot).
func TestDamagedSegmentAtOpen(t *testing.T) {
	dir := soundIndex(t)
	scribble(t, dir)
	_, err := Open(dir, Options{})
	var de *DamagedError
	if !errors.As(err, &de) || de.Dir != dir {
		t.Fatalf("Open: %v, want a DamagedError for %s", err, dir)
	}
}

// TestDamagedSegmentGivesErrDamaged: once a segment in use is damaged,
// every query entry point and Ingest give ErrDamaged (naming the
// directory), never a panic, and the handle still closes.
func TestDamagedSegmentGivesErrDamaged(t *testing.T) {
	dir := soundIndex(t)
	ctx := context.Background()
	ix, err := Open(dir, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	scribble(t, dir)
	calls := map[string]func() error{
		"Search": func() error {
			_, err := ix.Search(ctx, "Kursk", briefbot.SearchFilters{}, 1, 5)
			return err
		},
		"Ask": func() error {
			_, err := ix.Ask(ctx, "Why did the Kursk offensive stall?", briefbot.AskOptions{})
			return err
		},
		"Summary": func() error {
			_, err := ix.Summary(ctx, briefbot.SummaryRequest{Since: day("2026-03-02"), Until: day("2026-03-03")})
			return err
		},
		"Paragraphs": func() error {
			_, err := ix.Paragraphs(ctx, briefbot.Scope{}, "", "kursk")
			return err
		},
		"ArticlesBetween": func() error {
			_, err := ix.ArticlesBetween(ctx, briefbot.Scope{}, day("2026-01-01"), day("2027-01-01"))
			return err
		},
		"Ingest": func() error {
			_, err := ix.Upsert(ctx, "", testArticles())
			return err
		},
	}
	for name, call := range calls {
		var de *DamagedError
		if err := call(); !errors.As(err, &de) || de.Dir != dir {
			t.Errorf("%s: %v, want a DamagedError for %s", name, err, dir)
		}
	}
	if err := ix.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestPanicOnSoundIndexIsAnError: a panic in a query on an index whose
// segments check out is reported as an internal error, not as damage.
func TestPanicOnSoundIndexIsAnError(t *testing.T) {
	ix := newTestIndex(t)
	if _, err := ix.Upsert(context.Background(), "", testArticles()); err != nil {
		t.Fatal(err)
	}
	_, err := guard(ix, func() (int, error) { panic("boom") })
	if err == nil || errors.Is(err, ErrDamaged) {
		t.Fatalf("got %v, want an internal error", err)
	}
}

// TestVerifySegmentsOnSoundIndex: the checksum check passes on an index
// that was merged (ForceMerge writes its segment another way).
func TestVerifySegmentsOnSoundIndex(t *testing.T) {
	ix := newTestIndex(t)
	if _, err := ix.Upsert(context.Background(), "", testArticles()); err != nil {
		t.Fatal(err)
	}
	if err := ix.verifySegments(); err != nil {
		t.Fatal(err)
	}
	ix.compact()
	if err := ix.verifySegments(); err != nil {
		t.Fatalf("after merging: %v", err)
	}
}
