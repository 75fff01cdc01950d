package index

import (
	"context"
	"github.com/briefbot/briefbot"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

const (
	searchDefaultPageSize = 5
	searchMaxPageSize     = 50
	searchMaxTokens       = 32   // keywords and phrases in one query
	searchMaxFetch        = 1000 // hits read to collapse duplicates and page; later pages come back empty
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
// 1-based; pageSize defaults to 5. A page past the end has no Passages but
// still the Total. Exact duplicate paragraphs are shown once.
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
	kq, err := ix.compileKeywords(ctx, newSpeller(r), keywords)
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
	flt := searchFilter(f)
	hits, total, err := ix.searchHits(ctx, man, kq.query(flt.query(man)), min(sp.Page*sp.PageSize*2+20, searchMaxFetch))
	if err != nil {
		return sp, err
	}
	sp.Total = total
	if sp.Total == 0 {
		sp.NoMatch = briefbot.NothingMatched
		if flt.restricts(man) {
			sp.NoMatch = briefbot.NothingWithFilters
		}
		return sp, nil
	}
	sp.Passages = pagePassages(man, hits, sp.Page, sp.PageSize)
	return sp, nil
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

// query is the Bleve query of the clauses, limited by filter (nil: none).
func (kq *keywordQuery) query(filter query.Query) query.Query {
	bq := bleve.NewBooleanQuery()
	bq.AddMust(kq.must...)
	if len(kq.not) > 0 {
		bq.AddMustNot(kq.not...)
	}
	if filter != nil {
		bq.AddFilter(filter)
	}
	return bq
}

// searchFilter is the index filter of Search's filters.
func searchFilter(f briefbot.SearchFilters) filter {
	flt := filter{source: f.Source, author: f.Author}
	if !f.Since.IsZero() {
		flt.from = dayStart(f.Since)
	}
	if !f.Until.IsZero() {
		flt.to = nextDay(f.Until)
	}
	return flt
}

// searchHits runs q for the fetch best hits, by score then id (stable pages
// across requests), and drops duplicate texts and paragraphs of articles
// not in the committed manifest. total counts the hits over all pages.
func (ix *Index) searchHits(ctx context.Context, man *manifest, q query.Query, fetch int) (hits []*search.DocumentMatch, total int, err error) {
	req := bleve.NewSearchRequestOptions(q, fetch, 0, false)
	req.Fields = []string{fText, fHash}
	req.IncludeLocations = true
	req.SortBy([]string{"-_score", "_id"})
	res, err := ix.bl.SearchInContext(ix.scoring(ctx), req)
	if err != nil {
		return nil, 0, err
	}
	seen := map[string]bool{}
	dropped := 0
	for _, h := range res.Hits {
		hash := hitField(h.Fields, fHash)
		aid, _, _, _ := briefbot.SplitKey(h.ID)
		if seen[hash] || man.Articles[aid] == nil {
			dropped++
			continue
		}
		seen[hash] = true
		hits = append(hits, h)
	}
	if int(res.Total) <= fetch {
		return hits, len(hits), nil
	}
	return hits, int(res.Total) - dropped, nil // duplicates beyond the fetched hits are not known
}

// pagePassages quotes the hits of one page, with highlighted fragments.
func pagePassages(man *manifest, hits []*search.DocumentMatch, page, pageSize int) []briefbot.Passage {
	var out []briefbot.Passage
	for i := (page - 1) * pageSize; i < len(hits) && i < page*pageSize; i++ {
		h := hits[i]
		text := hitField(h.Fields, fText)
		p, ok := passage(man, h.ID, text, h.Score)
		if !ok {
			continue
		}
		p.Highlights = highlight(text, spans(h.Locations[fText]))
		out = append(out, p)
	}
	return out
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
// at word boundaries; without spans, the start of the text is the fragment.
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
	if len(ss) == 0 {
		end := wordEnd(text, min(len(text), fragmentBytes))
		return []string{strings.TrimSpace(text[:end])}
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
		frags = append(frags, strings.TrimSpace(b.String()))
	}
	return frags
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
