package index

import (
	"context"
	"strings"
	"time"

	"github.com/briefbot/briefbot"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Helpers shared by Ask and Search: analysis of user text into index terms,
// and filters. User text never reaches a query parser: it is analyzed here
// and only its terms go into term and phrase queries.

// maxQueryBytes caps the user text analyzed, so a pasted novel costs no more
// than a long question.
const maxQueryBytes = 2000

// qterm is one analyzed token of user text.
type qterm struct {
	term string
	pos  int // token position (stop words leave gaps)
}

// analyze turns user text into English index terms (lowercased, stop words
// removed, stemmed), in order, at most max of them.
func (ix *Index) analyze(text string, max int) []qterm {
	text = clip(text, maxQueryBytes)
	var out []qterm
	for _, t := range ix.analyzer.Analyze([]byte(text)) {
		if len(out) == max {
			break
		}
		out = append(out, qterm{term: string(t.Term), pos: t.Position})
	}
	return out
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// termQuery matches one analyzed term in field.
func termQuery(term, field string, boost float64) query.Query {
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	if boost != 0 {
		q.SetBoost(boost)
	}
	return q
}

// phraseQuery matches analyzed terms at their relative positions (gaps left
// by stop words stay gaps), or the single term.
func phraseQuery(ts []qterm, field string, boost float64) query.Query {
	if len(ts) == 1 {
		return termQuery(ts[0].term, field, boost)
	}
	first := ts[0].pos
	slots := make([][]string, ts[len(ts)-1].pos-first+1)
	for _, t := range ts {
		slots[t.pos-first] = append(slots[t.pos-first], t.term)
	}
	q := query.NewMultiPhraseQuery(slots, field)
	if boost != 0 {
		q.SetBoost(boost)
	}
	return q
}

// Datetime fields hold int64 nanoseconds, so dates outside these years
// cannot be compared; user dates are clamped into them.
var (
	minDate = time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2250, 1, 1, 0, 0, 0, 0, time.UTC)
)

func clampDate(t time.Time) time.Time {
	if t.Before(minDate) {
		return minDate
	}
	if t.After(maxDate) {
		return maxDate
	}
	return t
}

// dayStart is midnight at the start of t's day, in t's location.
func dayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// nextDay is midnight at the end of t's day, in t's location.
func nextDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
}

// filter restricts matches without scoring: published in [from, to) (zero =
// unbounded), exact lowercased source and author, and the spaces scope sees.
// It is the one place every read path takes its scope from: Ask's first
// stage through admitter, Search through query and hidden.
type filter struct {
	from, to       time.Time
	source, author string
	scope          briefbot.Scope
}

// hidden is the Bleve query of the paragraphs f's scope does not see, for
// a must-not clause; nil when man holds none (so an index without server
// spaces is searched exactly as before them).
func (f filter) hidden(man *manifest) query.Query {
	if !man.hides(f.scope) {
		return nil
	}
	return hiddenQuery(f.scope)
}

