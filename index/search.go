package index

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

const (
	searchDefaultPageSize = 5
	searchMaxPageSize     = 50
	searchMaxTokens       = 32   // keywords and phrases in one query
	searchMaxFetch        = 1000 // hits read to collapse copies and page: Total counts no further
	fragmentBytes         = 220  // target length of a highlighted fragment
	maxFragments          = 2
)

// kwToken is one item of a keyword query: a word or a quoted phrase,
// possibly excluded with a leading '-'.
type kwToken struct {
	text    string
	phrase  bool
	exclude bool
}

func isQuote(r rune) bool { return r == '"' || r == '“' || r == '”' || r == '„' }

// parseKeywords reads `budget "white house" -defense -"prime minister"`.
// It is deliberately forgiving: an unbalanced quote runs to the end, a lone
// '-' is ignored, and every other character is just text for the analyzer.
func parseKeywords(s string) []kwToken {
	s = clip(s, maxQueryBytes)
	var out []kwToken
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		exclude := false
		if rs[i] == '-' {
			exclude = true
			i++
			if i == len(rs) || unicode.IsSpace(rs[i]) {
				continue
			}
		}
		if isQuote(rs[i]) {
			j := i + 1
			for j < len(rs) && !isQuote(rs[j]) {
				j++
			}
			out = append(out, kwToken{text: string(rs[i+1 : j]), phrase: true, exclude: exclude})
			i = j + 1
			continue
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) && !isQuote(rs[j]) {
			j++
		}
		out = append(out, kwToken{text: string(rs[i:j]), exclude: exclude})
		i = j
	}
	return out
}

// Search finds paragraphs holding all keywords and phrases and none of the
// exclusions, newest-relevant first, with highlighted fragments. page is
// 1-based; pageSize defaults to 5. Copies of a paragraph (the same words,
// see textHash) are shown once. Total is the number of passages the pages
// hold, the same on every page (of the best searchMaxFetch hits when more
// match); a page past the end has no Passages but still the Total.
func (ix *Index) Search(ctx context.Context, keywords string, f briefbot.SearchFilters, page, pageSize int) (briefbot.SearchPage, error) {
	sp, err := guard(ix, func() (briefbot.SearchPage, error) { return ix.search(ctx, keywords, f, page, pageSize) })
	return sp, wrapErr("search", err)
}

func (ix *Index) search(ctx context.Context, keywords string, f briefbot.SearchFilters, page, pageSize int) (briefbot.SearchPage, error) {
	sp := briefbot.SearchPage{Query: keywords, Page: max(page, 1), PageSize: searchPageSize(pageSize)}
	man := ix.snapshot()
	r, err := ix.reader()
	if err != nil {
		return sp, err
	}
	defer r.Close()
	flt := searchFilter(f, ix.now())
	// What the scope sees, for the spelling correction (nil: everything).
	vis, err := ix.admitted(ctx, r, man, filter{scope: flt.scope})
	if err != nil {
		return sp, err
	}
	kq, err := ix.compileKeywords(ctx, newSpeller(r, vis), keywords)
	if err != nil {
		return sp, err
	}
	sp.Respelled = kq.respelled
	if len(kq.must) == 0 {
		sp.NoMatch = briefbot.NoContentWords
		if len(kq.not) > 0 {
			sp.NoMatch = briefbot.OnlyExclusions
		}
		return sp, nil
	}
	q := kq.query(flt.query(man), flt.hidden(man))
	sr := newStoredReader(r)
	hits, err := ix.searchHits(ctx, sr, man, q)
	if err != nil {
		return sp, err
	}
	sp.Total = len(hits)
	if sp.Total == 0 {
		sp.NoMatch = briefbot.NothingMatched
		// The user's filters, not the future's, nor the scope's: whether a
		// scope hides anything is none of the asker's business.
		if searchFilter(f, time.Time{}).limits(man) {
			sp.NoMatch = briefbot.NothingWithFilters
		}
		return sp, nil
	}
	sp.Passages, err = ix.pagePassages(ctx, sr, man, q, pageOf(hits, sp.Page, sp.PageSize))
	return sp, err
}

