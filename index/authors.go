package index

import (
	"context"

	"sort"
	"strings"

	"github.com/briefbot/briefbot"
)

// Authors lists the distinct bylines of the articles sc sees, most articles
// first (ties in alphabetical order), for /search's author autocomplete.
// Bylines that differ only in case are one author, as the author filter
// (exact, lowercased) treats them, shown in their most used spelling. Articles without an author are left out.
func (ix *Index) Authors(ctx context.Context, sc briefbot.Scope) ([]string, error) {
	type author struct {
		articles  int
		spellings map[string]int
	}
	by := map[string]*author{}
	for _, a := range ix.snapshot().Articles {
		name := strings.TrimSpace(a.Author)
		if name == "" || !sc.Sees(a.Space) {
			continue
		}
		key := strings.ToLower(name)
		au := by[key]
		if au == nil {
			au = &author{spellings: map[string]int{}}
			by[key] = au
		}
		au.articles++
		au.spellings[name]++
	}
	out := make([]string, 0, len(by))
	count := make(map[string]int, len(by))
	for _, au := range by {
		name := mostUsed(au.spellings)
		out = append(out, name)
		count[name] = au.articles
	}
	sort.Slice(out, func(i, j int) bool {
		if count[out[i]] != count[out[j]] {
			return count[out[i]] > count[out[j]]
		}
		return out[i] < out[j]
	})
	return out, nil
}

// mostUsed is the spelling used most, the alphabetically first on a tie.
func mostUsed(spellings map[string]int) string {
	best := ""
	for s, n := range spellings {
		if best == "" || n > spellings[best] || (n == spellings[best] && s < best) {
			best = s
		}
	}
	return best
}
