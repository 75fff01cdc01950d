package index

import (
	"fmt"
	"strings"
	"testing"

	"github.com/briefbot/briefbot"
)

// copiesCorpus is articles about a harbour whose paragraphs match "ferry"
// with many equal scores, and syndicated copies of some of them (the same
// words, other punctuation and case) that Search shows once.
func copiesCorpus(articles, paras int) []briefbot.Article {
	var arts []briefbot.Article
	for i := 0; i < articles; i++ {
		var ps []string
		for j := 0; j < paras; j++ {
			filler := strings.Repeat(" calm water", (i+j)%4)
			ps = append(ps, fmt.Sprintf("Harbour log %d-%d: the ferry ran late%s.", i, j, filler))
		}
		ps = append(ps, ps[0]) // an exact repeat inside the article
		arts = append(arts, art(fmt.Sprintf("log-%03d", i), "port.example", "", "2026-03-01", "Harbour log", ps...))
		if i%3 == 0 {
			copied := strings.ToUpper(strings.ReplaceAll(ps[1], ":", " —"))
			arts = append(arts, art(fmt.Sprintf("wire-%03d", i), "wire.example", "", "2026-03-02", "Copy", copied, "Storm warning for the ferry route."))
		}
	}
	return arts
}

// walkPages reads every page of a search until one past the end and checks
// that the Total is the same on every page and is the number of passages
// the pages hold, with no passage or text shown twice.
func walkPages(t *testing.T, ix *Index, kw string, size int) int {
	t.Helper()
	first := srch(t, ix, kw, briefbot.SearchFilters{}, 1, size)
	seenID, seenText := map[string]bool{}, map[string]bool{}
	shown := 0
	for page := 1; ; page++ {
		sp := srch(t, ix, kw, briefbot.SearchFilters{}, page, size)
		if sp.Total != first.Total {
			t.Fatalf("%q size %d: page %d says %d results, page 1 said %d", kw, size, page, sp.Total, first.Total)
		}
		for _, p := range sp.Passages {
			h := textHash(p.Text)
			if seenID[p.ID] || seenText[h] {
				t.Errorf("%q size %d page %d: %s (%q) shown before", kw, size, page, p.ID, p.Text)
			}
			seenID[p.ID], seenText[h] = true, true
		}
		shown += len(sp.Passages)
		if len(sp.Passages) < size {
			if len(sp.Passages) == 0 && page <= (first.Total+size-1)/size {
				t.Errorf("%q size %d: page %d is empty but Total %d promises it", kw, size, page, first.Total)
			}
			break
		}
	}
	if shown != first.Total {
		t.Errorf("%q size %d: pages hold %d passages, Total says %d", kw, size, shown, first.Total)
	}
	past := srch(t, ix, kw, briefbot.SearchFilters{}, first.Total/size+3, size)
	if past.Total != first.Total || len(past.Passages) != 0 {
		t.Errorf("%q size %d: page past the end: total %d, %d passages; want %d, 0", kw, size, past.Total, len(past.Passages), first.Total)
	}
	return first.Total
}

func TestSearchTotalIsWhatPagesHold(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, copiesCorpus(40, 3)...)
	for _, kw := range []string{"ferry", "ferry late", `"ferry ran"`, "ferry -storm", "harbour calm"} {
		for _, size := range []int{1, 3, 5, 7} {
			total := walkPages(t, ix, kw, size)
			if total == 0 {
				t.Errorf("%q: nothing found", kw)
			}
		}
	}
	// 40 articles of 3 paragraphs; their copies and repeats add nothing.
	if got := srch(t, ix, "ferry -storm", briefbot.SearchFilters{}, 1, 5).Total; got != 120 {
		t.Errorf(`"ferry -storm": Total %d, want 120`, got)
	}
}

// TestSearchTotalBeyondFetch: a search matching more paragraphs than
// Search reads (searchMaxFetch) reports the passages that can be paged
// through, not the count of every match.
func TestSearchTotalBeyondFetch(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, copiesCorpus(searchMaxFetch/8+10, 8)...)
	total := walkPages(t, ix, "ferry", searchMaxPageSize)
	// Of the first searchMaxFetch hits, the repeats are not passages.
	if total > searchMaxFetch || total < searchMaxFetch/2 {
		t.Errorf("Total %d, want at most %d, and most of it", total, searchMaxFetch)
	}
}