// searchPageSize is the page size to use for a requested one.
func searchPageSize(n int) int {
	if n <= 0 {
		return searchDefaultPageSize
	}
	return min(n, searchMaxPageSize)
}

// keywordQuery is a keyword query's clauses: what paragraphs must hold and
// must not.
type keywordQuery struct {
	must, not []query.Query
	respelled []string // keywords, as typed, searched by their nearest spelling
}

// compileKeywords parses keywords into clauses, at most searchMaxTokens. A
// word no paragraph holds is searched by its nearest spelling.
func (ix *Index) compileKeywords(ctx context.Context, spell *speller, keywords string) (keywordQuery, error) {
	var kq keywordQuery
	for _, tok := range parseKeywords(keywords) {
		if len(kq.must)+len(kq.not) == searchMaxTokens {
			break
		}
		ts := ix.analyze(tok.text, 16)
		if len(ts) == 0 {
			continue // stop words and punctuation constrain nothing
		}
		q, err := kq.clause(ctx, spell, tok, ts)
		if err != nil {
			return kq, err
		}
		if tok.exclude {
			kq.not = append(kq.not, q)
		} else {
			kq.must = append(kq.must, q)
		}
	}
	return kq, nil
}

// clause is the query of one keyword or phrase, analyzed into ts.
func (kq *keywordQuery) clause(ctx context.Context, spell *speller, tok kwToken, ts []qterm) (query.Query, error) {
	if tok.phrase || len(ts) > 1 {
		return phraseQuery(ts, fText, 0), nil // "e-mail" is a phrase too
	}
	term := ts[0].term
	if !tok.exclude {
		// A word no paragraph holds would empty the whole search: look for
		// its nearest spelling instead, and say so.
		near, err := spell.respell(ctx, term)
		if err != nil {
			return nil, err
		}
		if near != term {
			term = near
			if !slices.Contains(kq.respelled, tok.text) {
				kq.respelled = append(kq.respelled, tok.text)
			}
		}
	}
	return termQuery(term, fText, 0), nil
}

// query is the Bleve query of the clauses, limited by filter and without
// the paragraphs of hidden (nil: none).
func (kq *keywordQuery) query(filter, hidden query.Query) query.Query {
	bq := bleve.NewBooleanQuery()
	bq.AddMust(kq.must...)
	if len(kq.not) > 0 {
		bq.AddMustNot(kq.not...)
	}
	if hidden != nil {
		bq.AddMustNot(hidden)
	}
	if filter != nil {
		bq.AddFilter(filter)
	}
	return bq
}

// searchFilter is the index filter of Search's filters. Without an Until,
// future-dated articles (future.go) are left out for the clock reading now,
// unless Since asks for their days; a zero now leaves in everything.
func searchFilter(f briefbot.SearchFilters, now time.Time) filter {
	flt := filter{source: f.Source, author: f.Author, scope: f.Scope}
	if !f.Since.IsZero() {
		flt.from = dayStart(f.Since)
	}
	if !f.Until.IsZero() {
		flt.to = nextDay(f.Until)
	} else if !now.IsZero() && (flt.from.IsZero() || flt.from.Before(futureFrom(now))) {
		flt.to = futureFrom(now)
	}
	return flt
}

// searchHit is a paragraph a search found.
type searchHit struct {
	id    string
	doc   bleveindex.IndexInternalID
	score float64
}

// searchHits runs q for its best searchMaxFetch hits, by score then id
// (stable pages across requests; of hits tied at the last place kept, which
// are kept may change when Bleve merges segments), and drops paragraphs of articles not in
// the committed manifest and repeated texts. What is left is every passage
// a user can page through, so its length is the search's Total: the same on
// every page, since the collapsing is over all hits, not the page's.
func (ix *Index) searchHits(ctx context.Context, sr *storedReader, man *manifest, q query.Query) ([]searchHit, error) {
	// By score alone: a tie-break by id in the request would have Bleve
	// read the id of every match, not just of the hits kept.
	req := bleve.NewSearchRequestOptions(q, searchMaxFetch, 0, false)
	res, err := ix.bl.SearchInContext(ix.scoring(ctx), req)
	if err != nil {
		return nil, err
	}
	hits := make([]searchHit, 0, len(res.Hits))
	for _, h := range res.Hits {
		// The query leaves out what the scope does not see, so copies are
		// collapsed (dropCopies) among visible paragraphs only.
		if aid, _, _, _ := briefbot.SplitKey(h.ID); man.Articles[aid] != nil {
			hits = append(hits, searchHit{id: h.ID, doc: h.IndexInternalID, score: h.Score})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].id < hits[j].id
	})
	return dropCopies(sr, hits)
}

