package bot

import (
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// TestNoMatchReplies pins the first line of the bot's no-match replies for
// each reason the engine gives, and the bot's own line when it gives none.
func TestNoMatchReplies(t *testing.T) {
	day := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		m    noMatch
		want string
	}{
		{askNoMatch(briefbot.Answer{NoMatch: briefbot.NoContentWords}), "Ask with at least one word that says what you are looking for (words like “what” or “the” alone match everything)."},
		{askNoMatch(briefbot.Answer{NoMatch: briefbot.NothingMatched, Articles: 2092}), "No passage in 2,092 articles answers that."},
		{askNoMatch(briefbot.Answer{NoMatch: briefbot.NothingMatched, Articles: 1}), "No passage in 1 article answers that."},
		{askNoMatch(briefbot.Answer{Articles: 1}), "No passage in 1 article answers that."},
		{searchNoMatch(briefbot.SearchPage{NoMatch: briefbot.NoContentWords}, "the"), "Type at least one word to search for (stop words and punctuation alone match nothing)."},
		{searchNoMatch(briefbot.SearchPage{NoMatch: briefbot.OnlyExclusions}, "-x"), "Add a word to search for: exclusions alone (-word) match nothing."},
		{searchNoMatch(briefbot.SearchPage{NoMatch: briefbot.NothingMatched}, "x"), "No paragraph matches all of those words."},
		{searchNoMatch(briefbot.SearchPage{NoMatch: briefbot.NothingWithFilters}, "x"), "No paragraph matches all of those words with those filters."},
		{summaryNoMatch(briefbot.Summary{NoMatch: briefbot.NoArticlesThen, First: day, Last: day}, day), "No articles were published on 2026-03-20."},
		{summaryNoMatch(briefbot.Summary{NoMatch: briefbot.NoArticlesThen, First: day, Last: day.AddDate(0, 0, 2)}, day), "No articles were published from 2026-03-20 to 2026-03-22."},
		{summaryNoMatch(briefbot.Summary{NoMatch: briefbot.NothingToQuote, Articles: 3}, day), "No sentence of 3 articles is fit to quote."},
		{summaryNoMatch(briefbot.Summary{}, day), "There are no articles for Friday 20 March 2026."},
	} {
		got := noMatchText(c.m, nil, "Tip")
		if want := c.want + "\nTip."; got != want {
			t.Errorf("%v: %q, want %q", c.m.Why, got, want)
		}
	}
}
