package index

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus"
	"github.com/briefbot/briefbot/eval"
	"github.com/briefbot/briefbot/internal/sharedtest"
)

// Answer quality of Ask on the development sets in ../shared/eval (see the
// README, "Answer quality"). The floors sit a little under what the current
// method measures, so a change that makes answers worse fails CI; the
// issue's targets are listed beside them (qualTarget*) and the README says
// which are met.
const (
	qualNewsMRR10 = 0.60 // measured 0.628; target 0.62
	qualNewsR1    = 0.49 // measured 0.522; target 0.52
	qualNewsR5    = 0.73 // measured 0.763; target 0.78
	qualXQuADR1   = 0.90 // measured 0.915; target 0.96

	qualTargetNewsMRR10 = 0.62
	qualTargetNewsR1    = 0.52
	qualTargetNewsR5    = 0.78
	qualTargetXQuADR1   = 0.96
)

// qualIndex ingests one evaluation set's articles into a new index.
func qualIndex(tb testing.TB, set string) *Index {
	tb.Helper()
	path := sharedtest.Path(tb, "eval/"+set+"/articles.jsonl")
	ix, err := Open(filepath.Join(tb.TempDir(), set), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	start := time.Now()
	rep, err := ix.Ingest(context.Background(), []string{path}, IngestOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("%s: %d paragraphs ingested in %v", set, rep.Paragraphs, time.Since(start).Round(time.Millisecond))
	return ix
}

func qualQuestions(tb testing.TB, set string) []eval.Question {
	tb.Helper()
	f, err := os.Open(sharedtest.Path(tb, "eval/"+set+"/questions.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	qs, err := eval.ReadQuestions(f)
	if err != nil {
		tb.Fatal(err)
	}
	return qs
}

func qualRun(tb testing.TB, ask eval.Asker, qs []eval.Question) eval.Metrics {
	tb.Helper()
	_, m, err := eval.Retrieval(context.Background(), ask, qs, 10)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// TestEvalAskNews guards Ask's answer quality on the news-quiz set: every
// question asked as of its day, nothing after it returned.
func TestEvalAskNews(t *testing.T) {
	sharedtest.SkipEvalIfShort(t)
	qs := qualQuestions(t, "news")
	ix := qualIndex(t, "news")

	// Nothing published after a question's day is ever quoted.
	for _, q := range qs {
		asOf, _ := time.Parse(time.DateOnly, q.AsOf)
		ans, err := ix.Ask(context.Background(), q.Question, briefbot.AskOptions{K: 10, AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ans.Passages {
			if p.Article.Published.After(asOf) {
				t.Errorf("%s asked %s got %s published %s", q.QID, q.AsOf, p.ID, p.Article.PublishedString())
			}
		}
	}

	m := qualRun(t, ix.Ask, qs)
	t.Logf("news Ask: %v", m)
	t.Logf("news targets: MRR@10 %.2f recall@1 %.2f recall@5 %.2f", qualTargetNewsMRR10, qualTargetNewsR1, qualTargetNewsR5)
	if m.MRR10 < qualNewsMRR10 || m.R1 < qualNewsR1 || m.R5 < qualNewsR5 {
		t.Errorf("news quality dropped: MRR@10 %.3f (floor %.2f), recall@1 %.3f (floor %.2f), recall@5 %.3f (floor %.2f)",
			m.MRR10, qualNewsMRR10, m.R1, qualNewsR1, m.R5, qualNewsR5)
	}
}

// TestEvalAskXQuAD guards Ask on the Wikipedia (SQuAD-style) set, where
// recency plays no part: the method must not be news-only.
func TestEvalAskXQuAD(t *testing.T) {
	sharedtest.SkipEvalIfShort(t)
	qs := qualQuestions(t, "xquad")
	ix := qualIndex(t, "xquad")
	m := qualRun(t, ix.Ask, qs)
	t.Logf("xquad Ask: %v (target recall@1 %.2f)", m, qualTargetXQuADR1)
	if m.R1 < qualXQuADR1 {
		t.Errorf("xquad quality dropped: recall@1 %.3f (floor %.2f)", m.R1, qualXQuADR1)
	}
}

// plainBleve is the baseline every other keyword engine is compared with:
// the same paragraphs (as corpus.Parse yields them, which is what briefbot
// indexes) in a Bleve index with the English analyzer and BM25, asked with a
// plain match query of the question text.
type plainBleve struct{ bl bleve.Index }

func newPlainBleve(tb testing.TB, set string) *plainBleve {
	tb.Helper()
	path := sharedtest.Path(tb, "eval/"+set+"/articles.jsonl")
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	arts, _ := corpus.Parse(filepath.Base(path), data)
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = en.AnalyzerName
	m.ScoringModel = "bm25"
	bl, err := bleve.New(filepath.Join(tb.TempDir(), "plain-"+set), m)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { bl.Close() })
	b := bl.NewBatch()
	for _, a := range arts {
		for _, p := range a.Paragraphs {
			if err := b.Index(p.Key(a.ID), map[string]any{"text": p.Text}); err != nil {
				tb.Fatal(err)
			}
			if b.Size() == 1000 {
				if err := bl.Batch(b); err != nil {
					tb.Fatal(err)
				}
				b = bl.NewBatch()
			}
		}
	}
	if err := bl.Batch(b); err != nil {
		tb.Fatal(err)
	}
	return &plainBleve{bl: bl}
}

func (p *plainBleve) Ask(ctx context.Context, question string, opts briefbot.AskOptions) (briefbot.Answer, error) {
	q := bleve.NewMatchQuery(question)
	q.SetField("text")
	res, err := p.bl.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, opts.K, 0, false))
	if err != nil {
		return briefbot.Answer{}, err
	}
	ans := briefbot.Answer{Query: question}
	for _, h := range res.Hits {
		aid, n, _, _ := briefbot.SplitKey(h.ID)
		ans.Passages = append(ans.Passages, briefbot.Passage{ID: briefbot.ParagraphID(aid, n), Score: h.Score})
	}
	return ans, nil
}

// BenchmarkEvalAskVsBleve measures Ask on the news set (quality and
// latency after a warm-up pass) beside plain Bleve BM25 in the same run:
//
//	go test -run '^$' -bench BenchmarkEvalAskVsBleve -benchtime 1x ./index/
func BenchmarkEvalAskVsBleve(b *testing.B) {
	sharedtest.SkipEvalIfShort(b)
	qs := qualQuestions(b, "news")
	ix := qualIndex(b, "news")
	plain := newPlainBleve(b, "news")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pm := qualRun(b, plain.Ask, qs)
		am := qualRun(b, ix.Ask, qs)
		b.ReportMetric(am.P50MS, "ask-p50-ms")
		b.ReportMetric(am.P99MS, "ask-p99-ms")
		b.ReportMetric(am.MRR10, "ask-mrr10")
		b.ReportMetric(pm.P50MS, "bleve-p50-ms")
		b.ReportMetric(pm.P99MS, "bleve-p99-ms")
		b.ReportMetric(pm.MRR10, "bleve-mrr10")
		if i == 0 {
			b.Logf("plain Bleve BM25: %v", pm)
			b.Logf("briefbot Ask:     %v", am)
			b.Logf("Ask p99 / Bleve p99 = %.2f (limit 1.5)", am.P99MS/pm.P99MS)
		}
	}
}

// TestQualityAblation prints the effect of each re-ranking signal on both
// development sets, for the README's "Answer quality": plain Bleve BM25 on the same
// paragraphs, the final method, the final method without one signal at a
// time, then BM25 alone over Ask's candidates. It only reports (CI does not run it: its name does not match
// 'Eval', and -short skips it):
//
//	go test -count=1 -run TestQualityAblation -v ./index/
func TestQualityAblation(t *testing.T) {
	sharedtest.SkipEvalIfShort(t)
	sets := []string{"news", "xquad"}
	ixs := map[string]*Index{}
	qss := map[string][]eval.Question{}
	for _, s := range sets {
		qss[s] = qualQuestions(t, s)
		ixs[s] = qualIndex(t, s)
	}
	type variant struct {
		name string
		w    rankWeights
	}
	without := func(name string, f func(w *rankWeights)) variant {
		w := defaultRank
		f(&w)
		return variant{"without " + name, w}
	}
	variants := []variant{
		{"final", defaultRank},
		without("recency", func(w *rankWeights) { w.Recency = 0 }),
		without("title", func(w *rankWeights) { w.Title = 0 }),
		without("lead", func(w *rankWeights) { w.Lead = 0 }),
		without("neighbour evidence", func(w *rankWeights) { w.Neighbour = 0 }),
		without("novelty", func(w *rankWeights) { w.Novel = 0 }),
		without("answer type", func(w *rankWeights) { w.Type = 0 }),
		without("proximity", func(w *rankWeights) { w.Proximity = 0 }),
		without("coverage", func(w *rankWeights) { w.Coverage = 0 }),
		without("question proper", func(w *rankWeights) { w.Asked = 0 }),
		{"BM25 alone (same candidates)", rankWeights{}},
	}
	t.Logf("| variant | news R@1 | news R@5 | news MRR@10 | xquad R@1 | xquad MRR@10 |")
	var pms []eval.Metrics
	for _, s := range sets {
		pms = append(pms, qualRun(t, newPlainBleve(t, s).Ask, qss[s]))
	}
	t.Logf("| plain Bleve BM25 (match query) | %.3f | %.3f | %.3f | %.3f | %.3f |", pms[0].R1, pms[0].R5, pms[0].MRR10, pms[1].R1, pms[1].MRR10)
	for _, v := range variants {
		var ms []eval.Metrics
		for _, s := range sets {
			ix := ixs[s]
			ask := func(ctx context.Context, q string, o briefbot.AskOptions) (briefbot.Answer, error) {
				return ix.ask(ctx, q, o, v.w)
			}
			ms = append(ms, qualRun(t, ask, qss[s]))
		}
		t.Logf("| %s | %.3f | %.3f | %.3f | %.3f | %.3f |", v.name, ms[0].R1, ms[0].R5, ms[0].MRR10, ms[1].R1, ms[1].MRR10)
	}
}
