package index

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/briefbot/briefbot/corpus"
)

// Ask's knobs, together so that tuning them is one diff. The ranking
// weights are in rank.go.
const (
	askDefaultK = 3
	askMaxK     = 20
	// askMaxTerms caps the question's analyzed terms: a pasted page must not
	// turn into a thousand-clause query.
	askMaxTerms = 32
	// askCandidates is how many BM25 hits are re-ranked. Deeper costs time
	// (each hit's text is read and scanned) for little recall.
	askCandidates = 40
	// askNeighboursOf: the paragraphs before and after this many of the best
	// hits are fetched and ranked too.
	askNeighboursOf = 10
	// askMinCoverage is the share of the question's weight (sum of its
	// terms' IDF) some candidate must contain for Ask to answer at all;
	// below it, the index has nothing on the question.
	askMinCoverage = 0.3
	// askMaxDrop: a passage scoring this much below the best one is not
	// quoted, so weak filler does not follow a good answer.
	askMaxDrop = 2.0
	// askCommonIDF: question terms with a lower IDF (in more than about 5 %
	// of paragraphs) do not make a paragraph a candidate on their own.
	askCommonIDF = 3.0
)

// Ask returns the k passages that best answer a natural-language question,
// each with its best answering sentence. An empty Passages comes with a
// Reason fit to show a user. AsOf defaults to the day of Options.Now, so
// nothing dated in the future is quoted, and recent articles are preferred.
func (ix *Index) Ask(ctx context.Context, question string, opts corpus.AskOptions) (corpus.Answer, error) {
	return ix.ask(ix.scoring(ctx), question, opts, defaultRank)
}

// candidate is a paragraph document being ranked.
type candidate struct {
	key, text, hash string
	aid             string
	n, part         int
	art             *articleEntry
	neighbour       bool // fetched as a neighbour, not matched by BM25
	rawScore        float64
	f               features
	answer          string
	score           float64
}

