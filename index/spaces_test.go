package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// Two servers, A and B, beside the shared space (issue #11 §4).
const (
	serverA = "613425648685547541"
	serverB = "713425648685547542"
)

var (
	scopeA = briefbot.Scope{Server: serverA}
	scopeB = briefbot.Scope{Server: serverB}
)

// aArticles are server A's own: a source, an author and a day (2026-02-20,
// A's busiest) that nothing else has, and words ("Quarrington",
// "zeppelin") no other article holds.
func aArticles() []briefbot.Article {
	return []briefbot.Article{
		art("harbour", "quarrington.example", "Xavier Quint", "2026-02-20", "Zeppelin harbour plan",
			"The zeppelin harbour at Quarrington will open in July, the mayor announced.",
			"Residents of Quarrington welcomed the floating docks."),
		art("ferry", "quarrington.example", "Xavier Quint", "2026-02-20", "Ferry timetable",
			"Quarrington ferries will run every hour from the zeppelin harbour."),
		// The same id as a shared article, other text: two articles.
		art("kursk", "quarrington.example", "Xavier Quint", "2026-02-20", "Kursk twin town",
			"Quarrington signed a twinning charter with Kursk on Friday."),
	}
}

// bArticles are server B's own.
func bArticles() []briefbot.Article {
	return []briefbot.Article{
		art("allotment", "bville.example", "Beth Row", "2026-03-06", "Allotment prize",
			"The allotment society gave its marrow prize to a newcomer."),
	}
}

// spacesIndexes builds the index with the shared space, A and B, and its
// twin without A: whatever B reads must be the same in both.
func spacesIndexes(t *testing.T) (withA, withoutA *Index) {
	t.Helper()
	build := func(spaces map[string][]briefbot.Article) *Index {
		ix := newTestIndex(t)
		upsert(t, ix, testArticles()...)
		for space, arts := range spaces {
			if _, err := ix.Upsert(context.Background(), space, arts); err != nil {
				t.Fatal(err)
			}
		}
		return ix
	}
	return build(map[string][]briefbot.Article{serverA: aArticles(), serverB: bArticles()}),
		build(map[string][]briefbot.Article{serverB: bArticles()})
}

// noScores drops what BM25's index-wide statistics move (see the Spaces
// section of docs/performance.md): scores, not which passages are found.
func noScores(ps []briefbot.Passage) []briefbot.Passage {
	out := slices.Clone(ps)
	for i := range out {
		out[i].Score = 0
	}
	return out
}

func TestSpacesNothingOfAFromB(t *testing.T) {
	withA, withoutA := spacesIndexes(t)
	ctx := context.Background()
	searches := map[string]struct {
		kw string
		f  briefbot.SearchFilters
	}{
		"A's source":        {"senate", briefbot.SearchFilters{Source: "quarrington.example"}},
		"A's author":        {"senate", briefbot.SearchFilters{Author: "Xavier Quint"}},
		"A's day":           {"quarrington", briefbot.SearchFilters{Since: day("2026-02-20"), Until: day("2026-02-20")}},
		"A's words":         {"zeppelin harbour", briefbot.SearchFilters{}},
		"A's typo":          {"quarringtom", briefbot.SearchFilters{}},
		"shared words":      {"kursk", briefbot.SearchFilters{}},
		"everything on day": {"kursk", briefbot.SearchFilters{Since: day("2026-02-01"), Until: day("2026-03-09")}},
	}
	for name, s := range searches {
		for _, sc := range []briefbot.Scope{scopeB, {}} {
			s.f.Scope = sc
			got, err := withA.Search(ctx, s.kw, s.f, 1, 10)
			if err != nil {
				t.Fatal(err)
			}
			want, err := withoutA.Search(ctx, s.kw, s.f, 1, 10)
			if err != nil {
				t.Fatal(err)
			}
			got.Passages, want.Passages = noScores(got.Passages), noScores(want.Passages)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("search %s from %q: with A %+v\nwithout A %+v", name, sc.Server, got, want)
			}
		}
	}
	questions := []string{
		"The zeppelin harbour at Quarrington will open in July, the mayor announced.",
		"When will the Quarringtom harbour open?", // a typo of A's word
		"What did Kursk sign?",
		"What happened in Kursk?",
	}
	for _, q := range questions {
		for _, sc := range []briefbot.Scope{scopeB, {}} {
			got := ask(t, withA, q, briefbot.AskOptions{Scope: sc})
			want := ask(t, withoutA, q, briefbot.AskOptions{Scope: sc})
			got.Passages, want.Passages = noScores(got.Passages), noScores(want.Passages)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ask %q from %q: with A %+v\nwithout A %+v", q, sc.Server, got, want)
			}
		}
	}
	sameBrowse(t, withA, withoutA, scopeB)
	sameBrowse(t, withA, withoutA, briefbot.Scope{})
}

