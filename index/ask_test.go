package index

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

func ask(t *testing.T, ix *Index, q string, opts briefbot.AskOptions) briefbot.Answer {
	t.Helper()
	ans, err := ix.Ask(context.Background(), q, opts)
	if err != nil {
		t.Fatalf("Ask(%q): %v", q, err)
	}
	for _, p := range ans.Passages {
		if p.Answer != "" && !strings.Contains(p.Text, p.Answer) {
			t.Errorf("Ask(%q): answer %q is not part of %q", q, p.Answer, p.Text)
		}
		if p.ID != briefbot.ParagraphID(p.Article.ID, p.Paragraph) {
			t.Errorf("passage id %q vs article %q ¶%d", p.ID, p.Article.ID, p.Paragraph)
		}
	}
	if len(ans.Passages) == 0 && ans.NoMatch == briefbot.Matched {
		t.Errorf("Ask(%q): no passages and no reason", q)
	}
	return ans
}

func TestAskAnswersWithCitationAndSentence(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	ans := ask(t, ix, "When will the President sign the budget bill?", briefbot.AskOptions{})
	if len(ans.Passages) == 0 {
		t.Fatalf("no passages: %+v", ans)
	}
	p := ans.Passages[0]
	if p.ID != "budget#2" || p.Paragraph != 2 || p.Article.Title != "Senate passes budget" ||
		p.Article.Source != "cnn.com" || p.Article.Author != "John Doe" || p.Article.PublishedString() != "2026-03-05" ||
		p.Article.URL != "https://cnn.com/budget" || p.Score <= 0 {
		t.Errorf("first passage %+v", p)
	}
	if p.Answer != "The White House said the President would sign the bill on Friday." {
		t.Errorf("answer sentence %q", p.Answer)
	}
	if ans.Articles != len(testArticles()) || ans.NoMatch != briefbot.Matched || ans.Query == "" {
		t.Errorf("answer %+v", ans)
	}
}

func TestAskStems(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	// "postponing elections" vs "elections ... postponed".
	ans := ask(t, ix, "Why are they postponing the election?", briefbot.AskOptions{})
	if len(ans.Passages) == 0 || ans.Passages[0].ID != "kursk#2" {
		t.Fatalf("got %v", ids(ans.Passages))
	}
}

func TestAskCollapsesSyndicatedCopies(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	ans := ask(t, ix, "What was the Senate vote on the federal budget?", briefbot.AskOptions{K: 5})
	n := 0
	for _, p := range ans.Passages {
		if strings.HasPrefix(p.Text, "The Senate passed the federal budget") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the budget paragraph appears %d times: %v", n, ids(ans.Passages))
	}
}

func TestAskFilters(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	q := "moon base astronauts"
	// Default as-of is Options.Now (2026-03-10): the April article is future.
	if ans := ask(t, ix, q, briefbot.AskOptions{}); len(ans.Passages) != 0 {
		t.Errorf("future article quoted: %v", ids(ans.Passages))
	}
	if ans := ask(t, ix, q, briefbot.AskOptions{AsOf: day("2026-04-01")}); len(ans.Passages) != 1 {
		t.Errorf("as of its day: %v", ids(ans.Passages))
	}
	// AsOf counts the whole day, in its own zone.
	late := time.Date(2026, 4, 1, 0, 30, 0, 0, time.FixedZone("X", 3600))
	if ans := ask(t, ix, q, briefbot.AskOptions{AsOf: late}); len(ans.Passages) != 1 {
		t.Errorf("as of its day (zoned): %v", ids(ans.Passages))
	}
	if ans := ask(t, ix, q, briefbot.AskOptions{AsOf: day("2026-03-31")}); len(ans.Passages) != 0 {
		t.Errorf("as of the day before: %v", ids(ans.Passages))
	}

	budget := "Senate federal budget vote"
	ans := ask(t, ix, budget, briefbot.AskOptions{Source: "WIRE.com"})
	if len(ans.Passages) == 0 {
		t.Errorf("source filter: nothing")
	}
	for _, p := range ans.Passages {
		if p.Article.ID != "budget-copy" {
			t.Errorf("source filter: %v", ids(ans.Passages))
		}
	}
	if ans := ask(t, ix, budget, briefbot.AskOptions{Since: day("2026-03-06")}); len(ans.Passages) != 0 {
		t.Errorf("since filter: %v", ids(ans.Passages))
	}
	// Undated articles: kept under an as-of limit, dropped by since.
	ash := "volcanic ash flights"
	if ans := ask(t, ix, ash, briefbot.AskOptions{}); len(ans.Passages) != 1 {
		t.Errorf("undated article under as-of: %v", ids(ans.Passages))
	}
	if ans := ask(t, ix, ash, briefbot.AskOptions{Since: day("2000-01-01")}); len(ans.Passages) != 0 {
		t.Errorf("undated article under since: %v", ids(ans.Passages))
	}
	if ans := ask(t, ix, budget, briefbot.AskOptions{K: 1}); len(ans.Passages) != 1 {
		t.Errorf("K=1: %v", ids(ans.Passages))
	}
}