// dropCopies keeps the first of hits with the same normalized text
// (textHash), in order. Copies hold the same words, so they score the same
// and sit side by side in hits: only runs of equal scores need their stored
// hash read. (Copies whose words the analyzer reads differently, a straight
// against a curly apostrophe, score differently and are both shown.)
func dropCopies(sr *storedReader, hits []searchHit) ([]searchHit, error) {
	out := hits[:0]
	for i := 0; i < len(hits); {
		j := i + 1
		for j < len(hits) && hits[j].score == hits[i].score {
			j++
		}
		if j-i == 1 {
			out = append(out, hits[i])
			i = j
			continue
		}
		seen := map[string]bool{}
		for _, h := range hits[i:j] {
			st, err := sr.read(h, false)
			if err != nil {
				return nil, err
			}
			if st.hash == "" || !seen[st.hash] {
				seen[st.hash] = true
				out = append(out, h)
			}
		}
		i = j
	}
	return out, nil
}

// pageOf is the hits of a 1-based page; none past the end.
func pageOf(hits []searchHit, page, pageSize int) []searchHit {
	from := (page - 1) * pageSize
	if from >= len(hits) {
		return nil
	}
	return hits[from:min(from+pageSize, len(hits))]
}

// pagePassages quotes the hits of one page, in their order, with
// highlighted fragments: q is run again over just these documents for the
// locations of its terms.
func (ix *Index) pagePassages(ctx context.Context, sr *storedReader, man *manifest, q query.Query, hits []searchHit) ([]briefbot.Passage, error) {
	if len(hits) == 0 {
		return nil, nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(q, bleve.NewDocIDQuery(ids)), len(ids), 0, false)
	req.IncludeLocations = true
	res, err := ix.bl.SearchInContext(ix.scoring(ctx), req)
	if err != nil {
		return nil, err
	}
	locations := make(map[string]search.TermLocationMap, len(res.Hits))
	for _, dm := range res.Hits {
		locations[dm.ID] = dm.Locations[fText]
	}
	var out []briefbot.Passage
	for _, h := range hits {
		st, err := sr.read(h, true)
		if err != nil {
			return nil, err
		}
		p, ok := passage(man, h.id, st.text, h.score)
		if !ok || st.text == "" {
			continue // removed since the search
		}
		p.Highlights = highlight(st.text, spans(locations[h.id]))
		out = append(out, p)
	}
	return out, nil
}

// storedReader reads the stored fields of hits by their document numbers,
// sparing Document's lookup of the id in every segment: for the hundreds of
// hits whose hash a search reads, that lookup is most of its time.
type storedReader struct {
	r       bleveindex.IndexReader
	segs    []*scorch.SegmentSnapshot
	offsets []uint64 // of each segment's first document number
}

func newStoredReader(r bleveindex.IndexReader) *storedReader {
	sr := &storedReader{r: r}
	if is, ok := r.(*scorch.IndexSnapshot); ok {
		var first uint64
		for _, ss := range is.Segments() {
			sr.segs = append(sr.segs, ss)
			sr.offsets = append(sr.offsets, first)
			first += ss.Segment().Count()
		}
	}
	return sr
}

// stored is what a hit's document holds; empty when it is gone.
type stored struct{ text, hash string }

