package index

import (
	"context"
	"fmt"
	"reflect"
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

// Of two copies of one article in the shared space and in a server's, the
// day's summary in that server cites the shared one, and of two articles
// with the same text the one with the smallest id stands for both, whatever
// their spaces (ArticlesBetween's rule).
func TestSpacesSummaryKeepsSharedCopyAndSmallestID(t *testing.T) {
	ctx := context.Background()
	ix := newTestIndex(t)
	text := "The Quarrington ferry will run every hour from Monday."
	upsert(t, ix,
		art("zulu", "shared.example", "Sam Shared", "2026-02-20", "Ferry", text),
		art("kilo", "shared.example", "Sam Shared", "2026-02-21", "Ferry plan", "The ferry plan was approved by the council."))
	if _, err := ix.Upsert(ctx, serverA, []briefbot.Article{
		art("zulu", "shared.example", "Sam Shared", "2026-02-20", "Ferry", text), // a copy of the shared one
		art("yankee", "a.example", "Ann A", "2026-02-21", "Ferry plan", "The ferry plan was approved by the council."),
	}); err != nil {
		t.Fatal(err)
	}
	arts, err := ix.ArticlesBetween(ctx, scopeA, day("2026-02-20"), day("2026-02-22"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range arts {
		ids = append(ids, a.ID)
	}
	if want := []string{"zulu", "kilo"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("articles between, from A: %v, want %v (smallest id of the same text: kilo, not A's yankee)", ids, want)
	}
	sum, err := ix.Summary(ctx, briefbot.SummaryRequest{Day: day("2026-02-20"), Scope: scopeA})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Points) == 0 {
		t.Fatal("no points")
	}
	for _, p := range sum.Points {
		if p.Article.ID == "zulu" && p.Article.Space != briefbot.SharedSpace {
			t.Errorf("summary from A cites zulu in space %q, want the shared copy", p.Article.Space)
		}
	}
}

// Server A's articles must not change B's answers: a word A uses in many
// paragraphs would otherwise count as common (askCommonIDF) for B too, and
// B's question about it would find nothing, telling B what A holds.
func TestSpacesAskWeighsTermsInScope(t *testing.T) {
	ctx := context.Background()
	build := func(flood bool) *Index {
		ix := newTestIndex(t)
		upsert(t, ix, testArticles()...)
		if flood {
			var arts []briefbot.Article
			for i := range 300 {
				arts = append(arts, art(fmt.Sprintf("note-%d", i), "quarrington.example", "Xavier Quint", "2026-02-01",
					"Note", fmt.Sprintf("Kursk note %d: the Kursk region in brief.", i)))
			}
			if _, err := ix.Upsert(ctx, serverA, arts); err != nil {
				t.Fatal(err)
			}
		}
		return ix
	}
	withA, withoutA := build(true), build(false)
	for _, q := range []string{"What happened in Kursk?", "Why did the offensive in Kursk stall?", "What happened in Kursck?"} {
		for _, sc := range []briefbot.Scope{scopeB, {}} {
			got := ask(t, withA, q, briefbot.AskOptions{Scope: sc})
			want := ask(t, withoutA, q, briefbot.AskOptions{Scope: sc})
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ask %q from %q:\nwith A    %+v\nwithout A %+v", q, sc.Server, got, want)
			}
		}
	}
}