func (ix *Index) ask(ctx context.Context, text string, opts corpus.AskOptions, w rankWeights) (corpus.Answer, error) {
	man := ix.snapshot()
	ans := corpus.Answer{Query: text, Articles: len(man.Articles)}
	noAnswer := fmt.Sprintf("No passage in %s articles answers that.", count(len(man.Articles)))

	text = clip(text, maxQueryBytes)
	terms, pairs, asked := ix.questionTerms(text)
	if len(terms) == 0 {
		// Only quiz words ("What is new this week?"): use them after all.
		for _, t := range ix.analyze(text, askMaxTerms) {
			if !slices.Contains(terms, t.term) {
				terms = append(terms, t.term)
				asked = append(asked, true)
			}
		}
	}
	if len(terms) == 0 {
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

	qts := make([]qterm, len(terms))
	for i, t := range terms {
		qts[i] = qterm{term: t, pos: i}
	}
	idf, err := ix.idf(ctx, qts)
	if err != nil {
		return ans, err
	}
	q := &question{index: map[string]int{}, pairs: pairs, asked: asked, typ: answerType(text), words: map[string]bool{}}
	var textQs, rareQs, commonQs []query.Query
	for i, t := range terms {
		wt := idf[t]
		q.terms = append(q.terms, askTerm{term: t, idf: wt.idf, df: wt.df})
		q.index[t] = i
		q.total += wt.idf
		if asked[i] {
			q.askedTotal += wt.idf
		}
		if wt.df > 0 {
			textQs = append(textQs, termQuery(t, fText, 0))
			if wt.idf < askCommonIDF {
				commonQs = append(commonQs, termQuery(t, fText, 0))
			} else {
				rareQs = append(rareQs, termQuery(t, fText, 0))
			}
		}
	}
	for _, wd := range splitWords(text) {
		q.words[strings.ToLower(wd.text)] = true
	}
	if len(textQs) == 0 {
		ans.Reason = noAnswer
		return ans, nil
	}

	asOf := opts.AsOf
	if asOf.IsZero() {
		asOf = ix.now()
	}
	f := filter{to: nextDay(asOf), source: opts.Source}
	if !opts.Since.IsZero() {
		f.from = dayStart(opts.Since)
	}
	match := bleve.NewDisjunctionQuery(textQs...)
	bq := bleve.NewBooleanQuery()
	if len(rareQs) > 0 && len(commonQs) > 0 {
		// Only paragraphs with a rarer question word are candidates; the
		// common words (long posting lists) only add to their scores, so
		// Bleve skips through their postings instead of scoring them all.
		bq.AddMust(bleve.NewDisjunctionQuery(rareQs...))
		bq.AddShould(bleve.NewDisjunctionQuery(commonQs...))
	} else {
		bq.AddMust(match)
	}
	if fq := f.query(man); fq != nil {
		bq.AddFilter(fq)
	}
	// No IncludeLocations: Bleve would collect term locations for every
	// paragraph it scores, not just the candidates kept (a third of the
	// search's time); termLocations finds them in the few candidates.
	req := bleve.NewSearchRequestOptions(bq, askCandidates, 0, false)
	req.Fields = []string{fText, fHash}
	res, err := ix.bl.SearchInContext(ctx, req)
	if err != nil {
		return ans, err
	}

	var cands []*candidate
	have := map[string]bool{}
	for _, h := range res.Hits {
		c := newCandidate(man, h)
		if c == nil {
			continue
		}
		have[c.key] = true
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		ans.Reason = noAnswer
		return ans, nil
	}

	// Evidence for the BM25 hits, a first ranking, then the paragraphs next
	// to the best of that ranking, scored the same way.
	best := cands[0].rawScore // hits come best first
	byKey := map[string]float64{}
	for _, c := range cands {
		if best > 0 {
			c.f.bm25 = c.rawScore / best
			byKey[c.key] = c.f.bm25
		}
	}
	titleCov := map[string]float64{}
	covered := false
	evaluate := func(cs []*candidate) {
		for _, c := range cs {
			c.f.coverage, c.f.asked, c.f.prox, c.f.typ, c.f.novel, c.answer = paragraphEvidence(q, c.text, ix.termLocations(c.text, q))
			covered = covered || c.f.coverage >= askMinCoverage
			tc, ok := titleCov[c.aid]
			if !ok {
				tc = ix.titleCoverage(q, c.art.Title)
				titleCov[c.aid] = tc
			}
			c.f.title = tc
			c.f.lead = isLead(c.art, c.n)
			prev1 := byKey[sibling(c.art, c.aid, c.n, c.part, -1)]

			next1 := byKey[sibling(c.art, c.aid, c.n, c.part, +1)]
			c.f.nb = max(prev1, next1)
			c.f.ageDays = ageDays(c.art.Published, asOf)
		}
		ages := make([]float64, len(cands))
		for i, c := range cands {
			ages[i] = c.f.ageDays
		}
		for i, p := range w.agePenalties(ages) {
			cands[i].score = w.evidence(cands[i].f) - p
		}
		slices.SortStableFunc(cands, func(a, b *candidate) int { return cmp.Compare(b.score, a.score) })
	}
	evaluate(cands)
	nbs, err := ix.neighbours(ctx, man, cands, have, match)
	if err != nil {
		return ans, err
	}
	if len(nbs) > 0 {
		cands = append(cands, nbs...)
		evaluate(nbs)
	}
	if !covered {
		ans.Reason = noAnswer
		return ans, nil
	}

	seen := map[string]bool{}
	for _, c := range cands {
		if len(ans.Passages) == k || c.score < cands[0].score-askMaxDrop {
			break
		}
		near := nearKey(c.text)
		if c.text == "" || seen[c.hash] || seen[near] {
			continue
		}
		seen[c.hash], seen[near] = true, true
		ans.Passages = append(ans.Passages, corpus.Passage{
			Article: c.art.ref(c.aid), Paragraph: c.n, ID: corpus.ParagraphID(c.aid, c.n),
			Text: c.text, Answer: c.answer, Score: c.score,
		})
	}
	if len(ans.Passages) == 0 {
		ans.Reason = noAnswer
	}
	return ans, nil
}

// newCandidate reads a hit; nil when its article is not (yet) in the
// committed manifest.
func newCandidate(man *manifest, h *search.DocumentMatch) *candidate {
	aid, n, part, ok := corpus.SplitKey(h.ID)
	if !ok {
		return nil
	}
	a := man.Articles[aid]
	if a == nil {
		return nil
	}
	return &candidate{
		key: h.ID, text: hitField(h.Fields, fText), hash: hitField(h.Fields, fHash),
		aid: aid, n: n, part: part, art: a, rawScore: h.Score,
	}
}

// neighbours fetches the paragraphs before and after the best hits that are
// not candidates yet, with their text and BM25 score.
func (ix *Index) neighbours(ctx context.Context, man *manifest, cands []*candidate, have map[string]bool, match query.Query) ([]*candidate, error) {
	var keys []string
	for i, c := range cands {
		if i == askNeighboursOf {
			break
		}
		for _, d := range []int{-1, +1} {
			key := sibling(c.art, c.aid, c.n, c.part, d)
			if key != "" && !have[key] {
				have[key] = true
				keys = append(keys, key)
			}
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(bleve.NewDocIDQuery(keys))
	bq.AddShould(match) // for the BM25 score
	req := bleve.NewSearchRequestOptions(bq, len(keys), 0, false)
	req.Fields = []string{fText, fHash}
	res, err := ix.bl.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make([]*candidate, 0, len(res.Hits))
	for _, h := range res.Hits {
		if c := newCandidate(man, h); c != nil {
			c.neighbour = true
			out = append(out, c)
		}
	}
	return out, nil
}

// sibling is the document key of the paragraph d places after (n, part) in
// its article, "" when there is none.
func sibling(a *articleEntry, aid string, n, part, d int) string {
	i := slices.Index(a.Paras, [2]int{n, part})
	if i < 0 || i+d < 0 || i+d >= len(a.Paras) {
		return ""
	}
	p := a.Paras[i+d]
	return corpus.Paragraph{N: p[0], Part: p[1]}.Key(aid)
}

// isLead is 1 for the first two stored paragraphs of an article of four or
// more: in news they summarise the story (in a shorter one every paragraph
// would be "lead", which says nothing).
func isLead(a *articleEntry, n int) float64 {
	if len(a.Paras) < 4 {
		return 0
	}
	second := a.Paras[min(1, len(a.Paras)-1)][0]
	if n <= second {
		return 1
	}
	return 0
}

// titleCoverage is the share of the question's weight in a title.
func (ix *Index) titleCoverage(q *question, title string) float64 {
	if title == "" || q.total == 0 {
		return 0
	}
	var sum float64
	for t := range ix.termSet(title) {
		if i, ok := q.index[t]; ok {
			sum += q.terms[i].idf
		}
	}
	return sum / q.total
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
	r, err := ix.reader()
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

// termSet is the set of English index terms of text.
func (ix *Index) termSet(text string) map[string]struct{} {
	set := map[string]struct{}{}
	for _, t := range ix.analyzer.Analyze([]byte(text)) {
		set[string(t.Term)] = struct{}{}
	}
	return set
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

// nearKey identifies near-duplicate paragraphs (syndicated copies edited
// at the end): the first 12 words, lowercased, without punctuation.
func nearKey(text string) string {
	var b strings.Builder
	b.WriteString("near:")
	for i, w := range splitWords(text) {
		if i == 12 {
			break
		}
		b.WriteString(strings.ToLower(w.text))
		b.WriteByte(' ')
	}
	return b.String()
}

// termLocations finds the question's terms in a candidate's text with the
// index's own analyzer, so positions and offsets are those Bleve would
// report for the text field.
func (ix *Index) termLocations(text string, q *question) search.TermLocationMap {
	locs := search.TermLocationMap{}
	for _, t := range ix.analyzer.Analyze([]byte(text)) {
		term := string(t.Term)
		if _, ok := q.index[term]; ok {
			locs[term] = append(locs[term], &search.Location{Pos: uint64(t.Position), Start: uint64(t.Start), End: uint64(t.End)})
		}
	}
	return locs
}
