package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus"
)

// prepared runs Prepare on ix and numbers the changes from *seq on, as a
// log would.
func prepared(t testing.TB, ix *Index, seq *uint64, opts IngestOptions, paths ...string) ([]Entry, IngestReport) {
	t.Helper()
	var entries []Entry
	rep, err := ix.Prepare(context.Background(), paths, opts, func(ch Change) error {
		*seq++
		entries = append(entries, Entry{Seq: *seq, Change: ch})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return entries, rep
}

// applied applies entries to ix and returns the sum of their reports.
func applied(t testing.TB, ix *Index, entries []Entry) IngestReport {
	t.Helper()
	var rep IngestReport
	err := ix.ApplyBatch(context.Background(), entries, ApplyOptions{OnEntry: func(_ uint64, r IngestReport) { rep.Add(r) }})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// sameCounts compares what a report says, lists in any order: Ingest
// reports them in reading order, Prepare and Apply each their own.
func sameCounts(t *testing.T, what string, got, want IngestReport) {
	t.Helper()
	key := func(ws []corpus.Warning) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.String())
		}
		sort.Strings(out)
		return out
	}
	if got.Added != want.Added || got.Updated != want.Updated || got.Removed != want.Removed ||
		got.Unchanged != want.Unchanged || got.Paragraphs != want.Paragraphs || len(got.Duplicates) != len(want.Duplicates) ||
		!slices.Equal(key(got.Warnings), key(want.Warnings)) || !slices.Equal(key(got.Skipped), key(want.Skipped)) {
		t.Errorf("%s: replicated report %+v,\nIngest's %+v", what, got, want)
	}
}

// replicaCorpus writes a corpus with the cases Ingest handles beyond plain
// files: a repeated id in one file, an id taken by another file, a file
// without articles, a server-space copy.
func replicaCorpus(t *testing.T, dir string) {
	writeFile(t, filepath.Join(dir, "feed.jsonl"),
		jsonlLine("one", "2026-03-01", "One", "The first story of the feed.", "Its second paragraph.")+
			jsonlLine("two", "2026-03-02", "Two", "The second story of the feed.")+
			jsonlLine("one", "2026-03-03", "One again", "A repeated id: the first is kept."))
	writeFile(t, filepath.Join(dir, "world", "kursk.txt"), "Kursk offensive stalls\n\nThe offensive stalled on Monday.\n\nRoads turned to mud.")
	writeFile(t, filepath.Join(dir, "world", "more.jsonl"),
		jsonlLine("two", "2026-03-04", "Taken", "This id is taken by feed.jsonl.")+
			jsonlLine("three", "2026-03-05", "Three", "The third story.", "With two paragraphs."))
	writeFile(t, filepath.Join(dir, "empty.md"), "  \n")
}

// TestPrepareApplyMatchesIngest: a writer that prepares an ingest and
// applies the changes to itself and to a replica leaves both with exactly
// the paragraphs of a plain Ingest, through a change, a deletion, an
// upsert and a replay.
func TestPrepareApplyMatchesIngest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	replicaCorpus(t, dir)
	clean, writer, replica := newTestIndex(t), newTestIndex(t), newTestIndex(t)
	var seq uint64
	var all []Entry
	step := func(what string) {
		t.Helper()
		want := ingest(t, clean, dir)
		entries, rep := prepared(t, writer, &seq, IngestOptions{}, dir)
		rep.Add(applied(t, writer, entries))
		sameCounts(t, what, rep, want)
		if r := applied(t, replica, entries); r.Added+r.Updated+r.Removed != want.Added+want.Updated+want.Removed {
			t.Errorf("%s: the replica's report %+v, Ingest's %+v", what, r, want)
		}
		all = append(all, entries...)
		wantIDs := paragraphIDs(t, clean)
		for name, ix := range map[string]*Index{"writer": writer, "replica": replica} {
			if got := paragraphIDs(t, ix); !slices.Equal(got, wantIDs) {
				t.Errorf("%s: %s holds %v,\nIngest %v", what, name, got, wantIDs)
			}
			if ix.AppliedSeq() != seq {
				t.Errorf("%s: %s applied %d, want %d", what, name, ix.AppliedSeq(), seq)
			}
		}
	}
	step("first ingest")

	writeFile(t, filepath.Join(dir, "feed.jsonl"),
		jsonlLine("one", "2026-03-01", "One", "The first story, corrected.", "Its second paragraph.")+
			jsonlLine("four", "2026-03-06", "Four", "A new story replaces the second."))
	if err := os.Remove(filepath.Join(dir, "world", "kursk.txt")); err != nil {
		t.Fatal(err)
	}
	step("a change, a deletion and an id set free")
	if len(paragraphIDs(t, replica)) == 0 || slices.ContainsFunc(paragraphIDs(t, replica), func(id string) bool { return id == "world/kursk#2" }) {
		t.Errorf("the deleted file's paragraphs: %v", paragraphIDs(t, replica))
	}
	step("nothing changed")

	// An upsert in a server space, applied as a change.
	server := "613425648685547541"
	arts := []briefbot.Article{art("srv", "example.org", "", "2026-03-07", "Server story", "Only the server sees this.")}
	if _, err := clean.Upsert(ctx, server, arts); err != nil {
		t.Fatal(err)
	}
	seq++
	up := []Entry{{Seq: seq, Change: Change{Space: server, Articles: arts}}}
	applied(t, writer, up)
	applied(t, replica, up)
	all = append(all, up...)
	if got, want := paragraphIDs(t, replica), paragraphIDs(t, clean); !slices.Equal(got, want) {
		t.Errorf("upsert: replica %v, Upsert %v", got, want)
	}

	// A replay of the whole log, as after a crash before acknowledging:
	// every entry is at or below AppliedSeq and nothing is applied.
	before := paragraphIDs(t, replica)
	err := replica.ApplyBatch(ctx, all, ApplyOptions{OnEntry: func(seq uint64, _ IngestReport) {
		t.Errorf("replayed entry %d applied again", seq)
	}})
	if err != nil || !slices.Equal(paragraphIDs(t, replica), before) || replica.AppliedSeq() != seq {
		t.Errorf("replay: err %v, applied %d", err, replica.AppliedSeq())
	}

	// A new replica replays the log from the start into the same state,
	// and the sequence survives reopening.
	path := filepath.Join(t.TempDir(), "new")
	fresh, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	applied(t, fresh, all)
	fresh.Close()
	if fresh, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if got, want := paragraphIDs(t, fresh), paragraphIDs(t, clean); !slices.Equal(got, want) || fresh.AppliedSeq() != seq {
		t.Errorf("rebuilt replica (applied %d of %d): %v,\nwant %v", fresh.AppliedSeq(), seq, got, want)
	}
}

