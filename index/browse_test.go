package index

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

func TestBrowse(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	ctx := context.Background()

	srcs, err := ix.Sources(ctx, briefbot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 4 || srcs[0].Articles != 2 || srcs[0].Source != "bbc.com" || !srcs[0].Latest.Equal(day("2026-04-01")) {
		t.Errorf("sources %+v", srcs)
	}

	days, err := ix.Days(ctx, briefbot.Scope{}, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 3 || !days[0].Equal(day("2026-04-01")) || !days[2].Equal(day("2026-03-05")) {
		t.Errorf("days %v", days)
	}
	ny, _ := time.LoadLocation("America/New_York")
	if ny != nil {
		days, _ = ix.Days(ctx, briefbot.Scope{}, ny, 1)
		if len(days) != 1 || days[0].Location() != ny || days[0].Day() != 1 {
			t.Errorf("days in New York %v", days) // a date without a time is that date in every zone
		}
	}

	st, err := ix.Stats(ctx, briefbot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Articles != 6 || st.Paragraphs != 12 || st.Bytes <= 0 {
		t.Errorf("stats %+v", st)
	}

	a, err := ix.Paragraphs(ctx, briefbot.Scope{}, "", "budget")
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Senate passes budget" || len(a.Paragraphs) != 3 || a.Paragraphs[2].N != 3 ||
		a.Paragraphs[2].Text != "Spending on defense rises by four percent under the plan." {
		t.Errorf("Paragraphs %+v", a)
	}
	if _, err := ix.Paragraphs(ctx, briefbot.Scope{}, "", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown article: %v", err)
	}

	arts, err := ix.ArticlesBetween(ctx, briefbot.Scope{}, day("2026-03-05"), day("2026-03-08"))
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 2 || arts[0].ID != "budget" || arts[1].ID != "budget-copy" || len(arts[0].Paragraphs) != 3 {
		t.Errorf("ArticlesBetween %+v", arts)
	}
	arts, _ = ix.ArticlesBetween(ctx, briefbot.Scope{}, day("2026-03-08"), day("2026-03-09"))
	if len(arts) != 1 || arts[0].ID != "squid" {
		t.Errorf("half-open range: %+v", arts)
	}
}
