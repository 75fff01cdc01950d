package neardup

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
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

// TestEvalCompareCandidates logs the measurements behind the defaults
// (docs/notebook/neardup-experiments.md): MinHash at several thresholds,
// with and without the paragraph cap, against SimHash over the same
// shingles, each compared with the exact Jaccard similarity of every pair.
// It checks only what the choice rests on: the default finds every pair
// whose exact similarity is well above the threshold, and no pair far
// below it.
func TestEvalCompareCandidates(t *testing.T) {
	sharedtest.SkipEvalIfShort(t)
	arts := newsArticles(t)
	for _, capWords := range []int{maxParagraphTokens, 0} {
		bodies := make([][]string, len(arts))
		for i, a := range arts {
			bodies[i] = bodyTokensCapped(a, capWords)
		}
		exact := exactJaccard(bodies, ShingleWords, 0.2)
		long := make([]bool, len(arts))
		for i, b := range bodies {
			long[i] = len(kShingles(b, ShingleWords)) >= DefaultMinShingles
		}
		sign := func(a briefbot.Article) Signature { return SignTokens(bodyTokensCapped(a, capWords)) }
		for _, th := range []float64{0.3, 0.4, 0.5, 0.6, 0.7} {
			groups := find(arts, Options{Threshold: th}, sign)
			m := measureGroups(arts, groups, exact, long)
			t.Logf("cap %d, MinHash %.1f: %s", capWords, th, m)
			if capWords == maxParagraphTokens && th == DefaultThreshold && (m.missedAbove > 0 || m.farBelow > 0) {
				t.Errorf("default settings: %s; want no pair at exact Jaccard >= %.1f missed and none under %.1f grouped", m, m.highMark, m.lowMark)
			}
		}
		sims := make([]uint64, len(arts))
		for i, b := range bodies {
			sims[i] = simHash(kShingles(b, ShingleWords))
		}
		for _, d := range []int{3, 6, 10, 14} {
			groups := simHashGroups(arts, sims, long, d)
			t.Logf("cap %d, SimHash <= %d bits: %s", capWords, d, measureGroups(arts, groups, exact, long))
		}
	}
}

// groupMeasure compares groups with the exact similarities of their pairs.
type groupMeasure struct {
	groups, articles, pairs int
	// pairs grouped at exact Jaccard >= highMark, < lowMark; long pairs at
	// exact >= highMark not grouped
	above, farBelow, missedAbove int
	below                        int // pairs grouped at exact < 0.5
	highMark, lowMark            float64
}

func (m groupMeasure) String() string {
	return fmt.Sprintf("%d groups, %d articles; %d pairs grouped: %d at exact J >= %.1f, %d under 0.5, %d under %.1f; %d pairs at exact J >= %.1f not grouped",
		m.groups, m.articles, m.pairs, m.above, m.highMark, m.below, m.farBelow, m.lowMark, m.missedAbove, m.highMark)
}

func measureGroups(arts []briefbot.Article, groups []Group, exact map[pairKey]float64, long []bool) groupMeasure {
	m := groupMeasure{groups: len(groups), highMark: 0.6, lowMark: 0.3}
	pos := make(map[string]int, len(arts))
	for i, a := range arts {
		pos[a.ID] = i
	}
	together := make(map[pairKey]bool)
	for _, g := range groups {
		m.articles += len(g.Members)
		for x := range g.Members {
			for y := x + 1; y < len(g.Members); y++ {
				p := mkPair(pos[g.Members[x]], pos[g.Members[y]])
				together[p] = true
				m.pairs++
				switch j := exact[p]; {
				case j >= m.highMark:
					m.above++
				case j < m.lowMark:
					m.farBelow++
					m.below++
				case j < 0.5:
					m.below++
				}
			}
		}
	}
	for p, j := range exact {
		if j >= m.highMark && long[p.a] && long[p.b] && !together[p] {
			m.missedAbove++
		}
	}
	return m
}

// simHashGroups groups articles whose SimHashes differ in at most d bits,
// comparing every pair (fine for a measurement, not for ingest) and joining
// groups transitively.
func simHashGroups(arts []briefbot.Article, sims []uint64, long []bool, d int) []Group {
	parent := make([]int, len(arts))
	for i := range parent {
		parent[i] = i
	}
	var root func(int) int
	root = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := range sims {
		for j := i + 1; j < len(sims); j++ {
			if long[i] && long[j] && hamming(sims[i], sims[j]) <= d {
				parent[root(i)] = root(j)
			}
		}
	}
	byRoot := make(map[int][]string)
	for i, a := range arts {
		byRoot[root(i)] = append(byRoot[root(i)], a.ID)
	}
	var out []Group
	for _, ids := range byRoot {
		if len(ids) > 1 {
			out = append(out, Group{Original: ids[0], Members: ids})
		}
	}
	return out
}

// TestEvalGroupSample logs (with -v) the 50 groups read by hand for
// docs/neardup-groups.md: the news set has fewer than 50 groups at the
// default threshold, so all of them, then groups drawn at random with a
// fixed seed from the BBC News summary set (a second real set, of one
// publisher) to make up 50.
func TestEvalGroupSample(t *testing.T) {
	sharedtest.SkipEvalIfShort(t)
	news := Find(newsArticles(t), Options{})
	data, err := os.ReadFile(sharedtest.Path(t, "eval/summaries/bbc.jsonl"))
	if err != nil {
		t.Fatalf("reading the BBC set: %v", err)
	}
	bbcArts, _ := corpus.Parse("summaries/bbc.jsonl", data)
	bbc := Find(bbcArts, Options{})
	t.Logf("news: %d groups; BBC: %d articles, %d groups", len(news), len(bbcArts), len(bbc))
	sample := slices.Clone(news)
	r := rand.New(rand.NewPCG(14, 4)) // issue 14, section 4
	for _, i := range r.Perm(len(bbc)) {
		if len(sample) == sampleSize {
			break
		}
		sample = append(sample, bbc[i])
	}
	if len(sample) != sampleSize {
		t.Fatalf("only %d groups to read, want %d", len(sample), sampleSize)
	}
	for i, g := range sample {
		t.Logf("sample %d: %v %.2f", i+1, g.Members, g.Similarity[1:])
	}
}

const sampleSize = 50
