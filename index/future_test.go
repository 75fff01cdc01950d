package index

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/briefbot/briefbot"
)

// TestFutureDatedArticles: an article dated after tomorrow is named in a
// warning at ingest, and ask, search and summary agree about it: left out
// of ask and search until its day unless a date asks for it, shown by a
// summary of its day. An article dated tomorrow is no warning and is shown
// (a publisher's time zone may be ahead).
func TestFutureDatedArticles(t *testing.T) {
	ix := newTestIndex(t) // now: 2026-03-10 12:00 UTC
	path := filepath.Join(t.TempDir(), "news.jsonl")
	writeFile(t, path,
		jsonlLine("past", "2026-03-09", "Regatta heats", "The zeppelin regatta heats were flown over the bay on Monday.")+
			jsonlLine("tomorrow", "2026-03-11", "Regatta final", "The zeppelin regatta final is flown over the bay at dawn.")+
			jsonlLine("f", "2099-01-01", "Regatta centenary", "The zeppelin regatta centenary drew airships from every port."))
	rep, err := ix.Ingest(context.Background(), []string{path}, IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var future []string
	for _, w := range rep.Warnings {
		if strings.Contains(w.Reason, "after tomorrow") {
			future = append(future, w.Reason)
		}
	}
	if len(future) != 1 || !strings.Contains(future[0], `"f"`) || !strings.Contains(future[0], "2099-01-01") {
		t.Errorf("future-date warnings %q, want one naming article f and its date", future)
	}
	if rep.Added != 3 {
		t.Errorf("added %d, want 3 (a future date is a warning, not a skip)", rep.Added)
	}

	ask := func(opts briefbot.AskOptions) []string {
		opts.K = 10
		ans, err := ix.Ask(context.Background(), "zeppelin regatta", opts)
		if err != nil {
			t.Fatal(err)
		}
		return articleIDs(ans.Passages)
	}
	search := func(f briefbot.SearchFilters) []string {
		return articleIDs(srch(t, ix, "zeppelin regatta", f, 1, 10).Passages)
	}
	now := []string{"past", "tomorrow"}
	all := []string{"f", "past", "tomorrow"}
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"ask", ask(briefbot.AskOptions{}), now},
		{"ask as of 2099-01-01", ask(briefbot.AskOptions{AsOf: day("2099-01-01")}), all},
		{"search", search(briefbot.SearchFilters{}), now},
		{"search until 2099-01-01", search(briefbot.SearchFilters{Until: day("2099-01-01")}), all},
		{"search since 2099-01-01", search(briefbot.SearchFilters{Since: day("2099-01-01")}), []string{"f"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: articles %v, want %v", c.name, c.got, c.want)
		}
	}
	// Nothing but the future article holds "centenary": no filter was
	// given, so the reason is not "with those filters".
	if sp := srch(t, ix, "centenary", briefbot.SearchFilters{}, 1, 5); sp.Total != 0 || sp.NoMatch != briefbot.NothingMatched {
		t.Errorf("centenary: total %d, reason %v; want 0, NothingMatched", sp.Total, sp.NoMatch)
	}
	sum, err := ix.Summary(context.Background(), briefbot.SummaryRequest{Day: day("2099-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Points) == 0 || sum.Points[0].Article.ID != "f" {
		t.Errorf("summary of 2099-01-01: %+v, want article f", sum)
	}
}

// articleIDs are the distinct article ids of passages, sorted.
func articleIDs(ps []briefbot.Passage) []string {
	var out []string
	for _, p := range ps {
		if !slices.Contains(out, p.Article.ID) {
			out = append(out, p.Article.ID)
		}
	}
	slices.Sort(out)
	return out
}
