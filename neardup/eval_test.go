package neardup

import (
	"math/bits"
	"os"
	"slices"
	"testing"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus"
	"github.com/briefbot/briefbot/internal/sharedtest"
)

// newsArticles reads the news evaluation set as ingest does (boilerplate
// paragraphs dropped by the corpus reader).
func newsArticles(tb testing.TB) []briefbot.Article {
	tb.Helper()
	data, err := os.ReadFile(sharedtest.Path(tb, "eval/news/articles.jsonl"))
	if err != nil {
		tb.Fatalf("reading the news set: %v", err)
	}
	arts, _ := corpus.Parse("news/articles.jsonl", data)
	if len(arts) < 2000 {
		tb.Fatalf("news set: %d articles, want about 2,092", len(arts))
	}
	return arts
}

// TestEvalGroups checks that the grouping of the news set stays where it
// was measured (docs/neardup-groups.md: the groups found and the precision
// of 50 of them, read by hand). A count far outside the range means the
// signature or the defaults changed and the measurement must be redone.
func TestEvalGroups(t *testing.T) {
	sharedtest.SkipEvalIfShort(t)
	arts := newsArticles(t)
	groups := Find(arts, Options{})
	inGroups, crossSource := 0, 0
	source := make(map[string]string, len(arts))
	for _, a := range arts {
		source[a.ID] = a.Source
	}
	for _, g := range groups {
		inGroups += len(g.Members)
		for _, m := range g.Members[1:] {
			if source[m] != source[g.Original] {
				crossSource++
				break
			}
		}
	}
	t.Logf("%d groups, %d articles in them, %d groups spanning two or more sources", len(groups), inGroups, crossSource)
	if len(groups) < evalMinGroups || len(groups) > evalMaxGroups {
		t.Errorf("%d groups on the news set, want %d to %d (as measured in docs/neardup-groups.md)", len(groups), evalMinGroups, evalMaxGroups)
	}
}

// The range TestEvalGroups accepts: the 17 groups measured, ± about 15 %.
const (
	evalMinGroups = 14
	evalMaxGroups = 20
)

// pairKey is an unordered pair of article positions, lower first.
type pairKey struct{ a, b int32 }

func mkPair(a, b int) pairKey {
	if a > b {
		a, b = b, a
	}
	return pairKey{int32(a), int32(b)}
}

// exactJaccard computes the exact Jaccard similarity of the k-word shingle
// sets of every pair of articles that share at least one shingle and whose
// similarity reaches floor, through an inverted index of shingles.
func exactJaccard(bodies [][]string, k int, floor float64) map[pairKey]float64 {
	sets := make([][]uint64, len(bodies))
	post := make(map[uint64][]int32)
	for i, toks := range bodies {
		sets[i] = kShingles(toks, k)
		for _, h := range sets[i] {
			post[h] = append(post[h], int32(i))
		}
	}
	shared := make(map[pairKey]int)
	for _, ids := range post {
		if len(ids) > 200 { // page furniture repeated across a site
			continue
		}
		for x := range ids {
			for y := x + 1; y < len(ids); y++ {
				shared[mkPair(int(ids[x]), int(ids[y]))]++
			}
		}
	}
	out := make(map[pairKey]float64)
	for p, n := range shared {
		j := float64(n) / float64(len(sets[p.a])+len(sets[p.b])-n)
		if j >= floor {
			out[p] = j
		}
	}
	return out
}

func kShingles(toks []string, k int) []uint64 {
	var hs []uint64
	for i := 0; i+k <= len(toks); i++ {
		var h uint64 = 14695981039346656037
		for _, w := range toks[i : i+k] {
			for j := 0; j < len(w); j++ {
				h = (h ^ uint64(w[j])) * 1099511628211
			}
			h = (h ^ 0) * 1099511628211
		}
		hs = append(hs, mix(h))
	}
	slices.Sort(hs)
	return slices.Compact(hs)
}

// simHash is the candidate set aside: a 64-bit SimHash of the article's
// k-word shingles, each shingle weighing one.
func simHash(shingles []uint64) uint64 {
	var v [64]int
	for _, h := range shingles {
		for b := range 64 {
			if h>>b&1 == 1 {
				v[b]++
			} else {
				v[b]--
			}
		}
	}
	var out uint64
	for b := range 64 {
		if v[b] > 0 {
			out |= 1 << b
		}
	}
	return out
}

func hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }

func bodiesOf(arts []briefbot.Article) [][]string {
	out := make([][]string, len(arts))
	for i, a := range arts {
		out[i] = bodyTokens(a)
	}
	return out
}

// BenchmarkIngestNews signs and adds the whole news set as ingest would,
// one article at a time, and reports the cost per article.
func BenchmarkIngestNews(b *testing.B) {
	arts := newsArticles(b)
	b.ReportAllocs()
	for b.Loop() {
		ix := NewIndex(Options{})
		for i := range arts {
			sig := Sign(arts[i])
			ix.Add(arts[i].ID, arts[i].Published, &sig)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(arts)), "ns/article")
}
