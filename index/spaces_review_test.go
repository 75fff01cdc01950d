package index

import (
	"context"
	"testing"

	"github.com/briefbot/briefbot"
)

// An "until" day after everything B sees but before A's latest article
// must not turn B's "nothing matched" into "nothing matched these
// filters": that would tell B that some hidden article is dated later.
func TestSpacesNoMatchUntilIgnoresHiddenLatest(t *testing.T) {
	ctx := context.Background()
	build := func(withA bool) *Index {
		ix := newTestIndex(t)
		upsert(t, ix, testArticles()...)
		if withA {
			a := art("later", "quarrington.example", "Xavier Quint", "2026-05-01", "Later plan",
				"Quarrington plans a later harbour.")
			if _, err := ix.Upsert(ctx, serverA, []briefbot.Article{a}); err != nil {
				t.Fatal(err)
			}
		}
		return ix
	}
	withA, withoutA := build(true), build(false)
	for _, sc := range []briefbot.Scope{scopeB, {}} {
		f := briefbot.SearchFilters{Until: day("2026-04-20"), Scope: sc}
		got, err := withA.Search(ctx, "senate moon", f, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		want, err := withoutA.Search(ctx, "senate moon", f, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != 0 || got.NoMatch != want.NoMatch {
			t.Errorf("from %q: with A %d hits, %v; without A %v", sc.Server, got.Total, got.NoMatch, want.NoMatch)
		}
	}
}
