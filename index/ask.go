package index

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/briefbot/briefbot"

	bleveindex "github.com/blevesearch/bleve_index_api"
)

// MaxPassages is the most passages Ask returns, whatever AskOptions.K asks
// for: front ends refuse a larger k rather than quietly return fewer.
const MaxPassages = 20

// Ask's knobs, together so that tuning them is one diff. The ranking
// weights are in rank.go.
const (
	askDefaultK = 3
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
// each with its best answering sentence. An empty Passages comes with the
// reason (Answer.NoMatch). Recent articles are preferred; nothing published
// after the AsOf day is quoted. AsOf defaults to the time of Options.Now,
// and then articles dated tomorrow are quoted too, but not future-dated ones
// (after tomorrow: see future.go).
func (ix *Index) Ask(ctx context.Context, question string, opts briefbot.AskOptions) (briefbot.Answer, error) {
	ans, err := guard(ix, func() (briefbot.Answer, error) { return ix.ask(ctx, question, opts, defaultRank) })
	return ans, wrapErr("ask", err)
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

// ask is Ask with the ranking weights given, for the tests that tune them:
// parse the question, take the best BM25 hits, re-rank them with their
// neighbours, and quote the best.
func (ix *Index) ask(ctx context.Context, text string, opts briefbot.AskOptions, w rankWeights) (briefbot.Answer, error) {
	man := ix.snapshot()
	seen := man.visible(opts.Scope)
	ans := briefbot.Answer{Query: text, Articles: seen.articles}
	text = clip(text, maxQueryBytes)
	qts, pairs := ix.questionTerms(text)
	if len(qts) == 0 {
		// Only quiz words ("What is new this week?"): use them after all.
		qts = ix.allTerms(text)
	}
	if len(qts) == 0 {
		ans.NoMatch = briefbot.NoContentWords
		return ans, nil
	}

	r, err := ix.reader()
	if err != nil {
		return ans, err
	}
	defer r.Close()
	// What the scope sees, for the spelling correction (nil: everything).
	vis, err := ix.admitted(ctx, r, man, filter{scope: opts.Scope})
	if err != nil {
		return ans, err
	}
	var view *scopeView
	if vis != nil {
		arts, err := ix.articlesOf(ctx, r)
		if err != nil {
			return ans, err
		}
		view = &scopeView{vis: vis, docs: uint64(seen.paragraphs), dfs: arts, server: opts.Scope.Server}
	}
	q, respelled, err := parseQuestion(ctx, r, text, qts, pairs, view)
	if err != nil {
		return ans, err
	}
	defer closeTerms(q.terms)
	ans.Respelled = respelled
	if !q.inIndex() {
		ans.NoMatch = briefbot.NothingMatched
		return ans, nil
	}

	asOf, until := opts.AsOf, nextDay(opts.AsOf)
	if asOf.IsZero() {
		// Today, and tomorrow too: only future-dated articles wait (future.go).
		asOf = ix.now()
		until = futureFrom(asOf)
	}
	cands, err := ix.firstStage(ctx, r, man, q, opts, until)
	if err != nil {
		return ans, err
	}
	if len(cands) == 0 {
		ans.NoMatch = briefbot.NothingMatched
		return ans, nil
	}
	rr := ix.newReranker(r, q, w, asOf)
	if err := rr.rank(ctx, man, cands); err != nil {
		return ans, err
	}
	if rr.covered {
		ans.Passages, ans.Stories = bestPassages(rr.cands, askK(opts.K), opts.Scope)
	}
	if len(ans.Passages) == 0 {
		ans.NoMatch = briefbot.NothingMatched
	}
	return ans, nil
}

// askK is the number of passages to return for a requested k.
func askK(k int) int {
	if k <= 0 {
		return askDefaultK
	}
	return min(k, MaxPassages)
}

// allTerms is every distinct analyzed term of text, quiz words included,
// each counted as asked.
func (ix *Index) allTerms(text string) []questionTerm {
	var out []questionTerm
	for _, t := range ix.analyze(text, askMaxTerms) {
		if !slices.ContainsFunc(out, func(qt questionTerm) bool { return qt.term == t.term }) {
			out = append(out, questionTerm{term: t.term, asked: true, from: t.term})
		}
	}
	return out
}

// parseQuestion opens the postings of the question's terms, looks for a
// term no paragraph holds by its nearest spelling (respelled names those
// words, as typed) and weighs the terms. Close q.terms with closeTerms.
//
// view, when not nil, is the asker's scope, which hides some documents:
// terms are then counted and weighed over what it sees (correctTerms).
func parseQuestion(ctx context.Context, r bleveindex.IndexReader, text string, qts []questionTerm, pairs [][2]int, view *scopeView) (q *question, respelled []string, err error) {
	terms := make([]string, len(qts))
	for i, qt := range qts {
		terms[i] = qt.term
	}
	sts, err := openTerms(ctx, r, terms)
	if err != nil {
		return nil, nil, err
	}
	replaced, err := correctTerms(ctx, r, sts, view)
	if err != nil {
		closeTerms(sts)
		return nil, nil, err
	}
	for _, i := range replaced {
		respelled = append(respelled, qts[i].from)
	}
	q = &question{terms: sts, index: map[string]int{}, pairs: pairs, asked: make([]bool, len(qts)), typ: answerType(text), words: map[string]bool{}}
	for i, t := range sts {
		q.index[t.term] = i
		q.total += t.idf
		q.asked[i] = qts[i].asked
		if q.asked[i] {
			q.askedTotal += t.idf
		}
	}
	for _, wd := range words(text) {
		q.words[strings.ToLower(wd.text)] = true
	}
	return q, respelled, nil
}

// inIndex reports whether some paragraph holds one of the question's terms.
func (q *question) inIndex() bool {
	return slices.ContainsFunc(q.terms, func(t stageTerm) bool { return t.df > 0 })
}

// firstStage reads the best BM25 hits among the paragraphs Ask may quote
// (published before until, within the options' since and source), with
// their BM25 scores normalised by the best one's, best first.
func (ix *Index) firstStage(ctx context.Context, r bleveindex.IndexReader, man *manifest, q *question, opts briefbot.AskOptions, until time.Time) ([]*candidate, error) {
	f := filter{to: until, source: opts.Source, scope: opts.Scope}
	if !opts.Since.IsZero() {
		f.from = dayStart(opts.Since)
	}
	keep, err := ix.admitted(ctx, r, man, f)
	if err != nil {
		return nil, err
	}
	hits, err := bm25Top(ctx, q.terms, askCandidates, keep)
	if err != nil {
		return nil, err
	}
	var cands []*candidate
	for _, h := range hits {
		key, err := r.ExternalID(internalID(h.doc))
		if err != nil {
			return nil, err
		}
		c, err := readCandidate(r, man, h.doc, key)
		if err != nil {
			return nil, err
		}
		if c != nil {
			c.rawScore, c.terms = h.score, h.terms
			cands = append(cands, c)
		}
	}
	if len(cands) > 0 && cands[0].rawScore > 0 { // hits come best first
		for _, c := range cands {
			c.f.bm25 = c.rawScore / cands[0].rawScore
		}
	}
	return cands, nil
}

// reranker scores candidates on the evidence BM25 cannot see (rank.go):
// first the BM25 hits, then the paragraphs next to the best of them. What
// carries over from the hits to their neighbours is kept here: each hit's
// normalised BM25 (a neighbour's feature), each article's title coverage,
// and whether any candidate covers enough of the question to answer it.
type reranker struct {
	ix      *Index
	r       bleveindex.IndexReader
	q       *question
	w       rankWeights
	asOf    time.Time
	cands   []*candidate       // every candidate scored, best first
	bm25    map[string]float64 // hit key -> normalised BM25
	titles  map[string]float64 // article id -> title coverage
	covered bool               // some candidate has askMinCoverage
}

func (ix *Index) newReranker(r bleveindex.IndexReader, q *question, w rankWeights, asOf time.Time) *reranker {
	return &reranker{ix: ix, r: r, q: q, w: w, asOf: asOf, bm25: map[string]float64{}, titles: map[string]float64{}}
}

// rank scores the hits, then their neighbours, leaving every candidate in
// rr.cands, best first.
func (rr *reranker) rank(ctx context.Context, man *manifest, hits []*candidate) error {
	for _, c := range hits {
		rr.bm25[c.key] = c.f.bm25
	}
	if err := rr.add(ctx, hits); err != nil {
		return err
	}
	nbs, err := neighbours(rr.r, man, rr.cands)
	if err != nil || len(nbs) == 0 {
		return err
	}
	return rr.add(ctx, nbs)
}

// add computes the features of cs, then scores and sorts all candidates:
// the recency penalty of an undated one depends on all the others.
func (rr *reranker) add(ctx context.Context, cs []*candidate) error {
	rr.cands = append(rr.cands, cs...)
	occs, err := termOccurrences(ctx, rr.r, rr.q.terms, cs)
	if err != nil {
		return err
	}
	for i, c := range cs {
		rr.features(c, occs[i])
	}
	ages := make([]float64, len(rr.cands))
	for i, c := range rr.cands {
		ages[i] = c.f.ageDays
	}
	for i, p := range rr.w.agePenalties(ages) {
		rr.cands[i].score = rr.w.evidence(rr.cands[i].f) - p
	}
	// Equal scores are ordered by paragraph key, not by document number:
	// numbers depend on how batches were cut and merged, and two replicas
	// holding the same paragraphs must give the same answer.
	slices.SortFunc(rr.cands, func(a, b *candidate) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.key, b.key))
	})
	return nil
}

