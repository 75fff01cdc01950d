package index

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// summaryArticles are five unrelated articles around the night of
// 2026-03-29, when Berlin moves its clocks forward (the local day is 23
// hours long).
func summaryArticles(t *testing.T, berlin *time.Location) []briefbot.Article {
	at := func(a briefbot.Article, local string) briefbot.Article {
		p, err := time.ParseInLocation("2006-01-02 15:04", local, berlin)
		if err != nil {
			t.Fatal(err)
		}
		a.Published = p
		return a
	}
	return []briefbot.Article{
		at(art("early", "a.example", "", "", "Ferry strike ends in Hamburg",
			"Ferry workers in Hamburg ended their three-day strike on Sunday after a pay deal."), "2026-03-29 00:30"),
		at(art("late", "b.example", "", "", "Berlin marathon route changes",
			"Organisers of the Berlin marathon announced a new route through Kreuzberg this autumn."), "2026-03-29 23:30"),
		at(art("next", "c.example", "", "", "Munich airport opens third runway",
			"Munich airport opened its third runway on Monday after fifteen years of planning."), "2026-03-30 00:10"),
		at(art("before", "d.example", "", "", "Cologne cathedral restoration finished",
			"Restorers in Cologne finished cleaning the cathedral's south tower on Saturday night."), "2026-03-28 23:59"),
		// A date without a time of day belongs to its date in every zone.
		art("dateonly", "e.example", "", "2026-03-29", "Dresden opens new bridge",
			"Dresden opened a new bridge over the Elbe to cyclists and pedestrians on Sunday."),
	}
}

func citedArticles(s briefbot.Summary) []string {
	var ids []string
	for _, st := range s.Stories {
		ids = append(ids, st.Articles...)
	}
	slices.Sort(ids)
	return ids
}

func TestSummaryLocalDaysAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	ix := newTestIndex(t)
	upsert(t, ix, summaryArticles(t, berlin)...)
	ctx := context.Background()

	day := time.Date(2026, 3, 29, 12, 0, 0, 0, berlin)
	s, err := ix.Summary(ctx, briefbot.SummaryRequest{Day: day, Location: berlin, Sentences: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := citedArticles(s), []string{"dateonly", "early", "late"}; !slices.Equal(got, want) {
		t.Errorf("29 March in Berlin (23 hours): articles %v, want %v", got, want)
	}
	if s.Articles != 3 || len(s.Points) != 3 {
		t.Errorf("Articles = %d, %d points; want 3 and 3", s.Articles, len(s.Points))
	}
	for _, p := range s.Points {
		if p.Story < 0 || p.Story >= len(s.Stories) || !strings.HasPrefix(p.ID, p.Article.ID+"#") {
			t.Errorf("point %+v", p)
		}
	}

	// A range is inclusive of both days.
	s, err = ix.Summary(ctx, briefbot.SummaryRequest{Since: time.Date(2026, 3, 28, 0, 0, 0, 0, berlin),
		Until: time.Date(2026, 3, 29, 0, 0, 0, 0, berlin), Location: berlin, Sentences: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := citedArticles(s), []string{"before", "dateonly", "early", "late"}; !slices.Equal(got, want) {
		t.Errorf("28-29 March: articles %v, want %v", got, want)
	}

	// The same instants seen in UTC fall on other days.
	s, err = ix.Summary(ctx, briefbot.SummaryRequest{Day: time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC), Sentences: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := citedArticles(s), []string{"dateonly", "late", "next"}; !slices.Equal(got, want) {
		t.Errorf("29 March in UTC: articles %v, want %v", got, want)
	}
}

func TestSummaryOfOneArticleAndEmptyDay(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	ctx := context.Background()

	s, err := ix.Summary(ctx, briefbot.SummaryRequest{ArticleID: "budget", Sentences: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 2 || len(s.Stories) != 1 || s.Stories[0].Title != "Senate passes budget" {
		t.Fatalf("one article: %+v", s)
	}
	for _, p := range s.Points {
		if p.Article.ID != "budget" {
			t.Errorf("point from %q", p.Article.ID)
		}
	}

	s, err = ix.Summary(ctx, briefbot.SummaryRequest{Day: day("2026-03-20")})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 0 || s.NoMatch != briefbot.NoArticlesThen || !s.First.Equal(day("2026-03-20")) || !s.Last.Equal(s.First) {
		t.Errorf("empty day: %+v", s)
	}

	if _, err := ix.Summary(ctx, briefbot.SummaryRequest{}); err == nil {
		t.Error("empty request accepted")
	}
}

// TestDaysAndSummaryAgree: every day Days offers (the /summary autocomplete)
// has articles for Summary, in zones on both sides of UTC, for dates with and
// without a time of day.
func TestDaysAndSummaryAgree(t *testing.T) {
	ix := newTestIndex(t)
	dateOnly := art("dated", "a.com", "", "2026-04-01", "Dated article", "The council approved the new budget on Wednesday after a long debate.")
	timed := art("timed", "b.com", "", "", "Timed article", "Rail workers began a strike late in the evening across the whole country.")
	timed.Published = time.Date(2026, 4, 2, 23, 30, 0, 0, time.UTC) // April 3 in Berlin, April 2 in New York
	if _, err := ix.Upsert(context.Background(), "", []briefbot.Article{dateOnly, timed}); err != nil {
		t.Fatal(err)
	}
	for _, zone := range []string{"America/New_York", "Europe/Berlin", "Pacific/Kiritimati"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		days, err := ix.Days(context.Background(), briefbot.Scope{}, loc, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 2 || days[1].Day() != 1 {
			t.Errorf("%s: days %v, want the date-only article on April 1", zone, days)
		}
		for _, d := range days {
			sum, err := ix.Summary(context.Background(), briefbot.SummaryRequest{Day: d, Location: loc})
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Points) == 0 {
				t.Errorf("%s: Days offers %s but Summary finds nothing: %v", zone, d.Format(time.DateOnly), sum.NoMatch)
			}
		}
	}
}

// TestSummaryKeepsACopyFromTheDay: of two copies of one story, the one
// with the smaller id published the evening before does not stand in for
// the one published on the day asked for (and so leave the day without it).
func TestSummaryKeepsACopyFromTheDay(t *testing.T) {
	ix := newTestIndex(t)
	story := []string{"The harbour wall at Leith was finished on Tuesday after two years of work."}
	early := art("a-wire", "wire.com", "", "", "Harbour wall finished", story...)
	early.Published = time.Date(2026, 3, 3, 22, 0, 0, 0, time.UTC)
	onDay := art("b-local", "local.com", "", "", "Harbour wall finished", story...)
	onDay.Published = time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	upsert(t, ix, early, onDay)
	sum, err := ix.Summary(context.Background(), briefbot.SummaryRequest{Day: day("2026-03-04")})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Points) == 0 || sum.Points[0].Article.ID != "b-local" {
		t.Errorf("summary of 2026-03-04: %+v, want the story from b-local", sum)
	}
}