// sameBrowse checks that every listing, count and summary sc reads is the
// same in both indexes.
func sameBrowse(t *testing.T, withA, withoutA *Index, sc briefbot.Scope) {
	t.Helper()
	ctx := context.Background()
	reads := map[string]func(ix *Index) (any, error){
		"sources": func(ix *Index) (any, error) { return ix.Sources(ctx, sc) },
		"authors": func(ix *Index) (any, error) { return ix.Authors(ctx, sc) },
		"days":    func(ix *Index) (any, error) { return ix.Days(ctx, sc, nil, 0) },
		"stats": func(ix *Index) (any, error) {
			st, err := ix.Stats(ctx, sc)
			st.Bytes = min(st.Bytes, 1) // the size differs; whether it is given must not
			return st, err
		},
		"articles between": func(ix *Index) (any, error) {
			return ix.ArticlesBetween(ctx, sc, day("2026-01-01"), day("2027-01-01"))
		},
		"summary of A's busiest day": func(ix *Index) (any, error) {
			return ix.Summary(ctx, briefbot.SummaryRequest{Day: day("2026-02-20"), Scope: sc})
		},
		"summary of a range": func(ix *Index) (any, error) {
			return ix.Summary(ctx, briefbot.SummaryRequest{Since: day("2026-02-01"), Until: day("2026-03-09"), Scope: sc})
		},
		"summary of A's article": func(ix *Index) (any, error) {
			return ix.Summary(ctx, briefbot.SummaryRequest{ArticleID: "harbour", Space: serverA, Scope: sc})
		},
		"A's article by its key, as a shared id": func(ix *Index) (any, error) {
			// A hand-made custom_id naming A's manifest key in the shared space.
			_, err := ix.Paragraphs(ctx, sc, briefbot.SharedSpace, serverA+spaceSep+"harbour")
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Paragraphs of A's key from %q: %v, want ErrNotFound", sc.Server, err)
			}
			sum, _ := ix.Summary(ctx, briefbot.SummaryRequest{ArticleID: serverA + spaceSep + "harbour", Scope: sc})
			return []any{err.Error(), sum}, nil
		},
		"paragraphs of A's article": func(ix *Index) (any, error) {
			_, err := ix.Paragraphs(ctx, sc, serverA, "harbour")
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Paragraphs of A's article from %q: %v, want ErrNotFound", sc.Server, err)
			}
			return err.Error(), nil
		},
	}
	for name, read := range reads {
		got, err := read(withA)
		if err != nil {
			t.Fatal(name, err)
		}
		want, err := read(withoutA)
		if err != nil {
			t.Fatal(name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s from %q: with A %+v\nwithout A %+v", name, sc.Server, got, want)
		}
	}
	if st, _ := withA.Stats(ctx, sc); (st.Bytes == 0) != (sc != briefbot.Scope{}) {
		t.Errorf("stats from %q give %d bytes", sc.Server, st.Bytes)
	}
}

