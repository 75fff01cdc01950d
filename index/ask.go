package index

import (
	"context"
	"fmt"
	"math"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/briefbot/briefbot/corpus"
)

// Ask's knobs, together so that tuning them is one diff.
const (
	askDefaultK = 3
	askMaxK     = 20
	// askMaxTerms caps the question's analyzed terms: a pasted page must not
	// turn into a thousand-clause query.
	askMaxTerms = 32
	// askCandidates is how many hits are read before collapsing duplicate
	// paragraphs and dropping weak ones.
	askCandidates = 40
	// askTitleBoost weighs question words found in the article's title:
	// evidence that the article is on topic, weaker than the paragraph's own.
	askTitleBoost = 0.3
	// askPhraseBoost weighs question words found next to each other.
	askPhraseBoost = 0.7
	// askMinCoverage is the share of the question's weight (sum of its
	// terms' IDF) the best passage must contain for Ask to answer at all;
	// below it, the index has nothing on the question.
	askMinCoverage = 0.3
	// askRelCoverage drops later passages whose coverage is below this share
	// of the best passage's, so weak filler does not follow a good answer.
	askRelCoverage = 0.5
)

// Ask returns the k passages that best answer a natural-language question,
// each with its best answering sentence. An empty Passages comes with a
// Reason fit to show a user. AsOf defaults to the day of Options.Now, so
// nothing dated in the future is quoted.
func (ix *Index) Ask(ctx context.Context, question string, opts corpus.AskOptions) (corpus.Answer, error) {
	man := ix.snapshot()
	ans := corpus.Answer{Query: question, Articles: len(man.Articles)}
	noAnswer := fmt.Sprintf("No passage in %s articles answers that.", count(len(man.Articles)))

	qts := ix.analyze(question, askMaxTerms)
	if len(qts) == 0 {
		ans.Reason = "Ask with at least one word that says what you are looking for (words like “what” or “the” alone match everything)."
		return ans, nil
	}
	k := opts.K
	if k <= 0 {
		k = askDefaultK
	}
	if k > askMaxK {
		k = askMaxK
	}

	idf, err := ix.idf(ctx, qts)
	if err != nil {
		return ans, err
	}
	var total float64
	var textQs, titleQs []query.Query
	for t, w := range idf {
		total += w.idf
		if w.df > 0 {
			textQs = append(textQs, termQuery(t, fText, 0))
			titleQs = append(titleQs, termQuery(t, fTitle, askTitleBoost))
		}
	}
	if len(textQs) == 0 {
		ans.Reason = noAnswer
		return ans, nil
	}
	// Adjacent question words (a stop word between them allowed) as phrases:
	// "White House", "Supreme Court", "Prime Minister".
	var phraseQs []query.Query
	for i := 0; i+1 < len(qts) && len(phraseQs) < 8; i++ {
		a, b := qts[i], qts[i+1]
		if b.pos-a.pos <= 2 && a.term != b.term {
			phraseQs = append(phraseQs, phraseQuery(qts[i:i+2], fText, askPhraseBoost))
		}
	}

	asOf := opts.AsOf
	if asOf.IsZero() {
		asOf = ix.now()
	}
	f := filter{to: nextDay(asOf), source: opts.Source}
	if !opts.Since.IsZero() {
		f.from = dayStart(opts.Since)
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(bleve.NewDisjunctionQuery(textQs...))
	bq.AddShould(append(titleQs, phraseQs...)...)
	if fq := f.query(); fq != nil {
		bq.AddFilter(fq)
	}
	req := bleve.NewSearchRequestOptions(bq, askCandidates, 0, false)
	req.Fields = []string{fText, fHash}
	res, err := ix.bl.SearchInContext(ctx, req)
	if err != nil {
		return ans, err
	}

	seen := map[string]bool{}
	best := -1.0
	for _, h := range res.Hits {
		if len(ans.Passages) == k {
			break
		}
		text := hitField(h.Fields, fText)
		hash := hitField(h.Fields, fHash)
		if text == "" || seen[hash] {
			continue
		}
		p, ok := passage(man, h.ID, text, h.Score)
		if !ok {
			continue
		}
		cov := ix.coverage(text, idf) / total
		if best < 0 {
			if cov < askMinCoverage {
				// The top hit may be a long paragraph that scores on one
				// common word; a later one may still cover the question.
				continue
			}
			best = cov
		} else if cov < best*askRelCoverage {
			continue
		}
		seen[hash] = true
		p.Answer = ix.bestSentence(text, idf)
		ans.Passages = append(ans.Passages, p)
	}
	if len(ans.Passages) == 0 {
		ans.Reason = noAnswer
	}
	return ans, nil
}

// weight is a question term's BM25 inverse document frequency over
// paragraph texts, and its document frequency.
type weight struct {
	idf float64
	df  uint64
}

// idf weighs each distinct question term. A term no paragraph holds gets the
// weight of a term seen once: it still counts against coverage, since a
// question about something the corpus never mentions is not answered by its
// other words.
func (ix *Index) idf(ctx context.Context, qts []qterm) (map[string]weight, error) {
	adv, err := ix.bl.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	n, err := r.DocCount()
	if err != nil {
		return nil, err
	}
	out := make(map[string]weight, len(qts))
	for _, q := range qts {
		if _, ok := out[q.term]; ok {
			continue
		}
		tfr, err := r.TermFieldReader(ctx, []byte(q.term), fText, false, false, false)
		if err != nil {
			return nil, err
		}
		df := tfr.Count()
		tfr.Close()
		out[q.term] = weight{idf: bm25IDF(n, max(df, 1)), df: df}
	}
	return out, nil
}

// bm25IDF is BM25's idf, always positive.
func bm25IDF(n, df uint64) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// coverage is the summed weight of the question terms that occur in text.
func (ix *Index) coverage(text string, idf map[string]weight) float64 {
	var sum float64
	for t := range ix.termSet(text) {
		sum += idf[t].idf
	}
	return sum
}

// termSet is the set of English index terms of text.
func (ix *Index) termSet(text string) map[string]struct{} {
	set := map[string]struct{}{}
	for _, t := range ix.analyzer.Analyze([]byte(text)) {
		set[string(t.Term)] = struct{}{}
	}
	return set
}

// bestSentence is the sentence of text holding the most question weight
// (the first of equals), verbatim; "" when no sentence holds any.
func (ix *Index) bestSentence(text string, idf map[string]weight) string {
	best, bestScore := "", 0.0
	for _, s := range corpus.SplitSentences(text) {
		score := ix.coverage(s.Text, idf)
		if score > bestScore {
			best, bestScore = s.Text, score
		}
	}
	return best
}

// count formats n with thousands separators: 2,092.
func count(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
