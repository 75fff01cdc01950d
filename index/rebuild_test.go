package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/briefbot/briefbot"
)

// statsOf opens dir, reads its statistics and closes it.
func statsOf(t *testing.T, dir string) briefbot.Stats {
	t.Helper()
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	st, err := ix.Stats(context.Background(), briefbot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// builtIndex is a closed index of testArticles in a new directory.
func builtIndex(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	upsert(t, ix, testArticles()...)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRebuildReplacesTheIndex(t *testing.T) {
	dir := builtIndex(t)

	corpusDir := filepath.Join(t.TempDir(), "corpus")
	writeFile(t, filepath.Join(corpusDir, "a.jsonl"),
		jsonlLine("new1", "2026-03-01", "New one", "First paragraph of the new corpus.")+
			jsonlLine("new2", "2026-03-02", "New two", "Second article of the new corpus.", "With a second paragraph."))
	rep, err := Rebuild(context.Background(), dir, []string{corpusDir}, IngestOptions{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 2 || rep.Paragraphs != 3 {
		t.Errorf("report %+v", rep)
	}
	if st := statsOf(t, dir); st.Articles != 2 || st.Paragraphs != 3 {
		t.Errorf("after rebuild: %+v, want only the new corpus", st)
	}
	for _, name := range []string{rebuildDir, oldBleveDir} {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", name, err)
		}
	}
}

// TestRebuildFailureKeepsTheOldIndex: a rebuild that ends early (here, its
// context is cancelled) leaves the old index whole and no half-built one.
func TestRebuildFailureKeepsTheOldIndex(t *testing.T) {
	dir := builtIndex(t)
	before := statsOf(t, dir)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Rebuild(ctx, dir, []string{corpusDir(t)}, IngestOptions{}, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Rebuild with a cancelled context: %v", err)
	}
	if after := statsOf(t, dir); after.Articles != before.Articles || after.Paragraphs != before.Paragraphs {
		t.Errorf("old index changed by a failed rebuild: %+v, was %+v", after, before)
	}
	if _, err := os.Stat(filepath.Join(dir, rebuildDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("half-built index left behind: %v", err)
	}
}

// TestOpenRecoversAnInterruptedSwap: a rebuild that died after moving the
// old index aside, before moving the new one in, loses nothing.
func TestOpenRecoversAnInterruptedSwap(t *testing.T) {
	dir := builtIndex(t)
	if err := os.Rename(filepath.Join(dir, bleveDir), filepath.Join(dir, oldBleveDir)); err != nil {
		t.Fatal(err)
	}
	if st := statsOf(t, dir); st.Articles != len(testArticles()) {
		t.Errorf("after recovery: %+v", st)
	}
}

// TestIngestSkipsAnIndexInsideTheCorpus: a folder walk does not read a
// briefbot index it finds (such as a rebuild's, or another index), even
// one that is not the index being ingested into.
func TestIngestSkipsAnIndexInsideTheCorpus(t *testing.T) {
	dir := corpusDir(t)
	other, err := Open(filepath.Join(dir, "other-index"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	upsert(t, other, testArticles()...)
	other.Close()
	ix := newTestIndex(t)
	rep, err := ix.Ingest(context.Background(), []string{dir}, IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Skipped {
		if filepath.Base(filepath.Dir(s.Path)) == bleveDir || filepath.Base(s.Path) == lockName {
			t.Errorf("read the other index: %v", s)
		}
	}
}

// TestOpenRemovesWhatAKilledRebuildLeft: a rebuild killed while building
// leaves rebuild/ (a half-built index), one killed after the swap leaves
// bleve.old; the next writer to open the index removes both, and the index
// works.
func TestOpenRemovesWhatAKilledRebuildLeft(t *testing.T) {
	dir := builtIndex(t)
	half, err := Open(filepath.Join(dir, rebuildDir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	upsert(t, half, testArticles()[:2]...)
	half.Close()
	writeFile(t, filepath.Join(dir, oldBleveDir, "store", "root.bolt"), "stale")

	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, name := range []string{rebuildDir, oldBleveDir} {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind after Open: %v", name, err)
		}
	}
	if rep := upsert(t, ix, art("late", "bbc.com", "Anna Smith", "2026-03-09", "Late story", "A late story about the harbour.")); rep.Added != 1 {
		t.Errorf("upsert after the cleanup: %+v", rep)
	}
	if st, _ := ix.Stats(context.Background(), briefbot.Scope{}); st.Articles != len(testArticles())+1 {
		t.Errorf("after the cleanup: %+v", st)
	}
}

// TestOpenAfterAKilledCreation: a process killed while creating a new index
// leaves at most a Bleve index without its mapping version in rebuild/
// (see createBleve); the next Open creates the index afresh.
func TestOpenAfterAKilledCreation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	half, err := bleve.NewUsing(filepath.Join(dir, rebuildDir, bleveDir), buildMapping(), scorch.Name, bleve.Config.DefaultKVStore, nil)
	if err != nil {
		t.Fatal(err)
	}
	half.Close()
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open after a killed creation: %v", err)
	}
	defer ix.Close()
	if rep := upsert(t, ix, testArticles()...); rep.Added != len(testArticles()) {
		t.Errorf("upsert: %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(dir, rebuildDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("rebuild/ left behind: %v", err)
	}
}
