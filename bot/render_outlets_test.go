package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/summarize"
)

func TestSummarySaysHowManyOutlets(t *testing.T) {
	t.Parallel()
	sum := briefbot.Summary{
		Stories: []briefbot.Story{
			{Title: "Freighter aground in Port Elling", Outlets: 3},
			{Title: "Library reopens", Outlets: 1},
			{Title: "Comet visible before dawn"}, // Outlets unknown (0)
		},
		Articles: 5,
	}
	for k := range sum.Stories {
		sum.Points = append(sum.Points, briefbot.Point{Article: briefbot.ArticleRef{ID: fmt.Sprint(k), Title: "t"}, Paragraph: 1, Text: "A sentence of story " + fmt.Sprint(k) + ".", Story: k})
	}
	_, embeds := renderSummary("Briefing", sum, time.Second)
	if len(embeds) != 3 {
		t.Fatalf("%d embeds, want 3", len(embeds))
	}
	if got := embeds[0].Title; got != "Freighter aground in Port Elling (3 outlets)" {
		t.Errorf("story of 3 outlets titled %q", got)
	}
	for _, e := range embeds[1:] {
		if strings.Contains(e.Title, "outlet") {
			t.Errorf("a story of one outlet (or an unknown number) says %q", e.Title)
		}
	}
}

func TestOutletCountSurvivesALongHeadline(t *testing.T) {
	t.Parallel()
	var sum briefbot.Summary
	for k := range 12 {
		sum.Stories = append(sum.Stories, briefbot.Story{Title: hugeText(400), Outlets: 10 + k})
		for p := range 6 {
			sum.Points = append(sum.Points, briefbot.Point{
				Article:   briefbot.ArticleRef{ID: "a", Title: hugeText(200), URL: "https://x.example/a"},
				Paragraph: p + 1, Text: hugeText(900), Story: k,
			})
		}
	}
	content, embeds := renderSummary("Briefing", sum, time.Second)
	content, embeds, comps := fitMessage(content, embeds, nil)
	checkMessage(t, content, embeds, comps, noMentions())
	for k, e := range embeds {
		if want := fmt.Sprintf(" (%d outlets)", 10+k); !strings.HasSuffix(e.Title, want) {
			t.Errorf("embed %d title ends %q, want %q kept whole", k, e.Title[max(0, len(e.Title)-20):], want)
		}
		if n := textLen(e.Title); n > maxEmbedTitle {
			t.Errorf("embed %d title is %d units, over %d", k, n, maxEmbedTitle)
		}
	}
}

// summarizingEngine answers Summary with the real summarizer over its
// articles; the rest is the fake engine's.
type summarizingEngine struct {
	*fakeEngine
	arts []briefbot.Article
}

func (e summarizingEngine) Summary(ctx context.Context, req briefbot.SummaryRequest) (briefbot.Summary, error) {
	return summarize.Articles(e.arts, summarize.Options{Sentences: req.Sentences}), nil
}

func TestDailyPostSaysHowManyOutlets(t *testing.T) {
	t.Parallel()
	// One agency story carried by four outlets (lightly edited: a house
	// dateline, the last paragraph dropped), written for this test, and
	// one story of a single outlet.
	body := []string{
		"Harbour officials closed the northern shipping channel on Tuesday after a cargo ship carrying timber ran aground on a sandbank during a storm.",
		"The freighter lost engine power shortly after midnight and drifted for two hours before striking the bank, the port authority said in a statement.",
		"All 19 crew members were reported safe, and no fuel had leaked into the water by Tuesday afternoon, according to the coastguard, which sent inspectors at first light.",
		"Salvage crews expect to refloat the vessel at high tide on Thursday, though forecasters warned that strong winds could delay the work until the weekend.",
	}
	day := time.Date(2025, 3, 10, 9, 0, 0, 0, testZone)
	mk := func(id, title, source string, paras []string) briefbot.Article {
		a := briefbot.Article{ID: id, Title: title, Source: source, Published: day}
		for i, p := range paras {
			a.Paragraphs = append(a.Paragraphs, briefbot.Paragraph{N: i + 1, Text: p})
		}
		return a
	}
	arts := []briefbot.Article{
		mk("w1", "Freighter runs aground", "agency.example", body),
		mk("w2", "Storm drives timber ship onto sandbank", "coast.example", append([]string{"PORT ELLING — " + body[0]}, body[1:]...)),
		mk("w3", "Shipping halted after grounding", "herald.example", body[:3]),
		mk("w4", "Crew safe as ship strands", "metro.example", body),
		mk("lib", "City library reopens", "city.example", []string{"The central library reopened on Saturday after a two-year renovation that added a rooftop reading garden."}),
	}
	h, _, _ := newTestHandler(t, summarizingEngine{fakeEngine: &fakeEngine{}, arts: arts}, nil)
	msg, ok, err := h.DailyMessage(context.Background(), "", testNow)
	if err != nil || !ok {
		t.Fatalf("DailyMessage = %v, %v", ok, err)
	}
	checkMessage(t, msg.Content, msg.Embeds, msg.Components, msg.AllowedMentions)
	var titles []string
	for _, e := range msg.Embeds {
		titles = append(titles, e.Title)
	}
	if len(titles) != 2 || !strings.HasSuffix(titles[0], "(4 outlets)") || strings.Contains(titles[1], "outlet") {
		t.Errorf("daily post titles %q, want the agency story first saying (4 outlets), the library story saying nothing", titles)
	}
}