// features fills in c's features but BM25, from its text, where the
// question's terms occur in it (occs), its article and its neighbours.
func (rr *reranker) features(c *candidate, occs []occurrence) {
	ev := evidenceOf(rr.q, c.text, occs)
	c.f.coverage, c.f.asked, c.f.prox, c.f.typ, c.f.novel = ev.coverage, ev.asked, ev.prox, ev.typ, ev.novel
	c.answer = ev.answer
	rr.covered = rr.covered || c.f.coverage >= askMinCoverage
	tc, ok := rr.titles[c.aid]
	if !ok {
		tc = rr.ix.titleCoverage(rr.q, c.art.Title)
		rr.titles[c.aid] = tc
	}
	c.f.title = tc
	c.f.lead = isLead(c.art, c.n)
	prev := rr.bm25[sibling(c.art, c.aid, c.n, c.part, -1)]
	next := rr.bm25[sibling(c.art, c.aid, c.n, c.part, +1)]
	c.f.nb = max(prev, next)
	c.f.ageDays = ageDays(c.art.Published, rr.asOf)
}

// bestPassages quotes up to k of the ranked candidates, skipping empty
// texts, stopping at one that scores askMaxDrop below the best, and
// showing each passage once: another article's copy of a quoted paragraph
// (its article a near-duplicate, its text the same or lightly edited) goes
// into the passage's AlsoIn, whatever its rank, and the same text in an
// article that is not a copy (or not signed) is dropped as before. The
// passage quoted is the best-ranked copy, not the original: grouping never
// hides the paragraph that answers. scope is the asker's: only what it sees
// is grouped, pair by pair (copies.go). stories counts the stories quoted.
func bestPassages(cands []*candidate, k int, scope briefbot.Scope) (out []briefbot.Passage, stories int) {
	var chosen []*candidate
	var copies [][]*candidate // of each chosen candidate
	sigs := sigCache{}
	seen := map[string]bool{}
	for _, c := range cands {
		if c.text == "" || !scope.Sees(c.art.Space) {
			continue
		}
		if i := sigs.copyOf(c, chosen); i >= 0 {
			copies[i] = append(copies[i], c)
			continue
		}
		near := nearKey(c.text)
		if seen[c.hash] || seen[near] || len(chosen) == k || c.score < cands[0].score-askMaxDrop {
			continue // past k or the drop, candidates are read for copies only
		}
		seen[c.hash], seen[near] = true, true
		chosen, copies = append(chosen, c), append(copies, nil)
	}
	for i, c := range chosen {
		ref := c.art.ref(c.aid)
		out = append(out, briefbot.Passage{
			Article: ref, Paragraph: c.n, ID: briefbot.ParagraphID(ref.ID, c.n),
			Text: c.text, Answer: c.answer, Score: c.score, AlsoIn: alsoIn(c, copies[i]),
		})
	}
	return out, sigs.countStories(chosen)
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
func neighbours(r bleveindex.IndexReader, man *manifest, cands []*candidate) ([]*candidate, error) {
	have := make(map[string]bool, len(cands))
	for _, c := range cands {
		have[c.key] = true
	}
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
