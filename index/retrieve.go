package index

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/search"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/briefbot/briefbot"
)

// Ask's first stage: BM25 over the index's postings, term at a time.
//
// Bleve's searchers score a disjunction document at a time, through a heap
// of term iterators, a pool of matches and a filter searcher advanced beside
// them; on the news set that was 5 to 6 ms of a question's time at the
// median and over 15 ms at the 99th percentile. Reading each question term's
// postings straight from the index reader and adding into a table of scores
// gives exactly the scores Bleve's query gave (see TestFirstStageMatchesBleve)
// in a fraction of the time, and a date or source limit becomes a lookup of
// the paragraph's article instead of a numeric range query.

// stageTerm is one distinct question term with its postings.
type stageTerm struct {
	term     string
	idf      float64 // BM25 idf over paragraph texts
	df       uint64
	common   bool // in more than about 5 % of paragraphs (askCommonIDF)
	postings bleveindex.TermFieldReader
}

// openTerms opens the postings of each term in the text field. A term no
// paragraph holds gets df 0 and the idf of a term seen once: it scores
// nothing, but it still counts against a paragraph's coverage of the
// question, since a question about something the corpus never mentions is
// not answered by its other words. Close the result with closeTerms.
func openTerms(ctx context.Context, r bleveindex.IndexReader, terms []string) ([]stageTerm, error) {
	n, err := r.DocCount()
	if err != nil {
		return nil, err
	}
	out := make([]stageTerm, 0, len(terms))
	for _, t := range terms {
		st, err := openTerm(ctx, r, n, t)
		if err != nil {
			closeTerms(out)
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// openTerm opens one term's postings in the text field of r, whose
// documents number n.
func openTerm(ctx context.Context, r bleveindex.IndexReader, n uint64, term string) (stageTerm, error) {
	tfr, err := r.TermFieldReader(ctx, []byte(term), fText, true, true, false)
	if err != nil {
		return stageTerm{}, err
	}
	df := tfr.Count()
	idf := bm25IDF(n, max(df, 1))
	return stageTerm{term: term, idf: idf, df: df, common: idf < askCommonIDF, postings: tfr}, nil
}

func closeTerms(ts []stageTerm) {
	for _, t := range ts {
		t.postings.Close()
	}
}

// firstHit is a paragraph the first stage found: its document number in the
// reader's snapshot, and its score.
type firstHit struct {
	doc   uint64
	score float64
	terms uint64 // bit i set: the paragraph holds terms[i]
}

// Term masks (docScore.terms) have a bit for each question term.
const _ = uint(64 - askMaxTerms) // fails to compile when askMaxTerms > 64

// docScore accumulates one paragraph's score: the BM25 sums of its rare and
// of its common question terms, and how many of each it holds.
type docScore struct {
	sum   [2]float64
	count [2]uint16
	terms uint64 // which terms, by index
}

// blockDocs is how many document numbers the first stage scores at a time:
// every term's postings in the block, then the next block. The block's
// scores (96 KB) stay in the processor's cache, where a table for the whole
// index would be fetched from memory at nearly every posting.
const blockDocs = 4096

// scoreBlock is the first stage's scratch space. Kept for reuse in a small
// free list rather than a sync.Pool, which drops it at every collection.
type scoreBlock struct {
	docs    [blockDocs]docScore
	touched []uint64
}

var scoreBlocks = make(chan *scoreBlock, 4)

// cursor is a term's position in its postings.
type cursor struct {
	doc        uint64
	freq       uint64
	norm       float64
	done       bool
	postings   bleveindex.TermFieldReader
	weight     float64 // idf² (Bleve's query weight is idf on top of BM25's idf; the query norm comes last)
	group      int
	bit        uint64 // the term's bit in docScore.terms
	id         bleveindex.IndexInternalID
	scratchDoc bleveindex.TermFieldDoc
}

// next moves to the term's next document at or after min.
func (c *cursor) next(min uint64) error {
	var d *bleveindex.TermFieldDoc
	var err error
	if min > c.doc+1 {
		c.id.SetValue(min)
		d, err = c.postings.Advance(c.id, &c.scratchDoc)
	} else {
		d, err = c.postings.Next(&c.scratchDoc)
	}
	if err != nil || d == nil {
		c.done = true
		return err
	}
	c.doc, c.freq, c.norm = d.ID.Value(), d.Freq, d.Norm
	return nil
}

// bm25Top scores every paragraph holding a question term and returns the n
// best for which keep (nil: all) is true, best first, ties by document
// number.
//
// The score is what Bleve gives Ask's query (the rare terms as a required
// disjunction, the common ones as an optional one; one disjunction when the
// terms are all rare or all common): each term adds its BM25 weight times
// its idf, each disjunction's sum is scaled by the share of its terms
// present (Bleve's coord), and everything by Bleve's query norm. When there
// are rare terms, a paragraph with only common ones is not a candidate: the
// common terms' long postings only add to scores, and are skipped through
// where no rare term occurs.
func bm25Top(ctx context.Context, terms []stageTerm, n int, keep func(doc uint64) bool) ([]firstHit, error) {
	if n <= 0 {
		return nil, nil
	}
	st, err := newBM25Stage(terms)
	if err != nil || st == nil {
		return nil, err
	}
	blk := takeBlock()
	best := &hitHeap{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		base, ok := st.nextBlock()
		if !ok {
			break
		}
		if err := st.score(blk, base); err != nil {
			return nil, err // blk is left half-scored: not reused
		}
		st.collect(blk, base, best, n, keep)
	}
	giveBlock(blk)
	out := slices.Clone(*best)
	slices.SortFunc(out, func(a, b firstHit) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	return out, nil
}

// bm25Stage is one run of the first stage: a cursor on each question term
// some paragraph holds, rare terms (group 0) first.
type bm25Stage struct {
	curs      []*cursor
	size      [2]int  // terms in each group
	queryNorm float64 // Bleve's query norm: 1 / sqrt(sum of idf²)
}

// newBM25Stage opens a cursor on each term; nil when no paragraph holds
// any. When there are both rare and common terms, the common ones form the
// second group.
func newBM25Stage(terms []stageTerm) (*bm25Stage, error) {
	var sumSq float64
	var rare, common bool
	for _, t := range terms {
		if t.df > 0 {
			sumSq += t.idf * t.idf
			rare, common = rare || !t.common, common || t.common
		}
	}
	if sumSq == 0 {
		return nil, nil
	}
	st := &bm25Stage{queryNorm: 1 / math.Sqrt(sumSq)}
	for i, t := range terms {
		if t.df == 0 {
			continue
		}
		g := 0
		if rare && common && t.common {
			g = 1
		}
		st.size[g]++
		c := &cursor{postings: t.postings, weight: t.idf * t.idf, group: g, bit: 1 << uint(i), id: make(bleveindex.IndexInternalID, 8)}
		if err := c.next(0); err != nil {
			return nil, err
		}
		st.curs = append(st.curs, c)
	}
	// Rare terms first in each block: they decide which paragraphs are
	// candidates.
	slices.SortStableFunc(st.curs, func(a, b *cursor) int { return cmp.Compare(a.group, b.group) })
	return st, nil
}

// nextBlock is the first document number of the next block holding a
// candidate: the block of the lowest document of a first-group term.
func (st *bm25Stage) nextBlock() (base uint64, ok bool) {
	first, any := uint64(0), false
	for _, c := range st.curs {
		if c.group == 0 && !c.done && (!any || c.doc < first) {
			first, any = c.doc, true
		}
	}
	return first / blockDocs * blockDocs, any
}

// score adds the postings of every term in the block starting at base into
// blk. A second-group term only adds to paragraphs a first-group term
// reached.
func (st *bm25Stage) score(blk *scoreBlock, base uint64) error {
	end := base + blockDocs
	for _, c := range st.curs {
		if !c.done && c.doc < base {
			if err := c.next(base); err != nil {
				return err
			}
		}
		for !c.done && c.doc < end {
			ds := &blk.docs[c.doc-base]
			if c.group == 0 || ds.count[0] > 0 {
				if ds.count[0] == 0 && ds.count[1] == 0 {
					blk.touched = append(blk.touched, c.doc)
				}
				ds.sum[c.group] += c.weight * bm25TF(c.freq, c.norm)
				ds.count[c.group]++
				ds.terms |= c.bit
			}
			if err := c.next(0); err != nil {
				return err
			}
		}
	}
	return nil
}

// collect turns the block's sums into scores (each group's sum scaled by
// the share of its terms present), pushes those keep admits into best (n at
// most), and clears the block for the next one.
func (st *bm25Stage) collect(blk *scoreBlock, base uint64, best *hitHeap, n int, keep func(doc uint64) bool) {
	for _, doc := range blk.touched {
		ds := &blk.docs[doc-base]
		var s float64
		for g := range st.size {
			if ds.count[g] > 0 {
				s += ds.sum[g] * float64(ds.count[g]) / float64(st.size[g])
			}
		}
		h := firstHit{doc: doc, score: s * st.queryNorm, terms: ds.terms}
		*ds = docScore{}
		if len(*best) == n && !better(h, (*best)[0]) {
			continue
		}
		if keep != nil && !keep(doc) {
			continue
		}
		best.push(h, n)
	}
	blk.touched = blk.touched[:0]
}

// takeBlock takes a scoreBlock from the free list, or makes one.
func takeBlock() *scoreBlock {
	select {
	case blk := <-scoreBlocks:
		return blk
	default:
		return new(scoreBlock)
	}
}

// giveBlock returns a cleared scoreBlock to the free list, unless it is full.
func giveBlock(blk *scoreBlock) {
	select {
	case scoreBlocks <- blk:
	default:
	}
}

// bm25TF is BM25's term-frequency part as Bleve computes it: the square root
// of the frequency, saturated by k1 and normalised by the paragraph's length
// (recovered from Bleve's norm, 1/sqrt(length)) against bm25AvgDocLength.
func bm25TF(freq uint64, norm float64) float64 {
	tf := math.Sqrt(float64(freq))
	length := 1 / (norm * norm)
	return tf * search.BM25_k1 / (tf + search.BM25_k1*(1-search.BM25_b+search.BM25_b*length/bm25AvgDocLength))
}

// better orders hits as Bleve's collector does: higher score, then lower
// document number.
func better(a, b firstHit) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.doc < b.doc
}

// hitHeap is a min-heap of the best hits so far, the worst on top. Typed,
// not container/heap: boxing every hit in an interface allocated.
type hitHeap []firstHit

// push adds h, dropping the worst hit when the heap already holds n.
func (hh *hitHeap) push(h firstHit, n int) {
	s := *hh
	if len(s) == n {
		s[0] = h
		s.down(0)
		return
	}
	s = append(s, h)
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !better(s[p], s[i]) {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
	*hh = s
}

func (s hitHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(s) {
			return
		}
		worst := l
		if r := l + 1; r < len(s) && better(s[l], s[r]) {
			worst = r
		}
		if !better(s[i], s[worst]) {
			return
		}
		s[i], s[worst] = s[worst], s[i]
		i = worst
	}
}

// admitted returns whether f lets a document of r's snapshot through, as a
// function of its number; nil when f lets everything through.
func (ix *Index) admitted(ctx context.Context, r bleveindex.IndexReader, man *manifest, f filter) (func(doc uint64) bool, error) {
	if !f.restricts(man) {
		return nil, nil
	}
	arts, err := ix.articlesOf(ctx, r)
	if err != nil {
		return nil, err
	}
	if !f.limits(man) {
		// The scope alone: decided by the document's space, an array
		// lookup, where the manifest lookup below costs a map access per
		// posting.
		sc := f.scope
		return func(doc uint64) bool { return sc.Sees(arts.space(doc)) }, nil
	}
	adm := f.admitter()
	return func(doc uint64) bool {
		a := man.Articles[arts.article(doc)]
		return a != nil && adm.admits(a)
	}, nil
}

// internalID is the index's id for document number doc.
func internalID(doc uint64) bleveindex.IndexInternalID {
	id := make(bleveindex.IndexInternalID, 8)
	id.SetValue(doc)
	return id
}

// docArticles maps the document numbers of one index snapshot to article
// ids, so that the first stage can apply Ask's date and source limits
// through the manifest. Built from the article-id field's postings (about
// 30 ms for the 96,000 paragraphs of the news set) once per snapshot: the
// snapshot changes only when the index does.
type docArticles struct {
	snapshot bleveindex.IndexReader // compared by identity, never read
	aid      []string
	spaces   []string // each document's space, from its article's key

	// dfs caches how many paragraphs of a scope hold a term (key: the
	// scope's server, spaceSep, the term), which Ask counts posting by
	// posting when the scope hides some (speller.reweigh): the common
	// terms that cost most to count recur from question to question.
	dfMu sync.Mutex
	dfs  map[string]uint64
}

// maxCachedDFs bounds docArticles.dfs; when full it starts afresh.
const maxCachedDFs = 50000

// cachedDF is the cached count of term's paragraphs in server's scope.
func (t *docArticles) cachedDF(server, term string) (uint64, bool) {
	t.dfMu.Lock()
	defer t.dfMu.Unlock()
	df, ok := t.dfs[server+spaceSep+term]
	return df, ok
}

// storeDF caches the count of term's paragraphs in server's scope.
func (t *docArticles) storeDF(server, term string, df uint64) {
	t.dfMu.Lock()
	defer t.dfMu.Unlock()
	if t.dfs == nil || len(t.dfs) >= maxCachedDFs {
		t.dfs = map[string]uint64{}
	}
	t.dfs[server+spaceSep+term] = df
}

func (t *docArticles) article(doc uint64) string {
	if doc < uint64(len(t.aid)) {
		return t.aid[doc]
	}
	return ""
}

// space is the space of document doc; an unknown document's is one no
// scope sees.
func (t *docArticles) space(doc uint64) string {
	if doc < uint64(len(t.spaces)) {
		return t.spaces[doc]
	}
	return spaceSep
}

// keySpace is the space a manifest key names (see spaceKey).
func keySpace(key string) string {
	if s, _, ok := strings.Cut(key, spaceSep); ok && briefbot.CheckServerID(s) == nil {
		return s
	}
	return briefbot.SharedSpace
}

// articlesOf returns the document-to-article table of r's snapshot, building
// it when the snapshot is new.
func (ix *Index) articlesOf(ctx context.Context, r bleveindex.IndexReader) (*docArticles, error) {
	ix.tableMu.Lock()
	defer ix.tableMu.Unlock()
	if t := ix.table; t != nil && t.snapshot == r {
		return t, nil
	}
	dict, err := r.FieldDict(fAID)
	if err != nil {
		return nil, err
	}
	defer dict.Close()
	t := &docArticles{snapshot: r}
	var tfd bleveindex.TermFieldDoc
	for {
		e, err := dict.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		space := keySpace(e.Term)
		tfr, err := r.TermFieldReader(ctx, []byte(e.Term), fAID, false, false, false)
		if err != nil {
			return nil, err
		}
		for {
			d, err := tfr.Next(&tfd)
			if err != nil {
				tfr.Close()
				return nil, err
			}
			if d == nil {
				break
			}
			doc := d.ID.Value()
			if doc >= uint64(len(t.aid)) {
				t.aid = slices.Grow(t.aid, int(doc)+1-len(t.aid))[:int(doc)+1]
			}
			for uint64(len(t.spaces)) <= doc {
				t.spaces = append(t.spaces, spaceSep) // none yet: seen by no scope
			}
			t.aid[doc], t.spaces[doc] = e.Term, space
		}
		tfr.Close()
	}
	ix.table = t
	return t, nil
}

// termOccurrences reads where the question's terms occur in each candidate
// from the index's term vectors: the positions and offsets the analyzer gave
// at ingest, without analyzing the texts again. A candidate's terms mask
// (0: unknown) says which terms to look for in it.
func termOccurrences(ctx context.Context, r bleveindex.IndexReader, terms []stageTerm, cs []*candidate) ([][]occurrence, error) {
	out := make([][]occurrence, len(cs))
	order := make([]int, len(cs)) // candidates by document number
	for i := range cs {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(cs[a].doc, cs[b].doc) })
	var tfd bleveindex.TermFieldDoc
	id := make(bleveindex.IndexInternalID, 8)
	for ti, t := range terms {
		if t.df == 0 {
			continue
		}
		tfr, err := r.TermFieldReader(ctx, []byte(t.term), fText, false, false, true)
		if err != nil {
			return nil, err
		}
		// Only ever advance forwards: Bleve reopens the postings to seek
		// back, even to the document it is on.
		var d *bleveindex.TermFieldDoc
		var cur uint64
		for _, ci := range order {
			c := cs[ci]
			if c.terms != 0 && c.terms&(1<<uint(ti)) == 0 {
				continue
			}
			if d == nil || cur < c.doc {
				id.SetValue(c.doc)
				if d, err = tfr.Advance(id, &tfd); err != nil {
					tfr.Close()
					return nil, err
				}
				if d == nil {
					break // no more documents hold the term
				}
				cur = d.ID.Value()
			}
			if cur == c.doc {
				for _, v := range d.Vectors {
					out[ci] = append(out[ci], occurrence{term: ti, pos: int(v.Pos), start: int(v.Start)})
				}
			}
		}
		tfr.Close()
	}
	return out, nil
}
