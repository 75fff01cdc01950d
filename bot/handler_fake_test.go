package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/briefbot/briefbot"
)

// fakeEngine is an in-memory Engine over a handful of articles. Its
// retrieval is deliberately simple (word overlap) but honours every option
// the handler passes, so tests see the handler's use of the API.
type fakeEngine struct {
	mu       sync.Mutex
	articles []briefbot.Article // the shared space
	servers  []fakeArticle      // the servers' spaces
	err      error              // returned by every method when set
	panicMsg string
	lastAsk  briefbot.AskOptions
	lastQ    string
	lastF    briefbot.SearchFilters
	asks     int
	// respelled is returned as every answer's and search page's Respelled,
	// as the index reports the words it looked for by their nearest
	// spelling.
	respelled []string
}

var errEngine = errors.New("fake engine failure")

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f)
	})
}

var stop = map[string]bool{"the": true, "a": true, "of": true, "in": true, "what": true, "is": true, "and": true, "to": true, "did": true, "how": true, "happened": true}

// fakeArticle is an article with its space; its Ref says the space, as the
// index's references do.
type fakeArticle struct {
	briefbot.Article
	Space string
}

func (a fakeArticle) Ref() briefbot.ArticleRef {
	r := a.Article.Ref()
	r.Space = a.Space
	return r
}

// visible lists the articles sc sees, as the index filters by space: the
// shared space (f.articles), plus the space of sc's server.
func (f *fakeEngine) visible(sc briefbot.Scope) []fakeArticle {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeArticle
	for _, a := range f.articles {
		out = append(out, fakeArticle{a, briefbot.SharedSpace})
	}
	for _, a := range f.servers {
		if sc.Sees(a.Space) {
			out = append(out, a)
		}
	}
	return out
}

// upsert puts arts into a server's space, replacing that space's copy of
// the same id only, as the index does.
func (f *fakeEngine) upsert(space string, arts []briefbot.Article) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range arts {
		f.servers = slices.DeleteFunc(f.servers, func(b fakeArticle) bool { return b.ID == a.ID && b.Space == space })
		f.servers = append(f.servers, fakeArticle{a, space})
	}
}

func (f *fakeEngine) check() error {
	if f.panicMsg != "" {
		panic(f.panicMsg)
	}
	return f.err
}

func (f *fakeEngine) Ask(ctx context.Context, q string, opts briefbot.AskOptions) (briefbot.Answer, error) {
	f.mu.Lock()
	f.lastAsk, f.lastQ = opts, q
	f.asks++
	f.mu.Unlock()
	if err := f.check(); err != nil {
		return briefbot.Answer{}, err
	}
	k := opts.K
	if k == 0 {
		k = 3
	}
	var qw []string
	for _, w := range words(q) {
		if !stop[w] {
			qw = append(qw, w)
		}
	}
	type hit struct {
		p     briefbot.Passage
		score int
		order int
	}
	var hits []hit
	arts := f.visible(opts.Scope)
	for ai, a := range arts {
		if opts.Source != "" && a.Source != opts.Source {
			continue
		}
		if !opts.Since.IsZero() && a.Published.Before(opts.Since) {
			continue
		}
		for pi, p := range a.Paragraphs {
			pw := map[string]bool{}
			for _, w := range words(p.Text) {
				pw[w] = true
			}
			score := 0
			for _, w := range qw {
				if pw[w] {
					score++
				}
			}
			if score == 0 {
				continue
			}
			answer := ""
			for _, s := range corpusSentences(p.Text) {
				sw := strings.Join(words(s), " ")
				for _, w := range qw {
					if strings.Contains(" "+sw+" ", " "+w+" ") {
						answer = s
						break
					}
				}
				if answer != "" {
					break
				}
			}
			hits = append(hits, hit{briefbot.Passage{
				Article: a.Ref(), Paragraph: p.N, ID: p.Key(a.ID), Text: p.Text, Answer: answer, Score: float64(score),
			}, score, ai*1000 + pi})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].order < hits[j].order
	})
	ans := briefbot.Answer{Query: q, Articles: len(arts), Respelled: f.respelled}
	for _, h := range hits {
		if len(ans.Passages) == k {
			break
		}
		ans.Passages = append(ans.Passages, h.p)
	}
	return ans, nil
}

// corpusSentences is a naive splitter, good enough for the fake.
func corpusSentences(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.Index(text, ". ")
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+2:]
	}
	return out
}

