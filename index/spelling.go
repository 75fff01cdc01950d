package index

import (
	"context"
	"slices"
	"unicode"
	"unicode/utf8"

	bleveindex "github.com/blevesearch/bleve_index_api"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Misspelled and differently spelled words. A question term that no
// paragraph holds ("Geegen" for "Gegeen", "parliment", "Maiziere" for
// "Maizière", "kilometers" where the corpus writes "kilometres") would only
// count against every paragraph's coverage in Ask, and would empty a
// Search; the index's nearest term stands in for it instead. Only absent
// terms are corrected, so a word the corpus uses is never second-guessed.
const (
	// spellMinLetters: shorter terms are only matched to the same letters
	// with other accents ("jose" to "josé"), since one edit turns most of
	// them into another word ("kind", "king").
	spellMinLetters = 5
	// spellMinAccented: terms shorter still are left alone.
	spellMinAccented = 3
	// spellTwoEdits: terms this long may be two edits from their
	// correction ("percentag", the stem of "percentage", is "percent"
	// plus two letters); shorter ones one edit.
	spellTwoEdits = 8
	// spellMaxCandidates bounds the dictionary terms weighed for one word.
	spellMaxCandidates = 64
	// spellMaxWords bounds the words corrected in one question or search
	// (each costs up to a millisecond): more unknown words than this are
	// not typos but a text the corpus does not know.
	spellMaxWords = 4
)

// speller corrects the words of one question or search, at most
// spellMaxWords of them.
//
// Spaces: a word only another server's articles hold must neither be
// offered as a correction nor be left alone as known, or a typo would reveal
// that server's words. So when the scope hides documents (vis is not nil),
// a term counts only by the paragraphs the scope sees: one held by hidden
// paragraphs only is treated as absent, and corrections are weighed by
// their visible paragraphs alone.
type speller struct {
	r    bleveindex.IndexReader
	vis  func(doc uint64) bool // nil: every document is visible
	left int
	// dfs, when set, caches the full counts of vis's scope (of server).
	dfs    *docArticles
	server string
}

func newSpeller(r bleveindex.IndexReader, vis func(doc uint64) bool) *speller {
	return &speller{r: r, vis: vis, left: spellMaxWords}
}

// nearest is nearestTerm while the speller's budget lasts, then "".
func (sp *speller) nearest(ctx context.Context, term string) (string, error) {
	if sp.left == 0 {
		return "", nil
	}
	sp.left--
	return nearestTermBy(ctx, sp.r, term, sp.freq)
}

// freq is the number of paragraphs the speller's scope sees holding term.
func (sp *speller) freq(ctx context.Context, term string) (uint64, error) {
	if sp.vis == nil || sp.dfs == nil {
		return sp.count(ctx, term, 0)
	}
	if df, ok := sp.dfs.cachedDF(sp.server, term); ok {
		return df, nil
	}
	df, err := sp.count(ctx, term, 0)
	if err == nil {
		sp.dfs.storeDF(sp.server, term, df)
	}
	return df, err
}

// held reports whether some paragraph the speller's scope sees holds term.
func (sp *speller) held(ctx context.Context, term string) (bool, error) {
	n, err := sp.count(ctx, term, 1)
	return n > 0, err
}

// count counts term's visible paragraphs, stopping at limit (0: none).
func (sp *speller) count(ctx context.Context, term string, limit uint64) (uint64, error) {
	if sp.vis == nil {
		return docFreq(ctx, sp.r, term)
	}
	tfr, err := sp.r.TermFieldReader(ctx, []byte(term), fText, false, false, false)
	if err != nil {
		return 0, err
	}
	defer tfr.Close()
	var n uint64
	var tfd bleveindex.TermFieldDoc
	for {
		d, err := tfr.Next(&tfd)
		if err != nil || d == nil {
			return n, err
		}
		if sp.vis(d.ID.Value()) {
			n++
			if n == limit {
				return n, nil
			}
		}
	}
}

// scopeView is what Ask's question terms are counted over when the asker's
// scope hides paragraphs (see correctTerms).
type scopeView struct {
	vis    func(doc uint64) bool
	docs   uint64 // paragraphs the scope sees
	dfs    *docArticles
	server string
}

// reweigh is st counted over the speller's visible paragraphs, n of them:
// a term only hidden paragraphs hold gets df 0, as if none did.
func (sp *speller) reweigh(ctx context.Context, st stageTerm, n uint64) (stageTerm, error) {
	if st.df > 0 {
		df, err := sp.freq(ctx, st.term)
		if err != nil {
			return st, err
		}
		st.df = df
	}
	st.idf = bm25IDF(n, max(st.df, 1))
	st.common = st.idf < askCommonIDF
	return st, nil
}

// correctTerms replaces each question term no paragraph of the scope (vis,
// see speller) holds by the index term nearest to it in spelling, when one
// is near enough (see nearestTerm), and returns the indexes of the terms it
// replaced. A replaced term keeps its place among the question's terms, so
// the question's word pairs and last sentence still line up. A term held by
// hidden paragraphs only, and not replaced, is made to look absent.
//
// When the scope hides paragraphs (vis not nil), every term is weighed by
// the scope's own paragraphs, visDocs of them: the idf, and so whether a
// term is common (askCommonIDF, which decides whether it can find a
// candidate at all), must not move with what other servers hold, or one
// server's articles would change, and so reveal themselves in, another's
// answers.
//
// view, when not nil, is the asker's scope: which documents it sees, how
// many, and the cache of its terms' counts.
func correctTerms(ctx context.Context, r bleveindex.IndexReader, sts []stageTerm, view *scopeView) (replaced []int, err error) {
	n, err := r.DocCount()
	if err != nil {
		return nil, err
	}
	sp := newSpeller(r, nil)
	if view != nil {
		n = view.docs
		sp = newSpeller(r, view.vis)
		sp.dfs, sp.server = view.dfs, view.server
	}
	for i, st := range sts {
		if view != nil {
			if st, err = sp.reweigh(ctx, st, n); err != nil {
				return nil, err
			}
			sts[i] = st
		}
		if st.df > 0 {
			continue
		}
		best, err := sp.nearest(ctx, st.term)
		if err != nil {
			return nil, err
		}
		if best == "" || slices.ContainsFunc(sts, func(o stageTerm) bool { return o.term == best }) {
			// Nothing near, or a word the question already has: counting
			// its postings twice would double its weight.
			continue
		}
		// nearestTerm only names terms some paragraph of the scope holds.
		near, err := openTerm(ctx, r, n, best)
		if err == nil && view != nil {
			if near, err = sp.reweigh(ctx, near, n); err != nil {
				near.postings.Close()
			}
		}
		if err != nil {
			return nil, err
		}
		st.postings.Close()
		sts[i] = near
		replaced = append(replaced, i)
	}
	return replaced, nil
}

// respell is term when some paragraph holds it, else its nearest spelling
// in the index (nearestTerm), else term.
func (sp *speller) respell(ctx context.Context, term string) (string, error) {
	held, err := sp.held(ctx, term)
	if err != nil || held {
		return term, err
	}
	near, err := sp.nearest(ctx, term)
	if err != nil || near == "" {
		return term, err
	}
	return near, nil
}

// nearestTerm is the text field's term nearest to term in spelling, or ""
// when none is near enough: at most one edit (two for terms of
// spellTwoEdits letters or more), where a swap of adjacent letters counts
// as one; among equally near terms, the one most paragraphs hold. The first
// letter must match: it is the letter people get wrong least often, and it
// keeps the dictionary walk short.
func nearestTerm(ctx context.Context, r bleveindex.IndexReader, term string) (string, error) {
	return nearestTermBy(ctx, r, term, func(ctx context.Context, t string) (uint64, error) { return docFreq(ctx, r, t) })
}

// nearestTermBy is nearestTerm counting a term's paragraphs with freq.
func nearestTermBy(ctx context.Context, r bleveindex.IndexReader, term string, freq func(context.Context, string) (uint64, error)) (string, error) {
	letters := utf8.RuneCountInString(term)
	fr, ok := r.(bleveindex.IndexReaderFuzzy)
	if letters < spellMinAccented || !ok {
		return "", nil
	}
	accentsOnly := letters < spellMinLetters
	maxDist := 1
	if letters >= spellTwoEdits {
		maxDist = 2
	}
	folded := foldAccents(term)
	best, bestDist, bestDF := "", maxDist+1, uint64(0)
	consider := func(cand string) error {
		dist := editDistance(term, cand)
		if foldAccents(cand) == folded {
			dist = 0 // the same word, typed with other accents
		} else if accentsOnly {
			return nil
		}
		if cand == term || dist > maxDist || dist > bestDist {
			return nil
		}
		df, err := freq(ctx, cand)
		if err != nil {
			return err
		}
		if df > 0 && (dist < bestDist || df > bestDF) {
			best, bestDist, bestDF = cand, dist, df
		}
		return nil
	}
	// One edit first, and two only when one finds nothing: a two-edit
	// automaton costs half a millisecond to build. Swaps are two
	// Levenshtein edits, so they are looked up one by one with the first.
	_, size := utf8.DecodeRuneInString(term)
	for dist := 1; dist <= maxDist && best == ""; dist++ {
		d, err := fr.FieldDictFuzzy(fText, term, dist, term[:size])
		if err != nil {
			return "", err
		}
		for range spellMaxCandidates {
			e, err := d.Next()
			if err == nil && e != nil {
				err = consider(e.Term)
			}
			if err != nil {
				d.Close()
				return "", err
			}
			if e == nil {
				break
			}
		}
		if err := d.Close(); err != nil {
			return "", err
		}
		if dist == 1 && !accentsOnly {
			if err := considerSwaps(term, consider); err != nil {
				return "", err
			}
		}
	}
	return best, nil
}

// considerSwaps calls consider with term's letters swapped pairwise, all
// but the first letter: "gegeen" for "geegen".
func considerSwaps(term string, consider func(string) error) error {
	rs := []rune(term)
	for i := 1; i+1 < len(rs); i++ {
		if rs[i] == rs[i+1] {
			continue
		}
		rs[i], rs[i+1] = rs[i+1], rs[i]
		err := consider(string(rs))
		rs[i], rs[i+1] = rs[i+1], rs[i]
		if err != nil {
			return err
		}
	}
	return nil
}

// foldAccents takes the accents off letters: "josé" becomes "jose".
func foldAccents(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii {
		return s
	}
	// A chain keeps state: one per call, so that concurrent asks share none.
	fold := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(fold, s)
	if err != nil {
		return s
	}
	return out
}

func docFreq(ctx context.Context, r bleveindex.IndexReader, term string) (uint64, error) {
	tfr, err := r.TermFieldReader(ctx, []byte(term), fText, false, false, false)
	if err != nil {
		return 0, err
	}
	defer tfr.Close()
	return tfr.Count(), nil
}

// editDistance is the optimal-string-alignment distance between a and b:
// inserting, deleting or changing a letter, or swapping two adjacent
// letters ("ie" for "ei"), each costs one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