// TestApplyCancelledMidChange: a replica stopped in the middle of a file's
// change keeps its previous sequence, and applying the log again from
// there gives exactly the paragraphs of a clean ingest.
func TestApplyCancelledMidChange(t *testing.T) {
	dir := t.TempDir()
	var lines string
	for i := range 12 {
		lines += jsonlLine(string(rune('a'+i))+"-story", "2026-03-01", "Story", "First paragraph of a story.", "Second paragraph, number "+string(rune('a'+i))+".")
	}
	writeFile(t, filepath.Join(dir, "feed.jsonl"), lines)
	writeFile(t, filepath.Join(dir, "z.md"), "# Last\n\nThe last file.")
	clean, writer, replica := newTestIndex(t), newTestIndex(t), newTestIndex(t)
	ingest(t, clean, dir)
	var seq uint64 = 40 // a log that held other things before
	replica.applied.Store(40)
	entries, _ := prepared(t, writer, &seq, IngestOptions{}, dir)
	if len(entries) != 2 {
		t.Fatalf("%d changes, want one per file", len(entries))
	}

	ctx, cancel := context.WithCancel(context.Background())
	replica.afterArticle = func(done int) {
		if done == 5 {
			cancel()
		}
	}
	err := replica.ApplyBatch(ctx, entries, ApplyOptions{})
	replica.afterArticle = nil
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled apply: %v", err)
	}
	if replica.AppliedSeq() != 40 {
		t.Errorf("applied %d after a change cut short, want 40", replica.AppliedSeq())
	}
	if n := len(paragraphIDs(t, replica)); n != 10 {
		t.Errorf("%d paragraphs kept of the 5 articles done, want 10", n)
	}
	applied(t, replica, entries)
	if got, want := paragraphIDs(t, replica), paragraphIDs(t, clean); !slices.Equal(got, want) {
		t.Errorf("after resuming: %v,\nwant %v", got, want)
	}
	if docCount(t, replica) != len(paragraphIDs(t, clean)) {
		t.Errorf("%d documents, want %d", docCount(t, replica), len(paragraphIDs(t, clean)))
	}
}

// TestApplyFileInParts: a file sent as parts (as the log cuts a file too
// big for one message) applies as the file whole, and a repeat of the
// last part changes nothing.
func TestApplyFileInParts(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "feed.jsonl"),
		jsonlLine("one", "2026-03-01", "One", "First.")+jsonlLine("two", "2026-03-02", "Two", "Second.")+
			jsonlLine("three", "2026-03-03", "Three", "Third."))
	clean, writer, replica := newTestIndex(t), newTestIndex(t), newTestIndex(t)
	ingest(t, clean, dir)
	// The replica had an older version of the file, with an article the
	// new one drops: the last part removes it.
	upsertOld := []Entry{{Seq: 1, Change: Change{Files: []FileChange{{Path: filepath.Join(dir, "feed.jsonl"), Hash: "old",
		Articles: []briefbot.Article{art("gone", "x.org", "", "2026-02-01", "Gone", "Dropped since.")}}}}}}
	applied(t, replica, upsertOld)
	var seq uint64 = 1
	entries, _ := prepared(t, writer, &seq, IngestOptions{}, dir)
	fc := entries[0].Change.Files[0]
	parts := []Entry{
		{Seq: 2, Change: Change{Files: []FileChange{{Path: fc.Path, Hash: fc.Hash, Articles: fc.Articles[:2], More: true}}}},
		{Seq: 3, Change: Change{Files: []FileChange{{Path: fc.Path, Hash: fc.Hash, Articles: fc.Articles[2:], IDs: []string{"one", "two", "three"}}}}},
	}
	applied(t, replica, parts[:1])
	if got := paragraphIDs(t, replica); !slices.Contains(got, "gone#1") || !slices.Contains(got, "two#1") {
		t.Errorf("after the first part: %v", got)
	}
	applied(t, replica, parts[1:])
	if got, want := paragraphIDs(t, replica), paragraphIDs(t, clean); !slices.Equal(got, want) {
		t.Errorf("after the last part: %v, want %v", got, want)
	}
	// The same parts again under new sequences (a writer that sent them
	// twice): skipped by the file's hash.
	again := []Entry{{Seq: 4, Change: parts[0].Change}, {Seq: 5, Change: parts[1].Change}}
	if rep := applied(t, replica, again); rep.Added+rep.Updated+rep.Paragraphs != 0 || rep.Unchanged != 3 || replica.AppliedSeq() != 5 {
		t.Errorf("parts sent twice: %+v, applied %d", rep, replica.AppliedSeq())
	}
}
