package index

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

func TestParseKeywords(t *testing.T) {
	for in, want := range map[string][]kwToken{
		`budget "white house" -defense`: {{text: "budget"}, {text: "white house", phrase: true}, {text: "defense", exclude: true}},
		`-"prime minister" vote`:        {{text: "prime minister", phrase: true, exclude: true}, {text: "vote"}},
		`"unbalanced quote`:             {{text: "unbalanced quote", phrase: true}},
		`a - b --c`:                     {{text: "a"}, {text: "b"}, {text: "-c", exclude: true}},
		`“smart quotes” x`:              {{text: "smart quotes", phrase: true}, {text: "x"}},
		`word"glued"`:                   {{text: "word"}, {text: "glued", phrase: true}},
		``:                              nil,
		`   `:                           nil,
	} {
		if got := parseKeywords(in); !reflect.DeepEqual(got, want) {
			t.Errorf("parseKeywords(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func srch(t *testing.T, ix *Index, kw string, f briefbot.SearchFilters, page, size int) briefbot.SearchPage {
	t.Helper()
	sp, err := ix.Search(context.Background(), kw, f, page, size)
	if err != nil {
		t.Fatalf("Search(%q): %v", kw, err)
	}
	if sp.Total == 0 && sp.NoMatch == briefbot.Matched {
		t.Errorf("Search(%q): nothing and no reason", kw)
	}
	for _, p := range sp.Passages {
		for _, h := range p.Highlights {
			plain := strings.NewReplacer(briefbot.HighlightStart, "", briefbot.HighlightEnd, "").Replace(h)
			plain = strings.TrimSuffix(strings.TrimPrefix(plain, "…"), "…") // marks of a cut sentence
			if !strings.Contains(p.Text, plain) {
				t.Errorf("highlight %q is not a fragment of %q", h, p.Text)
			}
		}
	}
	return sp
}

func TestSearchPhrasesExclusionsHighlights(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	sp := srch(t, ix, `"white house" president`, briefbot.SearchFilters{}, 1, 5)
	if sp.Total != 1 || len(sp.Passages) != 1 || sp.Passages[0].ID != "budget#2" {
		t.Fatalf("phrase search: %+v", sp)
	}
	want := "The " + briefbot.HighlightStart + "White House" + briefbot.HighlightEnd + " said the " +
		briefbot.HighlightStart + "President" + briefbot.HighlightEnd + " would sign the bill on Friday. Critics called it reckless."
	if h := sp.Passages[0].Highlights; len(h) != 1 || h[0] != want {
		t.Errorf("highlights %q, want %q", h, want)
	}
	if p := sp.Passages[0]; p.Article.Title != "Senate passes budget" || p.Paragraph != 2 {
		t.Errorf("citation %+v", p)
	}
	// Words stem; all must match.
	if sp := srch(t, ix, "passes senates", briefbot.SearchFilters{}, 1, 5); sp.Total != 1 {
		t.Errorf("stemmed AND: %d %v", sp.Total, ids(sp.Passages))
	}
	if sp := srch(t, ix, "senate moon", briefbot.SearchFilters{}, 1, 5); sp.Total != 0 || sp.NoMatch == briefbot.Matched {
		t.Errorf("AND of unrelated words: %+v", sp)
	}
	// "white" alone is in budget#2 only; the phrase in the wrong order matches nothing.
	if sp := srch(t, ix, `"house white"`, briefbot.SearchFilters{}, 1, 5); sp.Total != 0 {
		t.Errorf("reversed phrase: %v", ids(sp.Passages))
	}
	// Exclusions.
	if sp := srch(t, ix, "budget -wire", briefbot.SearchFilters{}, 1, 5); sp.Total != 1 {
		t.Errorf("budget: %d", sp.Total)
	}
	sp = srch(t, ix, `senate -"federal budget"`, briefbot.SearchFilters{}, 1, 5)
	if sp.Total != 0 {
		t.Errorf("excluded phrase: %v", ids(sp.Passages))
	}
	for _, q := range []string{"-budget", `-"white house"`, "- -", "the of", "!!!"} {
		sp := srch(t, ix, q, briefbot.SearchFilters{}, 1, 5)
		if sp.Total != 0 || len(sp.Passages) != 0 || sp.NoMatch == briefbot.Matched {
			t.Errorf("Search(%q) = %+v, want nothing and a reason", q, sp)
		}
	}
	if sp := srch(t, ix, "-budget", briefbot.SearchFilters{}, 1, 5); sp.NoMatch != briefbot.OnlyExclusions {
		t.Errorf("reason for exclusions only: %v", sp.NoMatch)
	}
}

func TestSearchFilters(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	kw := "senate budget"
	for _, c := range []struct {
		f    briefbot.SearchFilters
		want int
	}{
		{briefbot.SearchFilters{}, 1}, // the wire copy collapses into cnn's
		{briefbot.SearchFilters{Source: "wire.com"}, 1},
		{briefbot.SearchFilters{Source: "CNN.COM"}, 1},
		{briefbot.SearchFilters{Source: "bbc.com"}, 0},
		{briefbot.SearchFilters{Author: "john doe"}, 1},
		{briefbot.SearchFilters{Author: "John"}, 0},                                     // exact, not partial
		{briefbot.SearchFilters{Since: day("2026-03-05"), Until: day("2026-03-05")}, 1}, // inclusive days
		{briefbot.SearchFilters{Since: day("2026-03-06")}, 0},
		{briefbot.SearchFilters{Until: day("2026-03-04")}, 0},
		{briefbot.SearchFilters{Until: time.Date(2026, 3, 5, 23, 59, 0, 0, time.UTC)}, 1},
		{briefbot.SearchFilters{Since: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Hour), Until: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, 1},
	} {
		sp := srch(t, ix, kw, c.f, 1, 5)
		if sp.Total != c.want {
			t.Errorf("filters %+v: total %d %v, want %d", c.f, sp.Total, ids(sp.Passages), c.want)
		}
		if c.want == 0 && sp.NoMatch != briefbot.NothingWithFilters {
			t.Errorf("filters %+v: reason %v", c.f, sp.NoMatch)
		}
	}
}

func TestSearchPaging(t *testing.T) {
	ix := newTestIndex(t)
	var paras []string
	for i := 1; i <= 12; i++ {
		paras = append(paras, fmt.Sprintf("Harbour report number %d: the ferry ran %d minutes late.", i, i))
	}
	paras = append(paras, paras[0]) // an exact repeat inside the article
	upsert(t, ix, art("harbour", "port.example", "", "2026-03-01", "Harbour log", paras...))
	seen := map[string]bool{}
	for page := 1; page <= 3; page++ {
		sp := srch(t, ix, "ferry", briefbot.SearchFilters{}, page, 5)
		if sp.Total != 12 || sp.Page != page || sp.PageSize != 5 {
			t.Errorf("page %d: total %d page %d size %d", page, sp.Total, sp.Page, sp.PageSize)
		}
		want := []int{5, 5, 2}[page-1]
		if len(sp.Passages) != want {
			t.Errorf("page %d: %d passages, want %d", page, len(sp.Passages), want)
		}
		for _, p := range sp.Passages {
			if seen[p.ID] {
				t.Errorf("page %d repeats %s", page, p.ID)
			}
			seen[p.ID] = true
		}
	}
	sp := srch(t, ix, "ferry", briefbot.SearchFilters{}, 9, 5)
	if sp.Total != 12 || len(sp.Passages) != 0 {
		t.Errorf("page past the end: %+v", sp)
	}
	sp = srch(t, ix, "ferry", briefbot.SearchFilters{}, 0, 0)
	if sp.Page != 1 || sp.PageSize != searchDefaultPageSize || len(sp.Passages) != 5 {
		t.Errorf("defaults: page %d size %d, %d passages", sp.Page, sp.PageSize, len(sp.Passages))
	}
}

func TestSearchBadQueries(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	for _, q := range badQueries {
		start := time.Now()
		sp := srch(t, ix, q, briefbot.SearchFilters{}, 1, 5)
		if d := time.Since(start); d > time.Second {
			t.Errorf("Search(%.40q) took %v", q, d)
		}
		// Wildcards and regexps are literal text: they never match everything.
		if q == "*" || q == "?*" || q == "/.*/" || q == "-budget" {
			if sp.Total != 0 {
				t.Errorf("Search(%q) matched %d", q, sp.Total)
			}
		}
	}
}

func TestHighlightLongText(t *testing.T) {
	text := strings.Repeat("filler words here ", 40) + "the ferry sank " + strings.Repeat("more filler text ", 40) + "a second ferry"
	i := strings.Index(text, "ferry")
	j := strings.LastIndex(text, "ferry")
	hs := highlight(text, []span{{i, i + 5}, {j, j + 5}})
	if len(hs) != 2 {
		t.Fatalf("fragments %q", hs)
	}
	for _, h := range hs {
		if !strings.Contains(h, briefbot.HighlightStart+"ferry"+briefbot.HighlightEnd) || len(h) > fragmentBytes+40 {
			t.Errorf("fragment %q", h)
		}
	}
	if hs := highlight("short text", nil); len(hs) != 1 || hs[0] != "short text" {
		t.Errorf("no spans: %q", hs)
	}
	// Out-of-range spans are ignored rather than panicking.
	if hs := highlight("abc", []span{{2, 10}}); len(hs) != 1 {
		t.Errorf("bad span: %q", hs)
	}
}

// TestDateFilterEdges checks the keyword date filter against the exact
// instants, for ranges that cut UTC days and months.
func TestDateFilterEdges(t *testing.T) {
	ix := newTestIndex(t)
	var arts []briefbot.Article
	for _, p := range []string{"2026-01-31T23:30:00Z", "2026-02-01T00:00:00Z", "2026-02-01T12:00:00Z", "2026-02-15T08:00:00Z", "2026-02-28T23:59:00Z", "2026-03-01T00:00:00Z"} {
		ts, _ := time.Parse(time.RFC3339, p)
		a := art("a"+p, "s.example", "", "", "T", "Lighthouse report from "+p)
		a.Published = ts
		arts = append(arts, a)
	}
	upsert(t, ix, arts...)
	zone := time.FixedZone("X", -5*3600)
	for _, c := range []struct {
		since, until time.Time
	}{
		{day("2026-02-01"), day("2026-02-28")},
		{day("2026-02-01"), time.Time{}},
		{time.Time{}, day("2026-02-01")},
		{time.Date(2026, 2, 1, 0, 0, 0, 0, zone), time.Date(2026, 2, 28, 0, 0, 0, 0, zone)},
		{time.Date(2026, 1, 31, 0, 0, 0, 0, zone), time.Date(2026, 1, 31, 0, 0, 0, 0, zone)},
		{day("2026-03-02"), time.Time{}},
	} {
		from, to := time.Time{}, time.Time{}
		if !c.since.IsZero() {
			from = dayStart(c.since)
		}
		if !c.until.IsZero() {
			to = nextDay(c.until)
		}
		want := 0
		for _, a := range arts {
			if (from.IsZero() || !a.Published.Before(from)) && (to.IsZero() || a.Published.Before(to)) {
				want++
			}
		}
		sp := srch(t, ix, "lighthouse", briefbot.SearchFilters{Since: c.since, Until: c.until}, 1, 10)
		if sp.Total != want {
			t.Errorf("since %v until %v: %d hits %v, want %d", c.since, c.until, sp.Total, ids(sp.Passages), want)
		}
	}
}

// TestNoOpDateFilterDropped: an "as of" limit after every article adds no
// filter (it would only cost time); one inside the corpus does.
func TestNoOpDateFilterDropped(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	man := ix.snapshot()
	if q := (filter{to: day("2026-04-02")}).query(man); q != nil {
		t.Errorf("as of after the latest article: filter %#v", q)
	}
	if q := (filter{to: day("2026-04-01")}).query(man); q == nil {
		t.Error("as of before the latest article: no filter")
	}
	if q := (filter{from: day("2026-03-01"), to: day("2030-01-01")}).query(man); q == nil {
		t.Error("since: no filter")
	}
}

// TestHighlightEllipsis: a fragment that cuts a sentence says so with "…"
// on the cut side; one that starts or ends where a sentence (or the text)
// does has none there.
func TestHighlightEllipsis(t *testing.T) {
	mark := func(s string) string { return briefbot.HighlightStart + s + briefbot.HighlightEnd }
	long := "The harbour master said " + strings.Repeat("that the tide and the wind ", 12) + "kept the ferry in port on Monday " + strings.Repeat("while the passengers waited ", 12) + "for news."
	at := func(text, word string) []span {
		i := strings.Index(text, word)
		return []span{{i, i + len(word)}}
	}
	for _, c := range []struct {
		name, text string
		ss         []span
		wantStart  bool // "…" before
		wantEnd    bool // "…" after
		wantIn     string
	}{
		{"whole paragraph", "The ferry sank. Nobody was hurt.", at("The ferry sank. Nobody was hurt.", "ferry"), false, false, "The " + mark("ferry") + " sank. Nobody was hurt."},
		{"middle of a long sentence", long, at(long, "ferry"), true, true, "kept the " + mark("ferry") + " in port"},
		{"start of a long sentence", "Ferry " + long, at("Ferry "+long, "Ferry"), false, true, mark("Ferry") + " The harbour"},
		{"last sentence whole", strings.Repeat("Filler words fill the harbour report today. ", 8) + "The ferry sank.", at(strings.Repeat("Filler words fill the harbour report today. ", 8)+"The ferry sank.", "ferry"), true, false, mark("ferry") + " sank."},
		{"no match, long", long, nil, false, true, "The harbour master said"},
		{"no match, short", "Calm seas.", nil, false, false, "Calm seas."},
	} {
		hs := highlight(c.text, c.ss)
		if len(hs) != 1 {
			t.Fatalf("%s: fragments %q", c.name, hs)
		}
		h := hs[0]
		if strings.HasPrefix(h, "…") != c.wantStart || strings.HasSuffix(h, "…") != c.wantEnd || !strings.Contains(h, c.wantIn) {
			t.Errorf("%s: fragment %q; want ellipsis before %v, after %v, holding %q", c.name, h, c.wantStart, c.wantEnd, c.wantIn)
		}
	}
}
