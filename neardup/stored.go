package neardup

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/briefbot/briefbot/internal/textrules"
)

// Compact form: what an index stores per article. Each minimum keeps only
// its low 16 bits (b-bit minwise hashing, Li and König 2010). Two compacted
// signatures agree on a hash function when the full minimums agree, or by
// chance with probability 2^-16 when they do not: over 128 functions that
// adds 0.002 agreements on average, so Similarity moves by under 0.0001 and
// no pair crosses the threshold that would not have. It halves what the
// manifest carries per article (261 bytes, 348 characters of base64 in its
// JSON, against 517 and 692 with whole minimums).
//
// A compacted signature is compared only with compacted ones: its high
// bits are zero, a full signature's are not.

// compactLen is the size of the compact form: a format byte, the shingle
// count (uint32) and 16 bits per minimum.
const compactLen = 1 + 4 + 2*NumHashes

// AppendCompact appends the compact form of s to dst.
func AppendCompact(dst []byte, s *Signature) []byte {
	dst = append(dst, Version)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(min(s.Shingles, 1<<32-1)))
	for _, m := range s.Mins {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(m))
	}
	return dst
}

// ErrFormat is the error (wrapped) of ParseCompact for bytes that are not a
// compact signature of this Version: an index written by another format
// is then read as unsigned, never compared wrongly.
var ErrFormat = errors.New("not a compact signature of this format")

// ParseCompact reads what AppendCompact wrote. Its Mins hold 16 bits each.
func ParseCompact(b []byte) (Signature, error) {
	var s Signature
	if len(b) != compactLen || b[0] != Version {
		return s, fmt.Errorf("%w (%d bytes)", ErrFormat, len(b))
	}
	s.Shingles = int(binary.LittleEndian.Uint32(b[1:]))
	for i := range s.Mins {
		s.Mins[i] = uint32(binary.LittleEndian.Uint16(b[5+2*i:]))
	}
	return s, nil
}

// Compact returns s as ParseCompact(AppendCompact(nil, s)) would: the form
// to compare with stored signatures.
func Compact(s *Signature) Signature {
	c := *s
	for i := range c.Mins {
		c.Mins[i] &= 0xffff
	}
	return c
}

// Grouped reports whether a signature is long enough to be grouped at all
// (Options.MinShingles, DefaultMinShingles for the zero Options).
func (o Options) Grouped(s *Signature) bool {
	return s.Shingles >= o.withDefaults().MinShingles
}

// Copies reports whether two signatures are of copies under o: both long
// enough to be grouped and at least o's threshold similar.
func (o Options) Copies(a, b *Signature) bool {
	o = o.withDefaults()
	return o.Grouped(a) && o.Grouped(b) && Similarity(a, b) >= o.Threshold
}

// Similar returns the ids of the articles added whose estimated similarity
// to sig reaches the threshold, most similar first, without adding sig.
// Only articles sharing a band with sig are compared (the LSH candidates),
// so it misses what Add would miss. A signature too short to be grouped
// has none.
func (ix *Index) Similar(sig *Signature) []string {
	if sig.Shingles < ix.opts.MinShingles {
		return nil
	}
	type hit struct {
		e   int32
		sim float64
	}
	var hits []hit
	seen := make(map[int32]bool)
	for b, k := range ix.bandKeys(sig) {
		for _, c := range ix.buckets[b][k] {
			if seen[c] {
				continue
			}
			seen[c] = true
			if s := Similarity(sig, &ix.entries[c].sig); s >= ix.opts.Threshold {
				hits = append(hits, hit{c, s})
			}
		}
	}
	out := make([]string, 0, len(hits))
	for len(hits) > 0 {
		best := 0
		for i, h := range hits {
			if h.sim > hits[best].sim || h.sim == hits[best].sim && h.e < hits[best].e {
				best = i
			}
		}
		out = append(out, ix.entries[hits[best].e].id)
		hits = append(hits[:best], hits[best+1:]...)
	}
	return out
}

// paragraphShingle is the shingle size for comparing two paragraphs: a
// paragraph is too short for ShingleWords to survive one changed word
// (a 30-word paragraph with one word changed keeps 21 of 26 five-word
// shingles, but 25 of 28 three-word ones).
const paragraphShingle = 3

// TextSimilarity is the exact Jaccard similarity of the two texts'
// three-word shingle sets (of their word sets when either has fewer than
// three words): 1 for the same words in the same order, near 1 for a
// paragraph with a word or a dateline changed, low for two paragraphs that
// only share names. It tells whether two near-duplicate articles' paragraphs
// are the same passage.
func TextSimilarity(a, b string) float64 {
	ta, tb := textrules.Tokens(a), textrules.Tokens(b)
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	n := paragraphShingle
	if len(ta) < n || len(tb) < n {
		n = 1
	}
	sa, sb := shingleSet(ta, n), shingleSet(tb, n)
	inter := 0
	for s := range sa {
		if sb[s] {
			inter++
		}
	}
	return float64(inter) / float64(len(sa)+len(sb)-inter)
}

func shingleSet(toks []string, n int) map[string]bool {
	set := make(map[string]bool, len(toks))
	for i := 0; i+n <= len(toks); i++ {
		key := toks[i]
		for _, w := range toks[i+1 : i+n] {
			key += "\x00" + w
		}
		set[key] = true
	}
	return set
}