func TestSpacesAInItsOwnScope(t *testing.T) {
	withA, _ := spacesIndexes(t)
	ctx := context.Background()
	sp, err := withA.Search(ctx, "quarringtom", briefbot.SearchFilters{Scope: scopeA}, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Total != 4 || len(sp.Respelled) != 1 { // four paragraphs of A say "Quarrington"
		t.Fatalf("A's typo from A: %+v", sp)
	}
	for _, p := range sp.Passages {
		if p.Article.Space != serverA {
			t.Errorf("passage %s: space %q", p.ID, p.Article.Space)
		}
	}
	ans := ask(t, withA, "What did Kursk sign with Quarrington?", briefbot.AskOptions{Scope: scopeA})
	if len(ans.Passages) == 0 || ans.Passages[0].ID != "kursk#1" || ans.Passages[0].Article.Space != serverA {
		t.Errorf("ask from A: %+v", ans.Passages)
	}
	if ans.Articles != len(testArticles())+len(aArticles()) {
		t.Errorf("ask from A counts %d articles", ans.Articles)
	}
	// The same id in two spaces is two articles.
	shared, err := withA.Paragraphs(ctx, scopeA, briefbot.SharedSpace, "kursk")
	if err != nil || len(shared.Paragraphs) != 3 {
		t.Errorf("shared kursk from A: %+v, %v", shared, err)
	}
	own, err := withA.Paragraphs(ctx, scopeA, serverA, "kursk")
	if err != nil || own.ID != "kursk" || len(own.Paragraphs) != 1 {
		t.Errorf("A's kursk from A: %+v, %v", own, err)
	}
	sum, err := withA.Summary(ctx, briefbot.SummaryRequest{Day: day("2026-02-20"), Scope: scopeA})
	if err != nil || len(sum.Points) == 0 {
		t.Fatalf("A's day from A: %+v, %v", sum, err)
	}
	for _, p := range sum.Points {
		if p.Article.Space != serverA {
			t.Errorf("point %s: space %q", p.ID, p.Article.Space)
		}
	}
	tot, err := withA.Totals(ctx)
	all := len(testArticles()) + len(aArticles()) + len(bArticles())
	if err != nil || tot.Articles != all || tot.Bytes == 0 {
		t.Errorf("totals %+v, %v; want %d articles", tot, err, all)
	}
	if st, _ := withA.Stats(ctx, scopeA); st.Articles != len(testArticles())+len(aArticles()) {
		t.Errorf("stats from A %+v", st)
	}
}

func TestSpacesRefuseBadSpaceAndID(t *testing.T) {
	ix := newTestIndex(t)
	ctx := context.Background()
	if _, err := ix.Upsert(ctx, "not-a-server", bArticles()); err == nil {
		t.Error("upsert into a space that is no server id")
	}
	if _, err := ix.Ingest(ctx, []string{t.TempDir()}, IngestOptions{Space: "12"}); err == nil {
		t.Error("ingest into a space that is no server id")
	}
	// A shared id holding the separator would read as a server space's.
	bad := art(serverA+spaceSep+"x", "x.example", "", "2026-03-01", "Sneaky", "Sneaky text about marrows.")
	rep := upsert(t, ix, bad)
	if rep.Added != 0 || len(rep.Warnings) != 1 {
		t.Errorf("id with the separator: %+v", rep)
	}
	if ans := ask(t, ix, "marrows", briefbot.AskOptions{Scope: scopeA}); len(ans.Passages) != 0 {
		t.Errorf("found %+v", ans.Passages)
	}
}

// TestSpacesDuplicatesStayInScope: an ingest report names as "the same
// text" only articles the writing space's scope sees.
func TestSpacesDuplicatesStayInScope(t *testing.T) {
	ix := newTestIndex(t)
	ctx := context.Background()
	upsert(t, ix, testArticles()...)
	if _, err := ix.Upsert(ctx, serverB, bArticles()); err != nil {
		t.Fatal(err)
	}
	copyOfB := bArticles()[0]
	copyOfB.ID = "mine"
	copyOfShared := testArticles()[0]
	copyOfShared.ID = "kursk-again"
	rep, err := ix.Upsert(ctx, serverA, []briefbot.Article{copyOfB, copyOfShared})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Duplicates) != 1 || rep.Duplicates[0].SameAs != "kursk" {
		t.Errorf("duplicates %+v: want only the shared kursk", rep.Duplicates)
	}
}