func TestAskSaysWhenNothingAnswers(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	for _, q := range []string{
		"quantum chromodynamics gluon confinement",
		"What did the zebra eat for breakfast in Uzbekistan yesterday?",
	} {
		ans := ask(t, ix, q, briefbot.AskOptions{})
		if len(ans.Passages) != 0 {
			t.Errorf("Ask(%q) = %v, want nothing", q, ids(ans.Passages))
		}
		if ans.NoMatch != briefbot.NothingMatched || ans.Articles != 6 {
			t.Errorf("reason %v in %d articles, want %v in 6", ans.NoMatch, ans.Articles, briefbot.NothingMatched)
		}
	}
	ans := ask(t, ix, "what is the of and?", briefbot.AskOptions{})
	if len(ans.Passages) != 0 || ans.NoMatch != briefbot.NoContentWords {
		t.Errorf("stop words only: %+v", ans)
	}
}

// badQueries are inputs that must never error, hang or crash.
var badQueries = []string{
	"", "   ", "?!.,;", "*", "?*", "/.*/", `"`, `"unbalanced quote`, `-`, `--x`, `+-x`, `a:b:c`,
	`+ - : ^ ~ * ? \ / " ( )`, `title:budget`, `budget^99`, `budget~2`, `(senate AND budget) OR "white house`,
	`/[a-z]{1,300}/`, "a* b* c* d*", "\x00\u202e\u200bbudget\xff", "🗳️ budget", "-budget",
	strings.Repeat("budget senate vote ", 270)[:5000],
	strings.Repeat(`+-:^~*?\/"() `, 400),
	gibberish(40), // long words in no paragraph, each a spelling search
}

// gibberish is n distinct 10-letter words that no text holds.
func gibberish(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "s%cq%czvkwjx ", 'a'+i%26, 'a'+i/26)
	}
	return b.String()
}

func TestAskBadQueries(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	for _, q := range badQueries {
		start := time.Now()
		ans := ask(t, ix, q, briefbot.AskOptions{})
		if d := time.Since(start); d > time.Second {
			t.Errorf("Ask(%.40q) took %v", q, d)
		}
		_ = ans
	}
}

// TestAskScoresDoNotDependOnSegments: the same index as many segments and
// merged into one ranks and scores alike (BM25 statistics are pinned).
func TestAskScoresDoNotDependOnSegments(t *testing.T) {
	old := batchDocs
	batchDocs = 1
	t.Cleanup(func() { batchDocs = old })
	ix := newTestIndex(t)
	for _, a := range testArticles() {
		upsert(t, ix, a) // one Bleve batch, so one segment, each
	}
	q := "When will the President sign the federal budget bill?"
	before := ask(t, ix, q, briefbot.AskOptions{K: 5})
	ix.compact()
	after := ask(t, ix, q, briefbot.AskOptions{K: 5})
	if len(before.Passages) == 0 || len(before.Passages) != len(after.Passages) {
		t.Fatalf("before %v after %v", ids(before.Passages), ids(after.Passages))
	}
	for i := range before.Passages {
		b, a := before.Passages[i], after.Passages[i]
		if b.ID != a.ID || math.Abs(b.Score-a.Score) > 1e-9 {
			t.Errorf("rank %d: %s %.6f before, %s %.6f merged", i+1, b.ID, b.Score, a.ID, a.Score)
		}
	}
}
