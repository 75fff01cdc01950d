// Package neardup finds near-duplicate articles: the same wire copy or press
// release carried by several outlets, lightly edited (a changed headline, a
// dropped paragraph, a house dateline, an added editor's note). It groups
// them as one story whose original is the earliest published copy.
//
// How it works:
//  1. An article's body (its paragraphs, not its title, which outlets
//     rewrite) is cut into lower-cased words (textrules.Tokens) and the
//     words into overlapping shingles of ShingleWords words.
//  2. Its Signature is a MinHash of the shingle set: NumHashes minimums,
//     each under its own fixed hash function, so that the share of equal
//     minimums between two signatures estimates the Jaccard similarity of
//     the two shingle sets. Signatures are stable across runs and builds
//     (fixed hash, fixed seeds), so an index can store one per article at
//     ingest and compare a new article against stored ones later.
//  3. Locality-sensitive hashing (Bands bands of NumHashes/Bands rows) finds
//     the candidates: articles whose signatures agree on at least one whole
//     band. Only candidates are compared, so adding an article costs about
//     the same however many are stored.
//  4. A candidate is a copy when the estimated Jaccard similarity reaches
//     Threshold. Articles join the group of their most similar earlier
//     copy, taken in order of publication.
//
// Articles with fewer than Options.MinShingles shingles (a few sentences)
// are never grouped: a two-line brief shares too little text to tell a copy
// from a quotation, and a page whose only surviving paragraph is its
// publisher's notice would join every other such page.
//
// Standard library, the vocabulary and internal/textrules only: it is pure
// computation.
// Why these settings and not SimHash is in docs/notebook/neardup-experiments.md.
package neardup

import (
	"cmp"
	"slices"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"
)

// Fixed by the signature format: changing them changes every stored
// signature (Version says which format a signature has).
const (
	// NumHashes is the length of a signature. 128 minimums estimate a
	// Jaccard similarity of 0.5 within about ±0.09 (two standard errors).
	NumHashes = 128
	// ShingleWords is the number of words in a shingle. Five words are
	// rarely shared by different articles on the same topic apart from
	// quotations and names; three made same-topic articles look alike (see
	// the notebook).
	ShingleWords = 5
	// Version identifies the signature format (hash, seeds, shingle size,
	// tokeniser) for an index that stores signatures.
	Version = 1
)

// Defaults, measured on the news evaluation set (see the notebook entry).
const (
	// DefaultThreshold is the estimated Jaccard similarity of shingle sets
	// at which two articles are copies.
	DefaultThreshold = 0.5
	// DefaultBands splits the signature into 32 bands of 4 rows: a pair at
	// Jaccard 0.5 becomes a candidate with probability 1-(1-0.5^4)^32 ≈
	// 0.87, at 0.6 ≈ 0.99, at 0.7 ≈ 0.9997, and a pair at 0.2 with about
	// 0.05. On the news set it finds every pair that comparing all pairs
	// finds at 0.5; 16 bands missed 2 of 19.
	DefaultBands = 32
	// maxParagraphTokens caps the words a paragraph contributes. Prose
	// paragraphs are rarely longer; a paragraph of a thousand words is a
	// photo gallery's captions or a page's run-together furniture, which
	// outlets repeat under unrelated stories and which otherwise outweighs
	// the story itself (see the notebook).
	maxParagraphTokens = 200
	// DefaultMinShingles: bodies of fewer shingles (about 44 words) are
	// never grouped; their signatures are kept out of the bands.
	DefaultMinShingles = 40
)

// Options tune grouping. The zero value means the defaults.
type Options struct {
	Threshold   float64 // estimated Jaccard similarity for a copy; 0 means DefaultThreshold
	Bands       int     // LSH bands, a divisor of NumHashes; 0 means DefaultBands
	MinShingles int     // shortest body grouped, in shingles; 0 means DefaultMinShingles
}

func (o Options) withDefaults() Options {
	if o.Threshold <= 0 {
		o.Threshold = DefaultThreshold
	}
	if o.Bands <= 0 || NumHashes%o.Bands != 0 {
		o.Bands = DefaultBands
	}
	if o.MinShingles <= 0 {
		o.MinShingles = DefaultMinShingles
	}
	return o
}

// Signature is what an index stores per article to find its copies later.
// The zero Signature (Shingles == 0) marks a body of fewer than
// ShingleWords words.
type Signature struct {
	// Shingles is the number of distinct shingles in the body.
	Shingles int
	// Mins are the MinHash minimums, one per hash function.
	Mins [NumHashes]uint32
}

// Empty reports whether the signature marks an unsigned article.
func (s *Signature) Empty() bool { return s.Shingles == 0 }

// Similarity estimates the Jaccard similarity of the two articles' shingle
// sets: the share of hash functions under which their minimums agree. It is
// 0 when either is empty.
func Similarity(a, b *Signature) float64 {
	if a.Empty() || b.Empty() {
		return 0
	}
	same := 0
	for i := range a.Mins {
		if a.Mins[i] == b.Mins[i] {
			same++
		}
	}
	return float64(same) / NumHashes
}

