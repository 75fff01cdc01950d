package index

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
)

func TestMappingIsExplicitEnglishBM25(t *testing.T) {
	ix := newTestIndex(t)
	m, ok := ix.bl.Mapping().(*mapping.IndexMappingImpl)
	if !ok {
		t.Fatalf("mapping is %T", ix.bl.Mapping())
	}
	if m.DefaultAnalyzer != en.AnalyzerName || m.ScoringModel != "bm25" || m.DefaultMapping.Enabled {
		t.Errorf("DefaultAnalyzer=%q ScoringModel=%q DefaultMapping.Enabled=%v", m.DefaultAnalyzer, m.ScoringModel, m.DefaultMapping.Enabled)
	}
	upsert(t, ix, testArticles()...)

	// A field-less match query goes to the default field with the default
	// analyzer: it must stem ("elections" finds "elections", "election").
	for _, word := range []string{"elections", "election"} {
		res, err := ix.bl.Search(bleve.NewSearchRequest(bleve.NewMatchQuery(word)))
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || res.Hits[0].ID != "kursk#2" {
			t.Errorf("field-less match %q: %d hits %v, want kursk#2", word, res.Total, res.Hits)
		}
	}
	// Dynamic fields are not indexed: a struct with unmapped fields adds no terms.
	res, err := ix.bl.Search(bleve.NewSearchRequest(bleve.NewMatchAllQuery()))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(testArticles()); res.Total == 0 || got == 0 {
		t.Fatal("empty index")
	}
	fields, err := ix.bl.Fields()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		switch f {
		case fText, fTitle, fAID, fSource, fAuthor, fPublished, fN, fHash, "_id":
		case "_all":
			// Bleve always lists the composite field; it must stay empty.
			d, err := ix.bl.FieldDict("_all")
			if err != nil {
				t.Fatal(err)
			}
			if e, _ := d.Next(); e != nil {
				t.Errorf("_all holds term %q", e.Term)
			}
			d.Close()
		default:
			t.Errorf("unexpected indexed field %q", f)
		}
	}
}

func TestReopenKeepsArticles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	upsert(t, ix, testArticles()...)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil { // twice is safe
		t.Fatal(err)
	}
	ix, err = Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ans, err := ix.Ask(context.Background(), "Which show was green lit for a new season?", briefbot.AskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Passages) == 0 || ans.Passages[0].ID != "squid#1" || ans.Passages[0].Article.Title != "Netflix renews Squid Game" {
		t.Fatalf("after reopen: %+v", ans)
	}
	if _, err := ix.Upsert(context.Background(), "", testArticles()[:1]); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Upsert on read-only handle: %v", err)
	}
}

func TestOpenRefusesForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.txt"), "mine")
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "not a briefbot index") {
		t.Fatalf("Open on a foreign directory: %v", err)
	}
	if _, err := Rebuild(context.Background(), dir, nil, IngestOptions{}, Options{}); err == nil {
		t.Fatal("Rebuild took over a foreign directory")
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal(err)
	}
}

// TestBleveLockIsErrLocked: when Bleve's own store is held (by a process
// that opened it without the LOCK file), Open times out with ErrLocked too,
// recognised by Bolt's typed timeout error, not by its message.
func TestBleveLockIsErrLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	bl, err := bleve.Open(filepath.Join(dir, bleveDir))
	if err != nil {
		t.Fatal(err)
	}
	defer bl.Close()
	_, err = Open(dir, Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || err.Error() != ErrLocked.Error() {
		t.Fatalf("Open of an index whose store is held: %v, want ErrLocked", err)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, ro := range []bool{false, true} {
		start := time.Now()
		_, err := Open(dir, Options{LockTimeout: 300 * time.Millisecond, ReadOnly: ro})
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("second Open (read-only %v): %v, want ErrLocked", ro, err)
		}
		want := fmt.Sprintf("index is locked by another process (pid %d)", os.Getpid())
		if err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("second Open took %v", d)
		}
	}
	if _, err := Rebuild(context.Background(), dir, nil, IngestOptions{}, Options{LockTimeout: 100 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Errorf("Rebuild of an open index: %v", err)
	}
	ix.Close()
	ix2, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	ix2.Close()
}

var (
	lockChild  = flag.String("lockchild", "", "internal: open this index and report (used by TestLockedByChildProcess)")
	crashChild = flag.String("crashchild", "", "internal: open this index, write, and exit without closing (used by TestOpenAfterCrash)")
)

