package index

import (
	"context"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// BenchmarkEvalBadQueries asks and searches every bad input of badQueries
// (wildcards, regexps, query-string syntax, 5,000 characters, punctuation
// only) on the ~100k-paragraph news index: none may fail, and the slowest is
// reported (max-ms), which must stay well under a second.
//
//	go test -run '^$' -bench BenchmarkEvalBadQueries -benchtime 1x ./index/
func BenchmarkEvalBadQueries(b *testing.B) {
	ix := openEvalIndex(b)
	ctx := context.Background()
	b.ResetTimer()
	var slowest time.Duration
	for n := 0; n < b.N; n++ {
		for _, q := range badQueries {
			start := time.Now()
			if _, err := ix.Ask(ctx, q, briefbot.AskOptions{}); err != nil {
				b.Fatalf("Ask(%.40q): %v", q, err)
			}
			if _, err := ix.Search(ctx, q, briefbot.SearchFilters{}, 1, 5); err != nil {
				b.Fatalf("Search(%.40q): %v", q, err)
			}
			slowest = max(slowest, time.Since(start))
		}
	}
	b.ReportMetric(float64(slowest.Microseconds())/1000, "max-ms")
}