// Group is one story carried by several articles.
type Group struct {
	// Original is the id of the earliest published member (ties and
	// unknown dates broken as in Members).
	Original string
	// Members are the ids of all members, the original first, then by
	// publication date (unknown dates last), then by id.
	Members []string
	// Similarity is each member's estimated similarity to the original
	// (Similarity[0], the original's own, is 1). A member joins through
	// its most similar copy, which need not be the original, so a value
	// may be under the threshold.
	Similarity []float64
}

// Find groups the near-duplicates among arts. Only groups of two or more
// articles are returned, ordered by their original's publication date and
// then id. Articles with the same id are taken once (the first).
func Find(arts []briefbot.Article, opts Options) []Group { return find(arts, opts, Sign) }

// find is Find with the signing function as a parameter, for the
// experiments that compare ways of signing.
func find(arts []briefbot.Article, opts Options, sign func(briefbot.Article) Signature) []Group {
	order := make([]int, 0, len(arts))
	seen := make(map[string]bool, len(arts))
	for i, a := range arts {
		if !seen[a.ID] {
			seen[a.ID] = true
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(i, j int) int { return compareArticles(&arts[i], &arts[j]) })
	ix := NewIndex(opts)
	for _, i := range order {
		sig := sign(arts[i])
		ix.Add(arts[i].ID, arts[i].Published, &sig)
	}
	return ix.Groups()
}

// compareArticles orders by publication date, unknown dates last, then id.
func compareArticles(a, b *briefbot.Article) int {
	return CompareDated(a.Published, a.ID, b.Published, b.ID)
}

// CompareDated orders two dated ids as a story's copies are listed: the
// earliest first, unknown dates last, then by id (the same order on every
// run).
func CompareDated(ta time.Time, ida string, tb time.Time, idb string) int {
	if ta.IsZero() != tb.IsZero() {
		if ta.IsZero() {
			return 1
		}
		return -1
	}
	if c := ta.Compare(tb); c != 0 {
		return c
	}
	return cmp.Compare(ida, idb)
}

// Sign computes an article's signature from its paragraphs. Short bodies
// are signed too; the Index leaves those under Options.MinShingles out.
func Sign(a briefbot.Article) Signature {
	return SignTokens(bodyTokens(a))
}

// bodyTokens is the article's body as one token stream. Paragraph
// boundaries are not marked: an outlet that joins or splits paragraphs has
// still copied the text. Only the first maxParagraphTokens words of a
// paragraph count.
func bodyTokens(a briefbot.Article) []string { return bodyTokensCapped(a, maxParagraphTokens) }

func bodyTokensCapped(a briefbot.Article, capWords int) []string {
	var toks []string
	for _, p := range a.Paragraphs {
		n := len(toks)
		toks = textrules.AppendTokens(toks, p.Text)
		if capWords > 0 && len(toks)-n > capWords {
			toks = toks[:n+capWords]
		}
	}
	return toks
}

// SignTokens computes the signature of a token stream (as
// textrules.Tokens cuts it); fewer than ShingleWords tokens give the empty
// signature.
func SignTokens(toks []string) Signature {
	var sig Signature
	if len(toks) < ShingleWords {
		return sig
	}
	hashes := shingleHashes(toks)
	sig.Shingles = len(hashes)
	for i := range sig.Mins {
		sig.Mins[i] = ^uint32(0)
	}
	for _, h := range hashes {
		for i := range sig.Mins {
			// One multiply-add per function: h*a+b over 64 bits, top 32
			// bits kept (a multiplicative hash family; a odd).
			v := uint32((h*seedA[i] + seedB[i]) >> 32)
			if v < sig.Mins[i] {
				sig.Mins[i] = v
			}
		}
	}
	return sig
}

// shingleHashes returns the distinct hashes of the ShingleWords-word
// shingles of toks: 64-bit FNV-1a over the words, each followed by a zero
// byte, then mixed. Written out rather than through hash/fnv, whose Write
// wants a []byte and so a copy of every word.
func shingleHashes(toks []string) []uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	n := len(toks) - ShingleWords + 1
	hashes := make([]uint64, 0, n)
	for i := range n {
		h := uint64(offset)
		for _, w := range toks[i : i+ShingleWords] {
			for j := 0; j < len(w); j++ {
				h = (h ^ uint64(w[j])) * prime
			}
			h *= prime // the separator: a zero byte
		}
		hashes = append(hashes, mix(h))
	}
	slices.Sort(hashes)
	return slices.Compact(hashes)
}

// mix is the splitmix64 finaliser: FNV's low bits are weak, and the hash
// family above relies on the high bits of a product being well spread.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// seedA and seedB are the fixed parameters of the NumHashes hash functions,
// drawn from splitmix64 so that they never change between builds.
var seedA, seedB = func() (a, b [NumHashes]uint64) {
	s := uint64(0x6e65617264757031) // "neardup1"
	next := func() uint64 { s += 0x9e3779b97f4a7c15; return mix(s) }
	for i := range a {
		a[i] = next() | 1
		b[i] = next()
	}
	return a, b
}()
