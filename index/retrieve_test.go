package index

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// bleveFirstStage is the query Ask's first stage stands in for, run by
// Bleve's own searchers: the rare terms as a required disjunction, the
// common ones as an optional one, and the filter.
func bleveFirstStage(t *testing.T, ix *Index, sts []stageTerm, f filter, n int) []firstHit {
	t.Helper()
	var all, rare, common []query.Query
	for _, st := range sts {
		if st.df == 0 {
			continue
		}
		all = append(all, termQuery(st.term, fText, 0))
		if st.common {
			common = append(common, termQuery(st.term, fText, 0))
		} else {
			rare = append(rare, termQuery(st.term, fText, 0))
		}
	}
	bq := bleve.NewBooleanQuery()
	if len(rare) > 0 && len(common) > 0 {
		bq.AddMust(bleve.NewDisjunctionQuery(rare...))
		bq.AddShould(bleve.NewDisjunctionQuery(common...))
	} else {
		bq.AddMust(bleve.NewDisjunctionQuery(all...))
	}
	if fq := f.query(ix.snapshot()); fq != nil {
		bq.AddFilter(fq)
	}
	res, err := ix.bl.SearchInContext(ix.scoring(context.Background()), bleve.NewSearchRequestOptions(bq, n, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	var out []firstHit
	for _, h := range res.Hits {
		out = append(out, firstHit{doc: h.IndexInternalID.Value(), score: h.Score})
	}
	return out
}

// TestFirstStageMatchesBleve checks that bm25Top finds the paragraphs, and
// gives them the scores, that Bleve's searchers give the same query: on an
// index of several segments with replaced documents, spanning more than one score
// blocks, with rare and common terms, and with date and source limits.
func TestFirstStageMatchesBleve(t *testing.T) {
	ix := newTestIndex(t)
	rng := rand.New(rand.NewPCG(1, 2))
	// A Zipf-like vocabulary: a few words in most paragraphs, many rare.
	vocab := make([]string, 400)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%03dx", i)
	}
	word := func() string { return vocab[int(math.Pow(rng.Float64(), 3)*float64(len(vocab)))] }
	sources := []string{"bbc.com", "cnn.com", "apnews.com"}
	makeArticle := func(i, rev int) briefbot.Article {
		var paras []string
		for p := 0; p < 12; p++ {
			ws := make([]string, 5+rng.IntN(30))
			for k := range ws {
				ws[k] = word()
			}
			paras = append(paras, strings.Join(ws, " ")+".")
		}
		published := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%60).Format(time.DateOnly)
		return art(fmt.Sprintf("a%d", i), sources[i%len(sources)], "", published, fmt.Sprintf("Article %d rev %d", i, rev), paras...)
	}
	// Three ingests make three segments at least; the second replaces some
	// articles, leaving deleted documents behind in the snapshot.
	for batch := 0; batch < 3; batch++ {
		var arts []briefbot.Article
		for i := batch * 200; i < (batch+1)*200; i++ {
			arts = append(arts, makeArticle(i, 0))
		}
		if batch == 1 {
			for i := 0; i < 200; i += 7 {
				arts = append(arts, makeArticle(i, 1))
			}
		}
		upsert(t, ix, arts...)
	}
	if n := docCount(t, ix); n <= blockDocs {
		t.Fatalf("only %d paragraphs: the test must span more than one score block", n)
	}

	r, err := ix.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	man := ix.snapshot()
	filters := []filter{
		{},
		{to: day("2026-01-20")},
		{from: day("2026-01-10"), to: day("2026-02-01")},
		{source: "CNN.com "},
	}
	for qi := 0; qi < 60; qi++ {
		var terms []string
		for k := 0; k < 1+rng.IntN(12); k++ {
			terms = append(terms, word())
		}
		terms = append(terms, "absentword") // in no paragraph: ignored by both
		f := filters[qi%len(filters)]
		sts, err := openTerms(context.Background(), r, dedupe(terms))
		if err != nil {
			t.Fatal(err)
		}
		keep, err := ix.admitted(context.Background(), r, man, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := bm25Top(context.Background(), sts, 40, keep)
		closeTerms(sts)
		if err != nil {
			t.Fatal(err)
		}
		sts, _ = openTerms(context.Background(), r, dedupe(terms))
		want := bleveFirstStage(t, ix, sts, f, 40)
		closeTerms(sts)
		if len(want) == 0 {
			t.Fatalf("question %d %v: Bleve found nothing; the test corpus is too sparse", qi, terms)
		}
		if len(got) != len(want) {
			t.Fatalf("question %d %v %+v: %d hits, Bleve %d", qi, terms, f, len(got), len(want))
		}
		for i := range want {
			if got[i].doc != want[i].doc || math.Abs(got[i].score-want[i].score) > 1e-9*want[i].score {
				t.Fatalf("question %d %v %+v, hit %d: got doc %d score %.12f, Bleve doc %d score %.12f",
					qi, terms, f, i, got[i].doc, got[i].score, want[i].doc, want[i].score)
			}
		}
	}
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// TestAskWhileIngesting runs questions, with and without a date limit, on
// several goroutines while articles are upserted: the first stage's shared
// parts (the per-snapshot article table, the score blocks, the title cache)
// must hold up under the race detector, and every answer must quote a
// committed article.
func TestAskWhileIngesting(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for g := 0; g < 3; g++ {
		go func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				opts := briefbot.AskOptions{K: 3}
				if i%2 == 0 {
					opts.AsOf = day("2026-03-06")
				}
				ans, err := ix.Ask(context.Background(), "When did the Senate pass the federal budget?", opts)
				if err != nil {
					errs <- err
					return
				}
				if len(ans.Passages) == 0 || ans.Passages[0].Article.Title == "" {
					errs <- fmt.Errorf("no cited answer: %+v", ans)
					return
				}
			}
		}()
	}
	for i := 0; i < 20; i++ {
		upsert(t, ix, art(fmt.Sprintf("extra%d", i), "wire.com", "Wire Staff", "2026-03-04", fmt.Sprintf("Extra %d", i),
			fmt.Sprintf("Lawmakers debated budget item %d at length on Wednesday before a late vote.", i)))
	}
	close(stop)
	for g := 0; g < 3; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