// TestOpenAfterCrash: a process that dies holding the index leaves its pid
// in the lock file, but the kernel drops its lock: the next Open succeeds
// and finds the acknowledged writes.
func TestOpenAfterCrash(t *testing.T) {
	if *crashChild != "" {
		ix, err := Open(*crashChild, Options{})
		if err != nil {
			fmt.Println("CHILD", err)
			os.Exit(3)
		}
		if _, err := ix.Upsert(context.Background(), "", testArticles()); err != nil {
			fmt.Println("CHILD", err)
			os.Exit(3)
		}
		os.Exit(0) // no Close: as if killed
	}
	dir := filepath.Join(t.TempDir(), "ix")
	out, err := exec.Command(os.Args[0], "-test.run=^TestOpenAfterCrash$", "-crashchild="+dir).CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	ix, err := Open(dir, Options{LockTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open after a crash: %v", err)
	}
	defer ix.Close()
	st, _ := ix.Stats(context.Background(), briefbot.Scope{})
	if st.Articles != len(testArticles()) {
		t.Errorf("after crash: %+v", st)
	}
}

// TestLockedByChildProcess holds the index open while a child process (this
// test binary) tries to open it: the child must fail fast naming our pid.
func TestLockedByChildProcess(t *testing.T) {
	if *lockChild != "" {
		start := time.Now()
		_, err := Open(*lockChild, Options{LockTimeout: time.Second})
		fmt.Printf("CHILD %v|%v\n", err, time.Since(start).Milliseconds())
		return
	}
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	start := time.Now()
	out, err := exec.Command(os.Args[0], "-test.run=^TestLockedByChildProcess$", "-lockchild="+dir).CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	_, line, ok := strings.Cut(string(out), "CHILD ")
	if !ok {
		t.Fatalf("child said %s", out)
	}
	msg, ms, _ := strings.Cut(strings.SplitN(line, "\n", 2)[0], "|")
	want := fmt.Sprintf("index is locked by another process (pid %d)", os.Getpid())
	if msg != want {
		t.Errorf("child got %q, want %q", msg, want)
	}
	if n, _ := strconv.Atoi(ms); n > 2000 || time.Since(start) > 20*time.Second {
		t.Errorf("child waited %s ms", ms)
	}
}

func TestMappingChangedAndRebuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	upsert(t, ix, testArticles()...)
	// Pretend an older briefbot built it.
	if err := ix.bl.SetInternal([]byte(keyMappingVersion), []byte("0")); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	_, err = Open(dir, Options{})
	if !errors.Is(err, ErrMappingChanged) {
		t.Fatalf("Open: %v, want ErrMappingChanged", err)
	}
	for _, s := range []string{dir, "version 0", fmt.Sprintf("needs %d", MappingVersion), "briefbot ingest --rebuild"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	// The lock was released by the failed Open: the rebuild path works.
	corpusDir := filepath.Join(t.TempDir(), "corpus")
	writeFile(t, filepath.Join(corpusDir, "one.jsonl"), jsonlLine("one", "2026-03-01", "One story", "The one paragraph of the rebuilt index."))
	if _, err := Rebuild(context.Background(), dir, []string{corpusDir}, IngestOptions{}, Options{}); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	st, err := ix.Stats(context.Background(), briefbot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Articles != 1 || st.Paragraphs != 1 {
		t.Errorf("rebuilt index holds %+v, want the one new article", st)
	}
}

// TestCloseDuringIngestAndQueries: Close while an ingest and queries run
// neither panics nor hangs; later calls fail cleanly.
func TestCloseDuringIngestAndQueries(t *testing.T) {
	old := batchDocs
	batchDocs = 2
	t.Cleanup(func() { batchDocs = old })
	dir := filepath.Join(t.TempDir(), "corpus")
	var lines string
	for i := 0; i < 200; i++ {
		lines += jsonlLine(fmt.Sprintf("c%03d", i), "2026-03-01", "Story", fmt.Sprintf("Paragraph %d about the canal and the lock keeper.", i), "Another paragraph.")
	}
	writeFile(t, filepath.Join(dir, "big.jsonl"), lines)
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 3)
	go func() {
		_, err := ix.Ingest(context.Background(), []string{dir}, IngestOptions{})
		done <- err
	}()
	go func() {
		for i := 0; i < 50; i++ {
			if _, err := ix.Ask(context.Background(), "who keeps the canal lock?", briefbot.AskOptions{}); err != nil {
				break
			}
		}
		done <- nil
	}()
	go func() {
		for i := 0; i < 50; i++ {
			if _, err := ix.Search(context.Background(), "canal", briefbot.SearchFilters{}, 1, 5); err != nil {
				break
			}
		}
		done <- nil
	}()
	time.Sleep(20 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- ix.Close() }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung")
	}
	for i := 0; i < 3; i++ {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a call hung after Close")
		}
	}
	if _, err := ix.Ask(context.Background(), "canal", briefbot.AskOptions{}); err == nil {
		t.Error("Ask after Close succeeded")
	}
	ix.Close()
}