// query is the filter as a Bleve query, nil when it restricts nothing.
//
// A date filter roughly doubles a search's time (the numeric range is a
// disjunction of prefix terms, advanced for every candidate), so a limit no
// article reaches, the usual "as of today", is left out: the manifest knows
// the latest publication date. (Whole UTC months and days as keyword terms
// were tried in place of the numeric range and were slower still: 13 ms
// against 8 ms per question on the news set.)
func (f filter) query(man *manifest) query.Query {
	var qs []query.Query
	f = f.effective(man)
	if !f.from.IsZero() || !f.to.IsZero() {
		var from, to time.Time
		if !f.from.IsZero() {
			from = clampDate(f.from)
		}
		if !f.to.IsZero() {
			to = clampDate(f.to)
		}
		incl, excl := true, false
		r := bleve.NewDateRangeInclusiveQuery(from, to, &incl, &excl)
		r.SetField(fPublished)
		qs = append(qs, r)
	}
	if s := strings.ToLower(strings.TrimSpace(f.source)); s != "" {
		qs = append(qs, termQuery(s, fSource, 0))
	}
	if a := strings.ToLower(strings.TrimSpace(f.author)); a != "" {
		qs = append(qs, termQuery(a, fAuthor, 0))
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return bleve.NewConjunctionQuery(qs...)
}

// effective is f without an "until" limit that no article of f's scope
// reaches: the manifest knows the latest publication date of each space.
// (The latest of every space would tell a scope, through Search's
// no-match sentence, that a hidden article is dated later.)
func (f filter) effective(man *manifest) filter {
	if !f.to.IsZero() && f.from.IsZero() && f.to.After(man.latestSeen(f.scope)) {
		f.to = time.Time{}
	}
	return f
}

// restricts is false when f lets every article of man through.
func (f filter) restricts(man *manifest) bool {
	return f.limits(man) || man.hides(f.scope)
}

// limits is true when the user's limits (dates, source, author; not the
// scope) leave out some article of man.
func (f filter) limits(man *manifest) bool {
	f = f.effective(man)
	return !f.from.IsZero() || !f.to.IsZero() || strings.TrimSpace(f.source) != "" || strings.TrimSpace(f.author) != ""
}

// admitter is a filter prepared to test many articles (the first stage
// asks it for every paragraph a question term finds): dates clamped as the
// Bleve query clamps them, source and author trimmed and lowercased once.
type admitter struct {
	from, to       time.Time // zero: no limit
	source, author string    // "": any
	scope          briefbot.Scope
}

func (f filter) admitter() admitter {
	a := admitter{scope: f.scope}
	if !f.from.IsZero() {
		a.from = clampDate(f.from)
	}
	if !f.to.IsZero() {
		a.to = clampDate(f.to)
	}
	a.source = strings.ToLower(strings.TrimSpace(f.source))
	a.author = strings.ToLower(strings.TrimSpace(f.author))
	return a
}

// admits is true when the filter lets article e through, deciding as
// query's Bleve query does for e's paragraph documents.
func (a admitter) admits(e *articleEntry) bool {
	if !a.scope.Sees(e.Space) {
		return false
	}
	pub := e.Published
	if pub.IsZero() {
		pub = unknownDate
	}
	if !a.from.IsZero() && pub.Before(a.from) {
		return false
	}
	if !a.to.IsZero() && !pub.Before(a.to) {
		return false
	}
	if a.source != "" && a.source != strings.ToLower(e.Source) {
		return false
	}
	if a.author != "" && a.author != strings.ToLower(e.Author) {
		return false
	}
	return true
}

// hitText returns a stored string field of a hit.
func hitField(fields map[string]interface{}, name string) string {
	s, _ := fields[name].(string)
	return s
}

// passage builds the cited passage for a hit's document id and text; ok is
// false when the article is not (yet) in the committed manifest.
func passage(man *manifest, docID, text string, score float64) (briefbot.Passage, bool) {
	key, n, _, ok := briefbot.SplitKey(docID)
	if !ok {
		return briefbot.Passage{}, false
	}
	a := man.Articles[key]
	if a == nil {
		return briefbot.Passage{}, false
	}
	ref := a.ref(key)
	return briefbot.Passage{
		Article: ref, Paragraph: n, ID: briefbot.ParagraphID(ref.ID, n),
		Text: text, Score: score,
	}, true
}

// bm25AvgDocLength is the average paragraph length BM25 normalises by, in
// tokens. Bleve computes it as ceil(distinct terms in the field / documents),
// summed over segments, so it is not a length at all and it changes as
// segments merge: 3 on the news set as a dozen segments, 1 once merged into
// one (the true mean is 21 tokens). Pinning it makes ranking independent of
// the segment layout. 3 is what Ask's ranking weights were tuned with; on the
// news set, Ask's MRR@10 measured 0.614 at 1, 0.624 at 3, 0.614 at 8 and
// 0.602 at the true 21.3. A lower value favours short paragraphs.
const bm25AvgDocLength = 3

// bm25Fields are all fields a query may touch: Bleve refuses a search whose
// supplied statistics lack a field it scores.
var bm25Fields = []string{fText, fTitle, fAID, fSource, fAuthor, fPublished, fN, fHash, fSpace, "_id", "_all", "*"}

// scoring returns ctx carrying fixed BM25 statistics (see bm25AvgDocLength)
// for Bleve searches; the document count is the index's own.
func (ix *Index) scoring(ctx context.Context) context.Context {
	n, err := ix.bl.DocCount()
	if err != nil || n == 0 {
		return ctx // the search reports a closed index itself
	}
	stats := &search.BM25Stats{DocCount: float64(n), FieldCardinality: make(map[string]int, len(bm25Fields))}
	for _, f := range bm25Fields {
		stats.FieldCardinality[f] = int(n)
	}
	stats.FieldCardinality[fText] = int(bm25AvgDocLength * float64(n))
	return context.WithValue(ctx, search.BM25StatsKey, stats)
}
