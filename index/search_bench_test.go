package index

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/briefbot/briefbot"
)

// BenchmarkEvalSearch times keyword searches over the news evaluation set,
// first and later pages, common and rare keywords. The index is built once
// (in the parent benchmark) and each query is its own sub-benchmark:
//
//	go test -run '^$' -bench BenchmarkEvalSearch -benchtime 100x ./index/
func BenchmarkEvalSearch(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "ix")
	buildEvalIndex(b, dir)
	ix, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	for _, c := range []struct {
		keywords string
		page     int
	}{
		{"president", 1}, {"president", 20}, {"police said", 1},
		{`"prime minister" -labour`, 2}, {"volcano", 1},
	} {
		b.Run(fmt.Sprintf("%s/page%d", c.keywords, c.page), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := ix.Search(context.Background(), c.keywords, briefbot.SearchFilters{}, c.page, 5); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
