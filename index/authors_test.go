package index

import (
	"context"
	"strings"
	"testing"

	"github.com/briefbot/briefbot"
)

func TestAuthors(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	// Another article by Anna Smith, her byline in other case: still one
	// author, in the spelling used most.
	upsert(t, ix, art("kursk2", "bbc.com", "anna SMITH", "2026-03-03", "Kursk rains", "Rains kept falling on Kursk."))
	ctx := context.Background()
	got, err := ix.Authors(ctx, briefbot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	want := "Anna Smith|John Doe|Maria Lopez|Wire Staff"
	if strings.Join(got, "|") != want {
		t.Errorf("Authors = %q, want %s", got, want)
	}
	// Every author offered is one the author filter finds.
	page, err := ix.Search(ctx, "Kursk", briefbot.SearchFilters{Author: got[0]}, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 {
		t.Errorf("search by author %q: %d results, want 2", got[0], page.Total)
	}
}
