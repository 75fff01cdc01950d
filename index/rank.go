package index

import (
	"iter"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/briefbot/briefbot/internal/textrules"
)

// Ranking for Ask. BM25 picks candidates (retrieve.go); they are then
// re-scored with evidence BM25 cannot see (see the README, "Answer
// quality", for the measurements behind each weight):
//
//   - recency: a question is asked on a day and is mostly about the days
//     before it;
//   - the article: question words in its title, and the lead paragraphs,
//     which in news summarise the story;
//   - neighbours: the answer often sits in the paragraph right after the one
//     that restates the question, so a paragraph next to a strong hit is
//     fetched and scored even when it shares few words with the question;
//   - the paragraph itself: how much of the question's weight it covers,
//     question words adjacent as in the question (proximity), new content
//     beyond the question's own words (an answer must add something), and
//     the expected answer type (a number for "how many", a date for "when",
//     a name for "who" and "where").

// rankWeights are the re-scoring weights. BM25 enters normalised by the best
// candidate's score, so every term is on a 0..1 scale except recency.
type rankWeights struct {
	Coverage float64 // share of the question's IDF weight in the paragraph
	// Asked is Coverage for the words of the question's last sentence only:
	// the question proper ("How many months was her detention extended?")
	// after a preamble that sets the scene. The preamble finds the story;
	// the question proper finds the paragraph in it that answers.
	Asked     float64
	Proximity float64 // share of adjacent question-word pairs found within 3 positions
	Type      float64 // the paragraph's best sentence has the expected answer type
	Novel     float64 // content words not in the question, capped
	Lead      float64 // one of the article's first two paragraphs
	Title     float64 // share of the question's weight in the article title
	Neighbour float64 // best normalised BM25 of the paragraph before or after
	Recency   float64 // times log(1 + age in days / RecencyDays), subtracted
	// RecencyDays is the age scale of the recency penalty.
	RecencyDays float64
	// HorizonDays caps the age: older articles are all "old" alike, so an
	// archive of encyclopedia pages or last decade's news is ranked on its
	// text, not on which page happens to carry a date.
	HorizonDays float64
}

// defaultRank was chosen on the news and xquad development sets together,
// on round values that hold on both halves of the news weeks (tuning on one
// half and testing on the other kept most of the gain).
var defaultRank = rankWeights{
	Coverage:    0.5,
	Asked:       0.8,
	Proximity:   0.2,
	Type:        0.3,
	Novel:       0.8,
	Lead:        0.15,
	Title:       0.5,
	Neighbour:   0.4,
	Recency:     0.5,
	RecencyDays: 7,
	HorizonDays: 365,
}

// answer types a question can ask for.
const (
	typeNone = iota
	typeNumber
	typeWhen
	typeWho
	typeWhere
)