// read reads h's hash, and its text if withText. A hit found in a newer
// snapshot than sr's (an ingest committed in between) is looked up by id.
func (sr *storedReader) read(h searchHit, withText bool) (stored, error) {
	var st stored
	var id string
	visit := func(field string, _ byte, val []byte, _ []uint64) bool {
		switch {
		case field == "_id":
			id = string(val)
		case field == fHash:
			st.hash = string(val)
		case field == fText && withText:
			st.text = string(val)
		}
		return true
	}
	if len(h.doc) == 8 && len(sr.segs) > 0 {
		n := h.doc.Value()
		seg := sort.Search(len(sr.offsets), func(i int) bool { return sr.offsets[i] > n }) - 1
		if err := sr.segs[seg].VisitDocument(n-sr.offsets[seg], visit); err == nil && id == h.id {
			return st, nil
		}
	}
	st = stored{}
	d, err := sr.r.Document(h.id)
	if err != nil || d == nil {
		return st, err
	}
	d.VisitFields(func(f bleveindex.Field) { visit(f.Name(), 0, f.Value(), nil) })
	return st, nil
}

type span struct{ start, end int }

// spans are the byte ranges of matched terms, sorted and merged.
func spans(tl search.TermLocationMap) []span {
	var out []span
	for _, locs := range tl {
		for _, l := range locs {
			out = append(out, span{int(l.Start), int(l.End)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	merged := out[:0]
	for _, s := range out {
		if n := len(merged); n > 0 && s.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// highlight cuts text into up to maxFragments fragments around the matched
// spans, each wrapped in briefbot.HighlightStart/End. Fragments begin and end
// at word boundaries, with an ellipsis on a side that cuts a sentence;
// without spans, the start of the text is the fragment.
func highlight(text string, ss []span) []string {
	valid := ss[:0]
	for _, s := range ss {
		if s.start < 0 || s.end > len(text) || s.start >= s.end {
			continue
		}
		// Words of a phrase are marked as one: "White House", not "White" "House".
		if n := len(valid); n > 0 && valid[n-1].end <= s.start && strings.TrimSpace(text[valid[n-1].end:s.start]) == "" {
			valid[n-1].end = s.end
			continue
		}
		valid = append(valid, s)
	}
	ss = valid
	edges := newSentenceEdges(text)
	if len(ss) == 0 {
		end := wordEnd(text, min(len(text), fragmentBytes))
		return []string{edges.mark(text, strings.TrimSpace(text[:end]), 0, end)}
	}
	var frags []string
	for i := 0; i < len(ss) && len(frags) < maxFragments; {
		start := wordStart(text, max(0, ss[i].start-fragmentBytes/4))
		end := wordEnd(text, min(len(text), start+fragmentBytes))
		if end < ss[i].end {
			end = ss[i].end
		}
		var b strings.Builder
		at := start
		for ; i < len(ss) && ss[i].start < end; i++ {
			if ss[i].end > end {
				end = ss[i].end
			}
			b.WriteString(text[at:ss[i].start])
			b.WriteString(briefbot.HighlightStart)
			b.WriteString(text[ss[i].start:ss[i].end])
			b.WriteString(briefbot.HighlightEnd)
			at = ss[i].end
		}
		b.WriteString(text[at:end])
		frags = append(frags, edges.mark(text, strings.TrimSpace(b.String()), start, end))
	}
	return frags
}

// sentenceEdges are where the sentences of a text start and end (byte
// offsets), to tell a fragment cut mid-sentence from a whole one.
type sentenceEdges struct{ starts, ends map[int]bool }

func newSentenceEdges(text string) sentenceEdges {
	e := sentenceEdges{starts: map[int]bool{0: true}, ends: map[int]bool{len(text): true}}
	for _, s := range textrules.SplitSentences(text) {
		e.starts[s.Start], e.ends[s.End] = true, true
	}
	return e
}

// mark puts an ellipsis on each side where frag, the (highlighted)
// fragment text[start:end], cuts a sentence: "…the ferry sank after…".
func (e sentenceEdges) mark(text, frag string, start, end int) string {
	cut := text[start:end]
	trimmed := strings.TrimLeftFunc(cut, unicode.IsSpace)
	start += len(cut) - len(trimmed)
	end = start + len(strings.TrimRightFunc(trimmed, unicode.IsSpace))
	if !e.starts[start] {
		frag = "…" + frag
	}
	if !e.ends[end] {
		frag += "…"
	}
	return frag
}

// wordStart moves i back to the start of the word it is in.
func wordStart(text string, i int) int {
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if unicode.IsSpace(r) {
			break
		}
		i -= size
	}
	return i
}

// wordEnd moves i forward to the end of the word it is in.
func wordEnd(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}
