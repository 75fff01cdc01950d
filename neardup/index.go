package neardup

import (
	"slices"
	"time"
)

// Index holds signatures and their groups, so that articles can be added
// one at a time as they are ingested. It is not safe for concurrent use.
type Index struct {
	opts    Options
	rows    int
	entries []entry
	byID    map[string]int32
	buckets []map[uint64][]int32 // per band: band key -> entries
	groups  [][]int32            // group -> entries, in the order added
}

type entry struct {
	id        string
	published time.Time
	sig       Signature
	group     int32
}

// NewIndex returns an empty index grouping with opts.
func NewIndex(opts Options) *Index {
	opts = opts.withDefaults()
	ix := &Index{
		opts:    opts,
		rows:    NumHashes / opts.Bands,
		byID:    make(map[string]int32),
		buckets: make([]map[uint64][]int32, opts.Bands),
	}
	for b := range ix.buckets {
		ix.buckets[b] = make(map[uint64][]int32)
	}
	return ix
}

// Len is the number of articles added.
func (ix *Index) Len() int { return len(ix.entries) }

// Add records an article and reports the group it joined: the original's id
// (its own when it is the earliest member, or copies nothing) and whether
// it is in a group of two or more. An article is a copy of the most
// similar article already added whose estimated similarity reaches the
// threshold; adding in order of publication (as Find does) makes that the
// earliest such copy's group. An id added before is not added again.
func (ix *Index) Add(id string, published time.Time, sig *Signature) (original string, grouped bool) {
	if e, ok := ix.byID[id]; ok {
		return ix.originalOf(ix.entries[e].group)
	}
	n := int32(len(ix.entries))
	ix.entries = append(ix.entries, entry{id: id, published: published, sig: *sig, group: -1})
	ix.byID[id] = n
	if sig.Shingles < ix.opts.MinShingles {
		ix.entries[n].group = ix.newGroup(n)
		return id, false
	}
	best, bestSim := int32(-1), 0.0
	keys := ix.bandKeys(sig)
	seen := make(map[int32]bool)
	for b, k := range keys {
		for _, c := range ix.buckets[b][k] {
			if seen[c] {
				continue
			}
			seen[c] = true
			s := Similarity(sig, &ix.entries[c].sig)
			if s >= ix.opts.Threshold && (s > bestSim || (s == bestSim && c < best)) {
				best, bestSim = c, s
			}
		}
	}
	for b, k := range keys {
		ix.buckets[b][k] = append(ix.buckets[b][k], n)
	}
	if best < 0 {
		ix.entries[n].group = ix.newGroup(n)
		return id, false
	}
	g := ix.entries[best].group
	ix.entries[n].group = g
	ix.groups[g] = append(ix.groups[g], n)
	return ix.originalOf(g)
}

func (ix *Index) newGroup(e int32) int32 {
	ix.groups = append(ix.groups, []int32{e})
	return int32(len(ix.groups) - 1)
}

// bandKeys hashes each band of the signature's rows into one key.
func (ix *Index) bandKeys(sig *Signature) []uint64 {
	keys := make([]uint64, ix.opts.Bands)
	for b := range keys {
		k := uint64(b) + 1
		for _, m := range sig.Mins[b*ix.rows : (b+1)*ix.rows] {
			k = mix(k*0x100000001b3 ^ uint64(m))
		}
		keys[b] = k
	}
	return keys
}

// members returns a group's entries sorted original first.
func (ix *Index) members(g int32) []int32 {
	ms := slices.Clone(ix.groups[g])
	slices.SortFunc(ms, func(a, b int32) int {
		ea, eb := &ix.entries[a], &ix.entries[b]
		return CompareDated(ea.published, ea.id, eb.published, eb.id)
	})
	return ms
}

func (ix *Index) originalOf(g int32) (string, bool) {
	ms := ix.members(g)
	return ix.entries[ms[0]].id, len(ms) > 1
}

// GroupOf returns the group of the article with this id, when it was added
// and has copies. The original can change as articles arrive (a copy
// published earlier than the group's original may be ingested later), so a
// caller that stores originals re-reads the group of each article it adds.
func (ix *Index) GroupOf(id string) (Group, bool) {
	e, ok := ix.byID[id]
	if !ok || len(ix.groups[ix.entries[e].group]) < 2 {
		return Group{}, false
	}
	return ix.group(ix.entries[e].group), true
}

func (ix *Index) group(g int32) Group {
	ms := ix.members(g)
	orig := &ix.entries[ms[0]]
	grp := Group{Original: orig.id}
	for _, m := range ms {
		grp.Members = append(grp.Members, ix.entries[m].id)
		grp.Similarity = append(grp.Similarity, Similarity(&orig.sig, &ix.entries[m].sig))
	}
	return grp
}

// Groups returns the groups of two or more articles, ordered by their
// original's publication date and then id.
func (ix *Index) Groups() []Group {
	var out []Group
	for g := range ix.groups {
		if len(ix.groups[g]) >= 2 {
			out = append(out, ix.group(int32(g)))
		}
	}
	slices.SortFunc(out, func(a, b Group) int {
		ea, eb := &ix.entries[ix.byID[a.Original]], &ix.entries[ix.byID[b.Original]]
		return CompareDated(ea.published, ea.id, eb.published, eb.id)
	})
	return out
}