func (f *fakeEngine) Search(ctx context.Context, q string, flt briefbot.SearchFilters, page, size int) (briefbot.SearchPage, error) {
	f.mu.Lock()
	f.lastQ, f.lastF = q, flt
	f.mu.Unlock()
	if err := f.check(); err != nil {
		return briefbot.SearchPage{}, err
	}
	qw := map[string]bool{}
	for _, w := range words(q) {
		qw[w] = true
	}
	var all []briefbot.Passage
	for _, a := range f.visible(flt.Scope) {
		if flt.Source != "" && a.Source != flt.Source || flt.Author != "" && a.Author != flt.Author {
			continue
		}
		if !flt.Since.IsZero() && a.Published.Before(flt.Since) || !flt.Until.IsZero() && a.Published.After(flt.Until.AddDate(0, 0, 1)) {
			continue
		}
		for _, p := range a.Paragraphs {
			var b strings.Builder
			found := false
			for i, tok := range strings.Split(p.Text, " ") {
				if i > 0 {
					b.WriteByte(' ')
				}
				if ws := words(tok); len(ws) == 1 && qw[ws[0]] {
					found = true
					b.WriteString(briefbot.HighlightStart + tok + briefbot.HighlightEnd)
				} else {
					b.WriteString(tok)
				}
			}
			if found {
				all = append(all, briefbot.Passage{Article: a.Ref(), Paragraph: p.N, ID: p.Key(a.ID), Text: p.Text, Highlights: []string{b.String()}})
			}
		}
	}
	res := briefbot.SearchPage{Query: q, Total: len(all), Page: page, PageSize: size, Respelled: f.respelled}
	from := (page - 1) * size
	if from < len(all) {
		res.Passages = all[from:min(from+size, len(all))]
	}
	if res.Total == 0 {
		res.NoMatch = briefbot.NothingMatched // as the index says it
		flt.Scope = briefbot.Scope{}          // not a filter the user chose
		if flt != (briefbot.SearchFilters{}) {
			res.NoMatch = briefbot.NothingWithFilters
		}
	}
	return res, nil
}

func (f *fakeEngine) Summary(ctx context.Context, req briefbot.SummaryRequest) (briefbot.Summary, error) {
	if err := f.check(); err != nil {
		return briefbot.Summary{}, err
	}
	loc := req.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := req.Day.In(loc).Date()
	var sum briefbot.Summary
	for _, a := range f.visible(req.Scope) {
		if a.Published.IsZero() {
			continue
		}
		ay, am, ad := a.Published.In(loc).Date()
		if ay != y || am != m || ad != d {
			continue
		}
		sum.Articles++
		sum.Stories = append(sum.Stories, briefbot.Story{Title: a.Title, Articles: []string{a.ID}})
		for _, p := range a.Paragraphs[:min(2, len(a.Paragraphs))] {
			s := corpusSentences(p.Text)[0]
			sum.Points = append(sum.Points, briefbot.Point{Article: a.Ref(), Paragraph: p.N, ID: p.ID(a.ID), Text: s, Story: len(sum.Stories) - 1})
		}
	}
	if len(sum.Points) == 0 {
		sum.NoMatch, sum.First, sum.Last = briefbot.NoArticlesThen, req.Day, req.Day
	}
	return sum, nil
}

func (f *fakeEngine) Sources(ctx context.Context, sc briefbot.Scope) ([]briefbot.SourceInfo, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	by := map[string]*briefbot.SourceInfo{}
	var order []string
	for _, a := range f.visible(sc) {
		s := by[a.Source]
		if s == nil {
			s = &briefbot.SourceInfo{Source: a.Source}
			by[a.Source] = s
			order = append(order, a.Source)
		}
		s.Articles++
		if a.Published.After(s.Latest) {
			s.Latest = a.Published
		}
	}
	out := make([]briefbot.SourceInfo, 0, len(order))
	for _, k := range order {
		out = append(out, *by[k])
	}
	return out, nil
}

func (f *fakeEngine) Days(ctx context.Context, sc briefbot.Scope, loc *time.Location, limit int) ([]time.Time, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	seen := map[string]time.Time{}
	for _, a := range f.visible(sc) {
		if a.Published.IsZero() {
			continue
		}
		t := a.Published.In(loc)
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		seen[day.Format(time.DateOnly)] = day
	}
	var days []time.Time
	for _, d := range seen {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].After(days[j]) })
	if len(days) > limit {
		days = days[:limit]
	}
	return days, nil
}

func (f *fakeEngine) Paragraphs(ctx context.Context, sc briefbot.Scope, space, id string) (briefbot.Article, error) {
	if err := f.check(); err != nil {
		return briefbot.Article{}, err
	}
	for _, a := range f.visible(sc) {
		if a.ID == id && a.Space == space {
			return a.Article, nil
		}
	}
	return briefbot.Article{}, fmt.Errorf("%w: %q", briefbot.ErrNotFound, id) // as the index answers
}