// answerType guesses what kind of answer the question expects.
func answerType(q string) int {
	l := strings.ToLower(q)
	has := func(ss ...string) bool {
		for _, s := range ss {
			if strings.Contains(l, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("how many", "how much", "what percent", "how old", "how long", "how far", "what number", "what year", "how tall"):
		return typeNumber
	case has("when ") || strings.HasPrefix(l, "when"):
		return typeWhen
	case has("who ", "whom", "whose"):
		return typeWho
	case has("where "):
		return typeWhere
	}
	return typeNone
}

// question is a parsed question.
type question struct {
	terms      []stageTerm    // its distinct content terms, with their weights
	index      map[string]int // term -> index in terms
	pairs      [][2]int       // terms adjacent in the question (a stop word between allowed)
	asked      []bool         // the term occurs in the question's last sentence
	askedTotal float64        // sum of the IDF of the asked terms
	typ        int
	words      map[string]bool // the question's lowercased words, for novelty
	total      float64         // sum of the terms' IDF
}

// word is a word of raw text with its byte span: a textrules.Word under
// the field names the index code uses.
type word struct {
	text       string
	start, end int
}

// words yields the words of s with their indexes, split by the query-side
// tokeniser, textrules.Words ("U.S.", "1,000" and "don't" stay whole).
func words(s string) iter.Seq2[int, word] {
	return func(yield func(int, word) bool) {
		for i, w := range textrules.Words(s) {
			if !yield(i, word{w.Text, w.Start, w.End}) {
				return
			}
		}
	}
}

func hasDigit(s string) bool {
	for _, r := range s {
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// questionTerm is one distinct content term of a question.
type questionTerm struct {
	term  string
	asked bool   // it occurs in the question's last sentence
	from  string // the word it first came from, as typed
}

// questionTerms analyzes the question word by word, skipping quiz words, and
// returns its distinct terms in order and the pairs of terms adjacent in it
// (by their indexes; a stop word between them allowed).
func (ix *Index) questionTerms(q string) (terms []questionTerm, pairs [][2]int) {
	seen := map[string]int{}
	prev, prevWord := -1, -10
	lastStart := 0
	if ss := textrules.SplitSentences(q); len(ss) > 0 {
		lastStart = ss[len(ss)-1].Start
	}
	for i, w := range words(q) {
		if i >= 4*askMaxTerms || len(terms) == askMaxTerms {
			break
		}
		if textrules.IsQuizWord(strings.ToLower(w.text)) {
			continue
		}
		for _, t := range ix.analyzer.Analyze([]byte(w.text)) {
			term := string(t.Term)
			j, ok := seen[term]
			if !ok {
				j = len(terms)
				seen[term] = j
				terms = append(terms, questionTerm{term: term, from: w.text})
			}
			if w.start >= lastStart {
				terms[j].asked = true
			}
			if prev >= 0 && prev != j && i-prevWord <= 2 {
				pairs = append(pairs, [2]int{prev, j})
			}
			prev, prevWord = j, i
		}
	}
	return terms, pairs
}

// features are what a candidate paragraph is scored on.
type features struct {
	bm25     float64 // normalised by the best candidate; 0 for fetched neighbours
	coverage float64
	asked    float64
	prox     float64
	typ      float64
	novel    float64
	lead     float64
	title    float64
	nb       float64
	ageDays  float64 // -1 when unknown
}

// evidence is the score before recency.
func (w rankWeights) evidence(f features) float64 {
	return f.bm25 + w.Coverage*f.coverage + w.Asked*f.asked + w.Proximity*f.prox + w.Type*f.typ +
		w.Novel*f.novel + w.Lead*f.lead + w.Title*f.title + w.Neighbour*f.nb
}

// agePenalty is the recency penalty of an article ageDays old (>= 0).
func (w rankWeights) agePenalty(ageDays float64) float64 {
	if w.Recency == 0 || w.RecencyDays <= 0 {
		return 0
	}
	if w.HorizonDays > 0 {
		ageDays = min(ageDays, w.HorizonDays)
	}
	return w.Recency * math.Log1p(ageDays/w.RecencyDays)
}

// agePenalties returns each candidate's recency penalty. Undated articles
// get the median penalty of the dated ones: an unknown date is neither
// recent nor old.
func (w rankWeights) agePenalties(ages []float64) []float64 {
	out := make([]float64, len(ages))
	var dated []float64
	for i, a := range ages {
		if a >= 0 {
			out[i] = w.agePenalty(a)
			dated = append(dated, out[i])
		}
	}
	if len(dated) == 0 {
		return out
	}
	slices.Sort(dated)
	median := dated[len(dated)/2]
	for i, a := range ages {
		if a < 0 {
			out[i] = median
		}
	}
	return out
}

// occurrence is where a question term occurs in a paragraph: the term's
// index in the question, its token position and its byte offset.
type occurrence struct{ term, pos, start int }

// paragraphEvidence is what a paragraph's own text says about it.
type paragraphEvidence struct {
	coverage float64 // share of the question's weight it holds
	asked    float64 // share of the weight of the question proper it holds
	prox     float64 // share of the question's adjacent pairs found close together
	typ      float64 // 1 when the answering sentence has the expected answer type
	novel    float64 // content words not in the question, as a share of novelCap
	answer   string  // the answering sentence: the one holding the most question weight
}

// evidenceOf computes the paragraph-level features of a hit from its text
// and where the question terms occur in it, and picks the answering
// sentence.
func evidenceOf(q *question, text string, occs []occurrence) paragraphEvidence {
	var ev paragraphEvidence
	ev.coverage, ev.asked = coverage(q, occs)
	sents := textrules.SplitSentences(text)
	if len(sents) == 0 {
		sents = []textrules.Sentence{{Text: text, Start: 0, End: len(text)}}
	}
	if best := bestSentence(q, sents, occs); best >= 0 {
		ev.answer = sents[best].Text
		ev.typ = typeMatch(q, ev.answer)
	} else {
		ev.typ = typeMatch(q, sents[0].Text)
	}
	ev.prox = proximity(q, occs)
	ev.novel = novelty(q, text)
	return ev
}

// coverage is the share of the question's weight the occurrences hold, and
// of the weight of its asked terms.
func coverage(q *question, occs []occurrence) (cov, asked float64) {
	inPara := make([]bool, len(q.terms))
	for _, o := range occs {
		inPara[o.term] = true
	}
	for ti, ok := range inPara {
		if ok {
			cov += q.terms[ti].idf
			if q.asked[ti] {
				asked += q.terms[ti].idf
			}
		}
	}
	if q.total > 0 {
		cov /= q.total
	}
	if q.askedTotal > 0 {
		asked /= q.askedTotal
	}
	return cov, asked
}

// bestSentence is the index of the sentence holding the most question
// weight (each term counted once), the first of equals; -1 when none holds
// any.
func bestSentence(q *question, sents []textrules.Sentence, occs []occurrence) int {
	weight := make([]float64, len(sents))
	has := make([][]bool, len(sents))
	for _, o := range occs {
		for si, s := range sents {
			if o.start >= s.Start && o.start < s.End {
				if has[si] == nil {
					has[si] = make([]bool, len(q.terms))
				}
				if !has[si][o.term] {
					has[si][o.term] = true
					weight[si] += q.terms[o.term].idf
				}
				break
			}
		}
	}
	best := -1
	for si, w := range weight {
		if w > 0 && (best < 0 || w > weight[best]) {
			best = si
		}
	}
	return best
}

// proximity is the share of the question's adjacent term pairs that occur
// in the same order within 3 positions.
func proximity(q *question, occs []occurrence) float64 {
	if len(q.pairs) == 0 {
		return 0
	}
	found := 0
	for _, p := range q.pairs {
		if pairNear(occs, p) {
			found++
		}
	}
	return float64(found) / float64(len(q.pairs))
}

// pairNear reports whether term p[1] occurs 1 to 3 positions after p[0].
func pairNear(occs []occurrence, p [2]int) bool {
	for _, a := range occs {
		if a.term != p[0] {
			continue
		}
		for _, b := range occs {
			if b.term == p[1] && b.pos > a.pos && b.pos-a.pos <= 3 {
				return true
			}
		}
	}
	return false
}

// novelty counts the content words of text the question does not have, up
// to novelCap, as a share of novelCap.
func novelty(q *question, text string) float64 {
	n := 0
	for _, w := range words(text) {
		lw := strings.ToLower(w.text)
		if len(lw) >= 3 && !textrules.IsCommonWord(lw) && !q.words[lw] {
			n++
			if n == novelCap {
				break
			}
		}
	}
	return float64(n) / novelCap
}

// novelCap is the number of new content words that counts as "adds
// something": beyond it a longer paragraph earns no more.
const novelCap = 20

var dateWords = map[string]bool{"january": true, "february": true, "march": true, "april": true, "may": true, "june": true,
	"july": true, "august": true, "september": true, "october": true, "november": true, "december": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true}

var numberWords = map[string]bool{"one": true, "two": true, "three": true, "four": true, "five": true, "six": true, "seven": true,
	"eight": true, "nine": true, "ten": true, "dozen": true, "dozens": true, "hundred": true, "hundreds": true, "thousand": true,
	"thousands": true, "million": true, "millions": true, "billion": true, "billions": true, "trillion": true, "percent": true}

// typeMatch is 1 when sentence s holds an answer of the question's type.
func typeMatch(q *question, s string) float64 {
	for i, w := range words(s) {
		lw := strings.ToLower(w.text)
		switch q.typ {
		case typeNumber:
			if hasDigit(w.text) || numberWords[lw] {
				return 1
			}
		case typeWhen:
			if dateWords[lw] || (len(w.text) == 4 && hasDigit(w.text)) {
				return 1
			}
		case typeWho, typeWhere:
			// A capitalised word that is not the sentence's first and not in
			// the question: a name the question does not already give.
			r, _ := utf8.DecodeRuneInString(w.text)
			if i > 0 && unicode.IsUpper(r) && !q.words[lw] {
				return 1
			}
		}
	}
	return 0
}

// ageDays is how many days before asOf an article was published; -1 when
// its date is unknown.
func ageDays(published, asOf time.Time) float64 {
	if published.IsZero() || !published.After(unknownDate) {
		return -1
	}
	d := asOf.Sub(published).Hours() / 24
	return max(d, 0)
}
