package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus"
)

func ingest(t *testing.T, ix *Index, paths ...string) IngestReport {
	t.Helper()
	rep, err := ix.Ingest(context.Background(), paths, IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func hasWarning(ws []corpus.Warning, path, reason string) bool {
	for _, w := range ws {
		if strings.HasSuffix(w.Path, path) && strings.Contains(w.Reason, reason) {
			return true
		}
	}
	return false
}

func searchTotal(t *testing.T, ix *Index, kw string) int {
	t.Helper()
	pg, err := ix.Search(context.Background(), kw, briefbot.SearchFilters{}, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	return pg.Total
}

func TestUpsertReplacesParagraphs(t *testing.T) {
	ix := newTestIndex(t)
	rep := upsert(t, ix, testArticles()...)
	if rep.Added != 6 || rep.Paragraphs != 12 {
		t.Errorf("first upsert %+v", rep)
	}
	before := docCount(t, ix)
	if rep := upsert(t, ix, testArticles()...); rep.Unchanged != 6 || rep.Added+rep.Updated+rep.Paragraphs != 0 {
		t.Errorf("same again: %+v", rep)
	}
	if docCount(t, ix) != before {
		t.Error("unchanged upsert changed the index")
	}
	// The Kursk story loses its last two paragraphs and has its first split into parts.
	k := testArticles()[0]
	k.Paragraphs = []briefbot.Paragraph{
		{N: 1, Part: 1, Text: "The Kursk offensive stalled on Monday."},
		{N: 1, Part: 2, Text: "Heavy rains turned the roads to mud."},
	}
	if rep := upsert(t, ix, k); rep.Updated != 1 || rep.Paragraphs != 2 {
		t.Errorf("update: %+v", rep)
	}
	if got := docCount(t, ix); got != before-3+2 {
		t.Errorf("doc count %d, want %d", got, before-1)
	}
	if n := searchTotal(t, ix, "postponed"); n != 0 {
		t.Errorf("dropped paragraph still found (%d)", n)
	}
	a, err := ix.Paragraphs(context.Background(), briefbot.Scope{}, "", "kursk")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Paragraphs) != 2 || a.Paragraphs[1].Part != 2 || a.Paragraphs[1].Text != "Heavy rains turned the roads to mud." {
		t.Errorf("paragraphs %+v", a.Paragraphs)
	}
	ans := ask(t, ix, "Why did the Kursk offensive stall?", briefbot.AskOptions{})
	for _, p := range ans.Passages {
		if p.Article.ID == "kursk" && p.ID != "kursk#1" {
			t.Errorf("part cited as %q", p.ID)
		}
	}
}

// corpusDir writes a small corpus of every kind of file, good and bad.
func corpusDir(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "corpus")
	writeFile(t, filepath.Join(dir, "world", "kursk.txt"),
		"Kursk offensive stalls\n\nThe Kursk offensive stalled on Monday after heavy rains turned roads to mud.\n\nOfficials said regional elections would be postponed until the autumn.\n")
	writeFile(t, filepath.Join(dir, "feed.jsonl"),
		jsonlLine("budget", "2026-03-05", "Senate passes budget", "The Senate passed the federal budget on Thursday by a vote of 51 to 49.", "Spending on defense rises by four percent.")+
			jsonlLine("squid", "2026-03-08", "Netflix renews Squid Game", "Netflix has green lit a second season of Squid Game.")+
			"{not json\n")
	writeFile(t, filepath.Join(dir, "copy", "squid-again.jsonl"),
		jsonlLine("squid-mirror", "2026-03-09", "Squid Game is back", "Netflix has green lit a second season of Squid Game."))
	writeFile(t, filepath.Join(dir, "image.txt"), "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
	writeFile(t, filepath.Join(dir, "empty.md"), "  \n")
	writeFile(t, filepath.Join(dir, "report.pdf"), "%PDF-1.4")
	writeFile(t, filepath.Join(dir, ".hidden.txt"), "ignored")
	return dir
}

func TestIngestFolder(t *testing.T) {
	ix := newTestIndex(t)
	dir := corpusDir(t)
	unreadable := filepath.Join(dir, "locked.txt")
	writeFile(t, unreadable, "Secret text that nobody may read.")
	os.Chmod(unreadable, 0)
	rootCanRead := false
	if f, err := os.Open(unreadable); err == nil {
		rootCanRead = true // running as root: permissions do not stop reads
		f.Close()
	}

	var progress []IngestProgress
	rep, err := ix.Ingest(context.Background(), []string{dir}, IngestOptions{Progress: func(p IngestProgress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(progress); n == 0 || progress[n-1].Files != progress[n-1].FilesTotal || progress[n-1].Bytes != progress[n-1].BytesTotal || progress[n-1].BytesTotal == 0 {
		t.Errorf("progress %+v", progress)
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].Bytes < progress[i-1].Bytes || progress[i].Files < progress[i-1].Files {
			t.Errorf("progress goes back: %+v then %+v", progress[i-1], progress[i])
		}
	}
	wantAdded := 4
	if rootCanRead {
		wantAdded = 5
	}
	if rep.Added != wantAdded || rep.Removed != 0 || rep.Updated != 0 {
		t.Errorf("report %+v", rep)
	}
	for _, w := range []struct{ path, reason string }{
		{"image.txt", "binary"}, {"empty.md", "empty"}, {"report.pdf", "unsupported"},
	} {
		if !hasWarning(rep.Skipped, w.path, w.reason) {
			t.Errorf("no skip warning for %s (%s) in %v", w.path, w.reason, rep.Skipped)
		}
	}
	if !rootCanRead && !hasWarning(rep.Skipped, "locked.txt", "permission denied") {
		t.Errorf("no warning for the unreadable file: %v", rep.Skipped)
	}
	if !hasWarning(rep.Warnings, "feed.jsonl", "malformed JSON") {
		t.Errorf("no warning for the bad JSONL line: %v", rep.Warnings)
	}
	for _, w := range append(rep.Skipped, rep.Warnings...) {
		if strings.Contains(w.Path, ".hidden") {
			t.Errorf("hidden file read: %v", w)
		}
	}
	if len(rep.Duplicates) != 1 {
		t.Fatalf("duplicates %+v", rep.Duplicates)
	}
	d := rep.Duplicates[0]
	if !(d.ID == "squid-mirror" && d.SameAs == "squid" || d.ID == "squid" && d.SameAs == "squid-mirror") {
		t.Errorf("duplicate %+v", d)
	}
	if !strings.Contains(d.String(), "squid-again.jsonl") || !strings.Contains(d.String(), "feed.jsonl") {
		t.Errorf("duplicate does not name both files: %s", d)
	}
	// The duplicate is shown once.
	ans := ask(t, ix, "Which show got a second season?", briefbot.AskOptions{K: 5})
	n := 0
	for _, p := range ans.Passages {
		if strings.Contains(p.Text, "Squid Game") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("squid passage shown %d times: %v", n, ids(ans.Passages))
	}
	if pg, _ := ix.Search(context.Background(), "squid", briefbot.SearchFilters{}, 1, 5); pg.Total != 1 {
		t.Errorf("search shows the duplicate %d times", pg.Total)
	}
	if arts, _ := ix.ArticlesBetween(context.Background(), briefbot.Scope{}, day("2026-03-01"), day("2026-03-31")); len(arts) != 2 {
		t.Errorf("ArticlesBetween lists the duplicate: %d articles", len(arts))
	}
	// Ids derive from the path inside the ingested folder.
	if _, err := ix.Paragraphs(context.Background(), briefbot.Scope{}, "", "world/kursk"); err != nil {
		t.Error(err)
	}

	// Again, unchanged: nothing written, fast.
	before := docCount(t, ix)
	start := time.Now()
	rep = ingest(t, ix, dir)
	if d := time.Since(start); d > time.Second {
		t.Errorf("unchanged re-ingest took %v", d)
	}
	if rep.Added+rep.Updated+rep.Removed+rep.Paragraphs != 0 || rep.Unchanged != wantAdded {
		t.Errorf("unchanged re-ingest: %+v", rep)
	}
	if docCount(t, ix) != before {
		t.Error("unchanged re-ingest changed the index")
	}

	// Edit one JSONL line, delete a file: only those articles change.
	writeFile(t, filepath.Join(dir, "feed.jsonl"),
		jsonlLine("budget", "2026-03-05", "Senate passes budget", "The Senate passed the federal budget on Thursday by a vote of 51 to 49.")+
			jsonlLine("squid", "2026-03-08", "Netflix renews Squid Game", "Netflix has green lit a second season of Squid Game."))
	if err := os.Remove(filepath.Join(dir, "world", "kursk.txt")); err != nil {
		t.Fatal(err)
	}
	rep = ingest(t, ix, dir)
	if rep.Updated != 1 || rep.Removed != 1 || rep.Unchanged != wantAdded-2 || rep.Added != 0 {
		t.Errorf("after edit and delete: %+v", rep)
	}
	if searchTotal(t, ix, "defense") != 0 || searchTotal(t, ix, "kursk") != 0 {
		t.Error("removed text still found")
	}
	if searchTotal(t, ix, "senate") != 1 {
		t.Error("kept text lost")
	}
	if _, err := ix.Paragraphs(context.Background(), briefbot.Scope{}, "", "world/kursk"); err == nil {
		t.Error("removed article still listed")
	}
}

func TestIngestSingleFileAndMissingPath(t *testing.T) {
	ix := newTestIndex(t)
	dir := corpusDir(t)
	rep := ingest(t, ix, filepath.Join(dir, "world", "kursk.txt"), filepath.Join(dir, "nope.txt"))
	if rep.Added != 1 {
		t.Errorf("report %+v", rep)
	}
	if _, err := ix.Paragraphs(context.Background(), briefbot.Scope{}, "", "kursk"); err != nil {
		t.Errorf("single file id: %v", err)
	}
	if !hasWarning(rep.Skipped, "nope.txt", "no such file") {
		t.Errorf("missing path not reported: %v", rep.Skipped)
	}
}

func TestIngestSurvivesReopen(t *testing.T) {
	dir := corpusDir(t)
	ixDir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(ixDir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := ingest(t, ix, dir)
	ix.Close()
	ix, err = Open(ixDir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	rep := ingest(t, ix, dir)
	if rep.Unchanged != first.Added || rep.Added+rep.Updated+rep.Removed != 0 {
		t.Errorf("after reopen: %+v (first %+v)", rep, first)
	}
}

func TestIngestCancelled(t *testing.T) {
	ix := newTestIndex(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Ingest(ctx, []string{corpusDir(t)}, IngestOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ingest: %v", err)
	}
}

// TestIngestRecoversOrphans simulates a crash after a batch was written but
// before the manifest was committed.
func TestIngestRecoversOrphans(t *testing.T) {
	ix := newTestIndex(t)
	b := ix.bl.NewBatch()
	b.Index("kursk#7", paraDoc{Text: "stale orphan paragraph", AID: "kursk", Published: unknownDate})
	if err := ix.bl.Batch(b); err != nil {
		t.Fatal(err)
	}
	upsert(t, ix, testArticles()...)
	if got, want := docCount(t, ix), 12; got != want {
		t.Errorf("doc count %d, want %d (orphan not removed)", got, want)
	}
}

// TestIngestSmallBatches runs ingests with tiny batches, so several are in
// flight at once, including an article that moves from a deleted file to a
// new one (its delete and its re-add touch the same documents).
func TestIngestSmallBatches(t *testing.T) {
	old := batchDocs
	batchDocs = 2
	t.Cleanup(func() { batchDocs = old })
	ix := newTestIndex(t)
	dir := filepath.Join(t.TempDir(), "corpus")
	var lines string
	for i := 0; i < 20; i++ {
		id := "a" + string(rune('a'+i))
		lines += jsonlLine(id, "2026-03-01", "Story "+id, "First paragraph about "+id+" and the harbour.", "Second paragraph about "+id+" and the bridge.")
	}
	writeFile(t, filepath.Join(dir, "one.jsonl"), lines)
	writeFile(t, filepath.Join(dir, "moving.jsonl"), jsonlLine("mover", "2026-03-02", "Mover", "The lighthouse keeper moved.", "Twice."))
	rep := ingest(t, ix, dir)
	if rep.Added != 21 || docCount(t, ix) != 42 {
		t.Fatalf("report %+v, %d docs", rep, docCount(t, ix))
	}
	os.Remove(filepath.Join(dir, "moving.jsonl"))
	writeFile(t, filepath.Join(dir, "zz-moved.jsonl"), jsonlLine("mover", "2026-03-02", "Mover", "The lighthouse keeper moved.", "Twice."))
	rep = ingest(t, ix, dir)
	if docCount(t, ix) != 42 || searchTotal(t, ix, "lighthouse") != 1 {
		t.Errorf("after move: %+v, %d docs, lighthouse %d", rep, docCount(t, ix), searchTotal(t, ix, "lighthouse"))
	}
	st, _ := ix.Stats(context.Background(), briefbot.Scope{})
	if st.Paragraphs != 42 || st.Articles != 21 {
		t.Errorf("stats %+v", st)
	}
}

// TestIngestCancelledMidFile stops an ingest inside a big file: what was
// written stays consistent, and the next ingest finishes the job without
// rewriting the articles already done.
func TestIngestCancelledMidFile(t *testing.T) {
	old := batchDocs
	batchDocs = 4
	t.Cleanup(func() { batchDocs = old })
	ix := newTestIndex(t)
	dir := filepath.Join(t.TempDir(), "corpus")
	var lines string
	for i := 0; i < 30; i++ {
		id := "s" + string(rune('a'+i))
		lines += jsonlLine(id, "2026-03-01", "Story "+id, "Paragraph about "+id+" and the canal.")
	}
	writeFile(t, filepath.Join(dir, "big.jsonl"), lines)
	// Cancel after the tenth article of the file: two batches and a half
	// are written by then, and the file is not finished.
	const done = 10
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ix.afterArticle = func(n int) {
		if n == done {
			cancel()
		}
	}
	rep, err := ix.Ingest(ctx, []string{dir}, IngestOptions{})
	ix.afterArticle = nil
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ingest: err %v, want context.Canceled", err)
	}
	if rep.Added != done {
		t.Errorf("cancelled ingest added %d articles, want %d", rep.Added, done)
	}
	// What was written before the cancel is committed and answers.
	if n := docCount(t, ix); n != done {
		t.Errorf("%d docs after the cancel, want %d", n, done)
	}
	rep = ingest(t, ix, dir)
	if rep.Added != 30-done || rep.Unchanged != done {
		t.Errorf("resumed ingest %+v after %d done", rep, done)
	}
	if docCount(t, ix) != 30 {
		t.Errorf("%d docs", docCount(t, ix))
	}
}

// TestIngestSkipsItsOwnIndex: an index kept inside the corpus folder is not
// read as corpus (its files would all be "unsupported").
func TestIngestSkipsItsOwnIndex(t *testing.T) {
	dir := corpusDir(t)
	ix, err := Open(filepath.Join(dir, "data", "index"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	rep := ingest(t, ix, dir)
	for _, w := range rep.Skipped {
		if strings.Contains(w.Path, "index") {
			t.Errorf("read its own index: %v", w)
		}
	}
	if rep.Added == 0 {
		t.Errorf("report %+v", rep)
	}
}

// TestIngestCompacts: a big ingest ends with the index merged into one
// segment, and answers the same.
func TestIngestCompacts(t *testing.T) {
	oldB, oldC := batchDocs, compactAfter
	batchDocs, compactAfter = 5, 20
	t.Cleanup(func() { batchDocs, compactAfter = oldB, oldC })
	ix := newTestIndex(t)
	dir := filepath.Join(t.TempDir(), "corpus")
	var lines string
	for i := 0; i < 30; i++ {
		lines += jsonlLine(fmt.Sprintf("m%02d", i), "2026-03-01", "Story", fmt.Sprintf("Paragraph %d about the mill.", i))
	}
	writeFile(t, filepath.Join(dir, "mills.jsonl"), lines)
	ingest(t, ix, dir)
	adv, _ := ix.bl.Advanced()
	stats := adv.StatsMap()
	n, ok := stats["num_root_filesegments"].(uint64)
	if !ok {
		t.Fatalf("no segment count in %v", stats["num_root_filesegments"])
	}
	if n > 1 {
		t.Errorf("%d file segments after a big ingest", n)
	}
	if n := searchTotal(t, ix, "mill"); n != 30 {
		t.Errorf("%d hits after merging", n)
	}
}

// TestIngestProgressWithinAFile: one JSONL file of many articles reports
// progress after each article, not only when the file is done.
func TestIngestProgressWithinAFile(t *testing.T) {
	ix := newTestIndex(t)
	dir := filepath.Join(t.TempDir(), "corpus")
	var lines string
	for i := 0; i < 10; i++ {
		id := fmt.Sprintf("p%d", i)
		lines += jsonlLine(id, "2026-03-01", "Story "+id, "Paragraph about "+id+" and the harbour works.")
	}
	writeFile(t, filepath.Join(dir, "all.jsonl"), lines)
	var progress []IngestProgress
	if _, err := ix.Ingest(context.Background(), []string{dir}, IngestOptions{Progress: func(p IngestProgress) { progress = append(progress, p) }}); err != nil {
		t.Fatal(err)
	}
	var within int
	for i, p := range progress {
		if p.Files == 0 && p.Bytes > 0 && p.Bytes < p.BytesTotal {
			within++
		}
		if i > 0 && p.Bytes <= progress[i-1].Bytes && p.Files == progress[i-1].Files {
			t.Errorf("progress did not move: %+v then %+v", progress[i-1], p)
		}
	}
	if within < 8 {
		t.Errorf("%d reports inside the file, want one per article: %+v", within, progress)
	}
}

// TestIngestRereadsFilesOfOlderReaders: a file recorded by an older
// briefbot, whose readers numbered paragraphs differently, is read again on
// the next ingest, not skipped as unchanged.
func TestIngestRereadsFilesOfOlderReaders(t *testing.T) {
	ix := newTestIndex(t)
	dir := filepath.Join(t.TempDir(), "corpus")
	path := filepath.Join(dir, "note.txt")
	writeFile(t, path, "Harbour works\n\nWork on the new harbour wall began on Monday, officials said.\n")
	ingest(t, ix, dir)
	abs, _ := filepath.Abs(path)
	// As briefbot recorded it before corpus.ReadersVersion: a hash of the
	// bytes alone.
	data, _ := os.ReadFile(path)
	old := sha256.Sum256(data)
	man := ix.snapshot().clone()
	man.Files[abs] = &fileEntry{Hash: hex.EncodeToString(old[:16]), Articles: man.Files[abs].Articles}
	ix.mu.Lock()
	ix.man = man
	ix.mu.Unlock()

	rep := ingest(t, ix, dir)
	if rep.Unchanged != 1 || rep.Added+rep.Updated != 0 {
		t.Errorf("report %+v: the article itself is unchanged", rep)
	}
	if got := ix.snapshot().Files[abs].Hash; got != fileHash(data) {
		t.Errorf("file not read again: hash %q", got)
	}
}