func (f *fakeEngine) Stats(ctx context.Context, sc briefbot.Scope) (briefbot.Stats, error) {
	if err := f.check(); err != nil {
		return briefbot.Stats{}, err
	}
	arts := f.visible(sc)
	st := briefbot.Stats{Articles: len(arts), Bytes: 3 << 20}
	if sc.Server != "" {
		st.Bytes = 0 // as the index reports a server's scope
	}
	for _, a := range arts {
		st.Paragraphs += len(a.Paragraphs)
	}
	return st, nil
}

// testClock is a settable clock for the handler under test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testZone is the zone of the test handler: a fixed zone, so tests do not
// depend on the machine's tzdata.
var testZone = time.FixedZone("CET", 3600)

// testNow is the handler's "now" in tests: Monday 10 March 2025, 12:00 CET.
var testNow = time.Date(2025, 3, 10, 12, 0, 0, 0, testZone)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, testZone) }

func para(n int, text string) briefbot.Paragraph { return briefbot.Paragraph{N: n, Text: text} }

// mentionText is quoted corpus text that tries to ping and to format.
const mentionText = "Residents shouted @everyone <@&123> **bold** ||spoiler|| at the council meeting. " +
	"Others wrote <@456> and <@!789> in <#42>, ran </ask:1>, set <t:1700000000:R>, pinged @here, " +
	"and posted [click here](https://evil.example/x) with `code`, ~~strike~~, __under__ and _it_."

// testArticles is the fake engine's corpus.
func testArticles() []briefbot.Article {
	return []briefbot.Article{
		{
			ID: "world/kursk", Title: "Ukraine's Kursk incursion enters its second week", Author: "Jane Doe",
			Source: "example-news.com", URL: "https://example-news.com/world/kursk", Published: day(2025, 3, 10),
			Paragraphs: []briefbot.Paragraph{
				para(1, "Ukrainian forces pushed deeper into the Kursk region on Sunday. Officials in Moscow said the situation was under control."),
				para(2, "The incursion, the largest into Russian territory since the war began, has displaced more than 100,000 people. Kursk residents described long queues for buses."),
				para(4, "Analysts said the Kursk operation was meant to force Russia to move troops from the east. The Kremlin has not commented."),
			},
		},
		{
			ID: "tech/chips", Title: "New export rules for chips", Author: "Sam Lee",
			Source: "techwire.example", URL: "https://techwire.example/chips?id=7", Published: day(2025, 3, 9),
			Paragraphs: []briefbot.Paragraph{
				para(1, "The government announced new export rules for advanced chips on Saturday. The rules take effect in April."),
				para(2, "Chip makers warned the rules could cost them billions in sales to Kursk-adjacent regions and elsewhere."),
			},
		},
		{
			ID: "local/council", Title: "Council meeting **notes** @here", Author: "<@999>",
			Source: "example-news.com", URL: "https://example-news.com/local/council", Published: day(2025, 3, 10),
			Paragraphs: []briefbot.Paragraph{
				para(1, "The council met on Monday to discuss the new bus lanes."),
				para(2, mentionText),
			},
		},
		{
			ID: "asia/typhoon", Title: "台風10号が九州に上陸 🌀", Author: "山田太郎",
			Source: "asahi.example", URL: "https://asahi.example/typhoon", Published: day(2025, 3, 3),
			Paragraphs: []briefbot.Paragraph{
				para(1, "台風10号は日曜日に九州に上陸した。🌀🌀 気象庁は大雨特別警報を発表した。 Typhoon Shanshan made landfall in Kyushu."),
			},
		},
		{
			ID: "undated/no-title", Source: "", URL: "javascript:alert(1)",
			Paragraphs: []briefbot.Paragraph{para(1, "A typhoon warning without a date or title, about Kyushu.")},
		},
	}
}

// fakeFetcher and fakeAdmin serve /ingest and /reindex in tests.
type fakeFetcher struct {
	arts []briefbot.Article
	err  error
	got  string
}

func (f *fakeFetcher) Fetch(ctx context.Context, url string) ([]briefbot.Article, error) {
	f.got = url
	return f.arts, f.err
}

// fakeAdmin records what /ingest and /reindex asked for; with eng set, the
// articles /ingest adds go into that engine, in the server's space.
type fakeAdmin struct {
	mu      sync.Mutex
	added   []briefbot.Article
	servers []string // the server of each AddArticles call
	reindex int
	eng     *fakeEngine
}

func (a *fakeAdmin) AddArticles(ctx context.Context, server string, arts []briefbot.Article) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.added = append(a.added, arts...)
	a.servers = append(a.servers, server)
	if a.eng != nil {
		a.eng.upsert(server, arts)
	}
	return "added 1 article (2 paragraphs)", nil
}

func (a *fakeAdmin) Reindex(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reindex++
	return "5 articles unchanged, 0 added", nil
}

func (a *fakeAdmin) reindexCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reindex
}
