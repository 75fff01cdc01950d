package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// testNow is the fixed "today" of test indexes.
var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// newTestIndex opens a fresh index on disk (never a memory-only one: that is
// a different Bleve backend) and closes it when the test ends.
func newTestIndex(t testing.TB) *Index {
	t.Helper()
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// art builds an article in memory; paragraphs are numbered from 1.
func art(id, source, author, published, title string, paras ...string) briefbot.Article {
	a := briefbot.Article{ID: id, Title: title, Author: author, Source: source,
		URL: "https://" + source + "/" + id}
	if published != "" {
		a.Published = day(published)
	}
	for i, p := range paras {
		a.Paragraphs = append(a.Paragraphs, briefbot.Paragraph{N: i + 1, Text: p})
	}
	return a
}

// testArticles is a small news corpus with known answers.
func testArticles() []briefbot.Article {
	return []briefbot.Article{
		art("kursk", "bbc.com", "Anna Smith", "2026-03-02", "Kursk offensive stalls",
			"The Kursk offensive stalled on Monday after heavy rains turned roads to mud.",
			"Officials said the elections in the region would be postponed until the autumn. Voters were told to wait.",
			"Subscribe to our newsletter for daily updates."),
		art("budget", "cnn.com", "John Doe", "2026-03-05", "Senate passes budget",
			"The Senate passed the federal budget on Thursday by a vote of 51 to 49.",
			"The White House said the President would sign the bill on Friday. Critics called it reckless.",
			"Spending on defense rises by four percent under the plan."),
		art("squid", "cnn.com", "Maria Lopez", "2026-03-08", "Netflix renews Squid Game",
			"Netflix has green lit a second season of Squid Game, its most watched show ever.",
			"The creator said the new season will follow the winner of the deadly games."),
		art("future", "bbc.com", "Anna Smith", "2026-04-01", "Moon base opens",
			"The first permanent moon base opened to astronauts from twelve countries."),
		art("nodate", "example.org", "", "", "Undated note",
			"Volcanic ash grounded flights across northern Europe for three days."),
		// A syndicated copy of the budget story's first paragraph.
		art("budget-copy", "wire.com", "Wire Staff", "2026-03-05", "Budget passes",
			"The Senate passed the federal budget on Thursday by a vote of 51 to 49!",
			"Analysts expect markets to react calmly."),
	}
}

func upsert(t testing.TB, ix *Index, arts ...briefbot.Article) IngestReport {
	t.Helper()
	rep, err := ix.Upsert(context.Background(), "", arts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// docCount is the number of paragraph documents Bleve holds.
func docCount(t testing.TB, ix *Index) int {
	t.Helper()
	n, err := ix.bl.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func ids(ps []briefbot.Passage) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func jsonlLine(id, published, title string, paras ...string) string {
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	ps := ""
	for i, p := range paras {
		if i > 0 {
			ps += ","
		}
		ps += q(p)
	}
	return fmt.Sprintf(`{"id":%s,"title":%s,"author":"A. Writer","published":%s,"source":"news.example","url":"https://news.example/%s","paragraphs":[%s]}`+"\n",
		q(id), q(title), q(published), id, ps)
}
