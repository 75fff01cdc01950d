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
	if page < 1 {
		page = 1
	}
	if pageSize <= 0 {
		pageSize = searchDefaultPageSize
	}
	if pageSize > searchMaxPageSize {
		pageSize = searchMaxPageSize
	}
	sp := briefbot.SearchPage{Query: keywords, Page: page, PageSize: pageSize}
	man := ix.snapshot()

	r, err := ix.reader()
	if err != nil {
		return sp, err
	}
	defer r.Close()
	spell := newSpeller(r)
	var must, not []query.Query
	excluded := false
	for _, tok := range parseKeywords(keywords) {
		if len(must)+len(not) == searchMaxTokens {
			break
		}
		ts := ix.analyze(tok.text, 16)
		if len(ts) == 0 {
			continue // stop words and punctuation constrain nothing
		}
		var q query.Query
		if tok.phrase || len(ts) > 1 {
			q = phraseQuery(ts, fText, 0) // "e-mail" is a phrase too
		} else {
			term := ts[0].term
			if !tok.exclude {
				// A word no paragraph holds would empty the whole search:
				// look for its nearest spelling instead, and say so.
				if near, err := spell.respell(ctx, term); err != nil {
					return sp, err
				} else if near != term {
					term = near
					if !slices.Contains(sp.Respelled, tok.text) {
						sp.Respelled = append(sp.Respelled, tok.text)
					}
				}
			}
			q = termQuery(term, fText, 0)
		}
		if tok.exclude {
			not = append(not, q)
			excluded = true
		} else {
			must = append(must, q)
		}
	}
	if len(must) == 0 {
		if excluded {
			sp.Reason = "Add a word to search for: exclusions alone (-word) match nothing."
		} else {
			sp.Reason = "Type at least one word to search for (stop words and punctuation alone match nothing)."
		}
		return sp, nil
	}

	bq := bleve.NewBooleanQuery()
	bq.AddMust(must...)
	if len(not) > 0 {
		bq.AddMustNot(not...)
	}
	flt := filter{source: f.Source, author: f.Author}
	if !f.Since.IsZero() {
		flt.from = dayStart(f.Since)
	}
	if !f.Until.IsZero() {
		flt.to = nextDay(f.Until)
	}
	if fq := flt.query(man); fq != nil {
		bq.AddFilter(fq)
	}

	fetch := min(page*pageSize*2+20, searchMaxFetch)
	req := bleve.NewSearchRequestOptions(bq, fetch, 0, false)
	req.Fields = []string{fText, fHash}
	req.IncludeLocations = true
	req.SortBy([]string{"-_score", "_id"}) // stable pages across requests
	res, err := ix.bl.SearchInContext(ix.scoring(ctx), req)
	if err != nil {
		return sp, err
	}

	seen := map[string]bool{}
	var uniq []*search.DocumentMatch
	dropped := 0
	for _, h := range res.Hits {
		hash := hitField(h.Fields, fHash)
		aid, _, _, _ := briefbot.SplitKey(h.ID)
		if seen[hash] || man.Articles[aid] == nil {
			dropped++
			continue
		}
		seen[hash] = true
		uniq = append(uniq, h)
	}
	if int(res.Total) <= fetch {
		sp.Total = len(uniq)
	} else {
		sp.Total = int(res.Total) - dropped // duplicates beyond the fetched hits are not known
	}
	if sp.Total == 0 {
		sp.Reason = "No paragraph matches all of those words"
		if flt.restricts(man) {
			sp.Reason += " with those filters"
		}
		sp.Reason += "."
		return sp, nil
	}
	for i := (page - 1) * pageSize; i < len(uniq) && i < page*pageSize; i++ {
		h := uniq[i]
		text := hitField(h.Fields, fText)
		p, ok := passage(man, h.ID, text, h.Score)
		if !ok {
			continue
		}
		p.Highlights = highlight(text, spans(h.Locations[fText]))
		sp.Passages = append(sp.Passages, p)
	}
	return sp, nil
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
