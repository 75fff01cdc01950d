package index

import (
	"cmp"
	"context"
	"fmt"
	"github.com/briefbot/briefbot"
	"math"
	"slices"
	"strings"

	bleveindex "github.com/blevesearch/bleve_index_api"
)

// Ask's knobs, together so that tuning them is one diff. The ranking
// weights are in rank.go.
const (
	askDefaultK = 3
	askMaxK     = 20
	// askMaxTerms caps the question's analyzed terms: a pasted page must not
	// turn into a thousand-clause query.
	askMaxTerms = 32
	// askCandidates is how many BM25 hits are re-ranked: each is read and
	// scanned. On the news set 30 lost MRR@10 (0.615 against 0.628) and 60
	// or 100 gained nothing.
	askCandidates = 40
	// askNeighboursOf: the paragraphs before and after this many of the best
	// hits are fetched and ranked too. 7 ranked as 10 did on both sets, 5
	// lost a hit.
	askNeighboursOf = 7
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
func (ix *Index) Ask(ctx context.Context, question string, opts briefbot.AskOptions) (briefbot.Answer, error) {
	return ix.ask(ctx, question, opts, defaultRank)
}

// candidate is a paragraph document being ranked.
type candidate struct {
	doc             uint64 // document number in the reader's snapshot
	terms           uint64 // which question terms it holds, as firstHit.terms; 0 for neighbours
	key, text, hash string
	aid             string
	n, part         int
	art             *articleEntry
	rawScore        float64
	f               features
	answer          string
	score           float64
}

func (ix *Index) ask(ctx context.Context, text string, opts briefbot.AskOptions, w rankWeights) (briefbot.Answer, error) {
	man := ix.snapshot()
	ans := briefbot.Answer{Query: text, Articles: len(man.Articles)}
	noAnswer := fmt.Sprintf("No passage in %s articles answers that.", count(len(man.Articles)))

	text = clip(text, maxQueryBytes)
	terms, pairs, asked, from := ix.questionTerms(text)
	if len(terms) == 0 {
		// Only quiz words ("What is new this week?"): use them after all.
		for _, t := range ix.analyze(text, askMaxTerms) {
			if !slices.Contains(terms, t.term) {
				terms = append(terms, t.term)
				asked = append(asked, true)
				from = append(from, t.term)
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

	r, err := ix.reader()
	if err != nil {
		return ans, err
	}
	defer r.Close()
	sts, err := openTerms(ctx, r, terms)
	if err != nil {
		return ans, err
	}
	defer closeTerms(sts)
	respelled, err := correctTerms(ctx, r, sts)
	if err != nil {
		return ans, err
	}
	for _, i := range respelled {
		ans.Respelled = append(ans.Respelled, from[i])
	}
	q := &question{terms: sts, index: map[string]int{}, pairs: pairs, asked: asked, typ: answerType(text), words: map[string]bool{}}
	found := false
	for i, t := range sts {
		q.index[t.term] = i
		q.total += t.idf
		if asked[i] {
			q.askedTotal += t.idf
		}
		found = found || t.df > 0
	}
	for _, wd := range words(text) {
		q.words[strings.ToLower(wd.text)] = true
	}
	if !found {
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
	keep, err := ix.admitted(ctx, r, man, f)
	if err != nil {
		return ans, err
	}
	hits, err := bm25Top(ctx, sts, askCandidates, keep)
	if err != nil {
		return ans, err
	}

	var cands []*candidate
	have := map[string]bool{}
	for _, h := range hits {
		key, err := r.ExternalID(internalID(h.doc))
		if err != nil {
			return ans, err
		}
		c, err := readCandidate(r, man, h.doc, key)
		if err != nil {
			return ans, err
		}
		if c == nil {
			continue
		}
		c.rawScore, c.terms = h.score, h.terms
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
	evaluate := func(cs []*candidate) error {
		occs, err := termOccurrences(ctx, r, sts, cs)
		if err != nil {
			return err
		}
		for i, c := range cs {
			c.f.coverage, c.f.asked, c.f.prox, c.f.typ, c.f.novel, c.answer = paragraphEvidence(q, c.text, occs[i])
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
		return nil
	}
	if err := evaluate(cands); err != nil {
		return ans, err
	}
	nbs, err := neighbours(r, man, cands, have)
	if err != nil {
		return ans, err
	}
	if len(nbs) > 0 {
		cands = append(cands, nbs...)
		if err := evaluate(nbs); err != nil {
			return ans, err
		}
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
		ans.Passages = append(ans.Passages, briefbot.Passage{
			Article: c.art.ref(c.aid), Paragraph: c.n, ID: briefbot.ParagraphID(c.aid, c.n),
			Text: c.text, Answer: c.answer, Score: c.score,
		})
	}
	if len(ans.Passages) == 0 {
		ans.Reason = noAnswer
	}
	return ans, nil
}

// readCandidate reads the stored text of the paragraph document numbered doc
// with id key; nil when its article is not (yet) in the committed manifest.
func readCandidate(r bleveindex.IndexReader, man *manifest, doc uint64, key string) (*candidate, error) {
	aid, n, part, ok := briefbot.SplitKey(key)
	if !ok {
		return nil, nil
	}
	a := man.Articles[aid]
	if a == nil {
		return nil, nil
	}
	d, err := r.Document(key)
	if err != nil || d == nil {
		return nil, err
	}
	c := &candidate{doc: doc, key: key, aid: aid, n: n, part: part, art: a}
	d.VisitFields(func(f bleveindex.Field) {
		switch f.Name() {
		case fText:
			c.text = string(f.Value())
		case fHash:
			c.hash = string(f.Value())
		}
	})
	return c, nil
}

// neighbours reads the paragraphs before and after the best hits that are
// not candidates yet.
func neighbours(r bleveindex.IndexReader, man *manifest, cands []*candidate, have map[string]bool) ([]*candidate, error) {
	var out []*candidate
	for i, c := range cands {
		if i == askNeighboursOf {
			break
		}
		for _, d := range []int{-1, +1} {
			key := sibling(c.art, c.aid, c.n, c.part, d)
			if key == "" || have[key] {
				continue
			}
			have[key] = true
			id, err := r.InternalID(key)
			if err != nil {
				return nil, err
			}
			if id == nil {
				continue
			}
			nb, err := readCandidate(r, man, id.Value(), key)
			if err != nil {
				return nil, err
			}
			if nb != nil {
				out = append(out, nb)
			}
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
	return briefbot.Paragraph{N: p[0], Part: p[1]}.Key(aid)
}

// isLead is 1 for the first two stored paragraphs of an article of four or
// more: in news they summarise the story (in a shorter one every paragraph
// would be "lead", which says nothing).
func isLead(a *articleEntry, n int) float64 {
	if len(a.Paras) < 4 {
		return 0
	}
	if n <= a.Paras[1][0] { // the second paragraph's number
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
	for _, t := range ix.titleTerms(title) {
		if i, ok := q.index[t]; ok {
			sum += q.terms[i].idf
		}
	}
	return sum / q.total
}

// titleTermsMax bounds the cache of analyzed titles (a few MB at most).
const titleTermsMax = 50000

// titleTerms is the distinct English index terms of a title, cached: the
// same titles come back with every question about their stories, and
// analyzing them again cost a tenth of Ask's time.
func (ix *Index) titleTerms(title string) []string {
	ix.titleMu.Lock()
	ts, ok := ix.titles[title]
	ix.titleMu.Unlock()
	if ok {
		return ts
	}
	for _, t := range ix.analyzer.Analyze([]byte(title)) {
		if !slices.Contains(ts, string(t.Term)) {
			ts = append(ts, string(t.Term))
		}
	}
	ix.titleMu.Lock()
	if ix.titles == nil || len(ix.titles) >= titleTermsMax {
		ix.titles = map[string][]string{}
	}
	ix.titles[title] = ts
	ix.titleMu.Unlock()
	return ts
}

// bm25IDF is BM25's idf, always positive.
func bm25IDF(n, df uint64) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
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
	for i, w := range words(text) {
		if i == 12 {
			break
		}
		b.WriteString(strings.ToLower(w.text))
		b.WriteByte(' ')
	}
	return b.String()
}
