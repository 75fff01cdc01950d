package summarize

import (
	"cmp"
	"slices"
	"sort"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/neardup"
)

// outletWeight is how much each outlet beyond the first adds to a story's
// rank, in units of reports (see rankStories). Chosen by leave-one-week-out
// cross-validation on the weekly news digests (docs/notebook/outlets-signal.md).
const outletWeight = 0.0

// tuning holds the knobs a measurement varies; Articles uses the constants.
type tuning struct {
	outletWeight float64
}

var defaultTuning = tuning{outletWeight: outletWeight}

// originals maps every article to the article that stands for its
// near-duplicate group (neardup: one wire copy or press release carried by
// several outlets, lightly edited): the group's original, the earliest
// copy. An article that copies nothing, and nothing copies, stands for
// itself; articles that share an id are one article and stand for the
// first of them. Clustering, story size and so story rank then count a
// story carried five times once, and its outlets separately.
//
// sigs, when it holds one signature per article, are the articles'
// signatures as an index stored them at ingest (all full or all compact);
// otherwise the articles are signed here, which costs about as much again
// as the rest of a digest.
func originals(arts []briefbot.Article, sigs []neardup.Signature) []int {
	orig := make([]int, len(arts))
	first := make(map[string]int, len(arts))
	var order []int // first article of each id, oldest first as neardup wants
	for i, a := range arts {
		if _, ok := first[a.ID]; !ok {
			first[a.ID] = i
			order = append(order, i)
		}
		orig[i] = first[a.ID]
	}
	if len(order) < 2 {
		return orig
	}
	slices.SortStableFunc(order, func(i, j int) int { return olderFirst(&arts[i], &arts[j]) })
	ix := neardup.NewIndex(neardup.Options{})
	for _, i := range order {
		var sig neardup.Signature
		if len(sigs) == len(arts) {
			sig = sigs[i]
		} else {
			sig = neardup.Sign(arts[i])
		}
		ix.Add(arts[i].ID, arts[i].Published, &sig)
	}
	byID := map[string]int{} // member id -> its original's index
	for _, g := range ix.Groups() {
		for _, id := range g.Members {
			byID[id] = first[g.Original]
		}
	}
	for i, a := range arts {
		if o, ok := byID[a.ID]; ok {
			orig[i] = o
		}
	}
	return orig
}

// olderFirst orders articles by publication, undated ones last, then by id:
// neardup's order, so that a group's first member added is its original.
func olderFirst(a, b *briefbot.Article) int {
	if a.Published.IsZero() != b.Published.IsZero() {
		if a.Published.IsZero() {
			return 1
		}
		return -1
	}
	if c := a.Published.Compare(b.Published); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// rankStories sorts the stories most important first. A story's weight is
// the number of its reports (articles, a group of near-duplicates counted
// once) plus outletWeight for every distinct outlet beyond the first; ties
// go to more outlets, then to the newer story, then to the one with the
// best sentence.
func rankStories(stories []*story, w float64) {
	weight := func(st *story) float64 { return float64(st.reports) + w*float64(st.outlets-1) }
	sort.SliceStable(stories, func(i, j int) bool {
		a, b := stories[i], stories[j]
		if wa, wb := weight(a), weight(b); wa != wb {
			return wa > wb
		}
		if a.outlets != b.outlets {
			return a.outlets > b.outlets
		}
		if a.latest != b.latest {
			return a.latest > b.latest
		}
		return a.best > b.best
	})
}