// TestSpacesSameFileTwice: a file ingested into A and into the shared space
// is two copies; removed from A's folder, only A's copy goes, and B still
// sees the shared one. Ingesting a path the shared space holds into a server
// says so (AlsoShared).
func TestSpacesSameFileTwice(t *testing.T) {
	ix := newTestIndex(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "zeppelin.jsonl")
	writeFile(t, path, jsonlLine("zep", "2026-03-03", "Zeppelin news", "A zeppelin landed in the town square."))
	if rep, err := ix.Ingest(ctx, []string{dir}, IngestOptions{}); err != nil || rep.Added != 1 {
		t.Fatalf("shared ingest %+v, %v", rep, err)
	}
	rep, err := ix.Ingest(ctx, []string{dir}, IngestOptions{Space: serverA})
	if err != nil || rep.Added != 1 || rep.AlsoShared != 1 || len(rep.Duplicates) != 1 {
		t.Fatalf("ingest into A %+v, %v: want one added, also shared, a duplicate of the shared copy", rep, err)
	}
	if tot, _ := ix.Totals(ctx); tot.Articles != 2 || tot.Paragraphs != 2 {
		t.Errorf("totals %+v: want two copies", tot)
	}
	// Unchanged, it is skipped in each space by its own hash.
	if rep, _ := ix.Ingest(ctx, []string{dir}, IngestOptions{Space: serverA}); rep.Unchanged != 1 || rep.Added != 0 {
		t.Errorf("re-ingest into A %+v", rep)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	rep, err = ix.Ingest(ctx, []string{dir}, IngestOptions{Space: serverA})
	if err != nil || rep.Removed != 1 {
		t.Fatalf("ingest of A's emptied folder %+v, %v", rep, err)
	}
	if _, err := ix.Paragraphs(ctx, scopeA, serverA, "zep"); !errors.Is(err, ErrNotFound) {
		t.Errorf("A's copy after removal: %v", err)
	}
	for _, sc := range []briefbot.Scope{scopeB, scopeA, {}} {
		sp, err := ix.Search(ctx, "zeppelin", briefbot.SearchFilters{Scope: sc}, 1, 10)
		if err != nil || sp.Total != 1 || sp.Passages[0].Article.Space != briefbot.SharedSpace {
			t.Errorf("from %q after A's removal: %+v, %v", sc.Server, sp, err)
		}
	}
	if tot, _ := ix.Totals(ctx); tot.Articles != 1 || docCount(t, ix) != 1 {
		t.Errorf("totals %+v, %d documents", tot, docCount(t, ix))
	}
}

// TestSpacesSearchPagesExact: the scope is inside Bleve's query, so totals
// and pages count only visible paragraphs.
func TestSpacesSearchPagesExact(t *testing.T) {
	ix := newTestIndex(t)
	ctx := context.Background()
	var shared, mine []briefbot.Article
	for i := range 12 {
		id := string(rune('a' + i))
		shared = append(shared, art("s"+id, "s.example", "", "2026-03-01", "T", "Marrow number "+id+" is shared."))
		mine = append(mine, art("m"+id, "m.example", "", "2026-03-01", "T", "Marrow number "+id+" is mine alone."))
	}
	upsert(t, ix, shared...)
	if _, err := ix.Upsert(ctx, serverA, mine); err != nil {
		t.Fatal(err)
	}
	for sc, want := range map[briefbot.Scope]int{{}: 12, scopeB: 12, scopeA: 24} {
		seen := 0
		for page := 1; ; page++ {
			sp, err := ix.Search(ctx, "marrow", briefbot.SearchFilters{Scope: sc}, page, 5)
			if err != nil {
				t.Fatal(err)
			}
			if sp.Total != want {
				t.Errorf("from %q: total %d, want %d", sc.Server, sp.Total, want)
			}
			if len(sp.Passages) == 0 {
				break
			}
			for _, p := range sp.Passages {
				if !sc.Sees(p.Article.Space) {
					t.Errorf("from %q: %s of space %q", sc.Server, p.ID, p.Article.Space)
				}
			}
			seen += len(sp.Passages)
		}
		if seen != want {
			t.Errorf("from %q: paged through %d, want %d", sc.Server, seen, want)
		}
	}
}

// TestSpacesSurviveRebuild: rebuilding the shared corpus keeps what the
// servers added, files included (their next ingest skips them unchanged).
func TestSpacesSurviveRebuild(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ix")
	corpusDir, aDir := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(corpusDir, "news.jsonl"), jsonlLine("zep", "2026-03-03", "Zeppelin news", "A zeppelin landed in the town square."))
	writeFile(t, filepath.Join(aDir, "a.jsonl"), jsonlLine("marrow", "2026-03-04", "Marrows", "The marrow show drew a crowd."))
	opts := Options{Now: func() time.Time { return testNow }}
	ix, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Ingest(ctx, []string{corpusDir}, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Ingest(ctx, []string{aDir}, IngestOptions{Space: serverA}); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Upsert(ctx, serverB, bArticles()); err != nil {
		t.Fatal(err)
	}
	ix.Close()

	if _, err := Rebuild(ctx, dir, []string{corpusDir}, IngestOptions{}, opts); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if tot, _ := ix.Totals(ctx); tot.Articles != 3 || docCount(t, ix) != 3 {
		t.Errorf("after the rebuild: %+v, %d documents", tot, docCount(t, ix))
	}
	if a, err := ix.Paragraphs(ctx, scopeA, serverA, "marrow"); err != nil || len(a.Paragraphs) != 1 {
		t.Errorf("A's article after the rebuild: %+v, %v", a, err)
	}
	if sp, _ := ix.Search(ctx, "allotment", briefbot.SearchFilters{Scope: scopeB}, 1, 10); sp.Total != 1 {
		t.Errorf("B's article after the rebuild: %+v", sp)
	}
	if sp, _ := ix.Search(ctx, "crowd", briefbot.SearchFilters{Scope: scopeB}, 1, 10); sp.Total != 0 {
		t.Errorf("A's article from B after the rebuild: %+v", sp)
	}
	if rep, err := ix.Ingest(ctx, []string{aDir}, IngestOptions{Space: serverA}); err != nil || rep.Unchanged != 1 || rep.Paragraphs != 0 {
		t.Errorf("A's folder after the rebuild: %+v, %v", rep, err)
	}
}
