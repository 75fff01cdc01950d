package wording

import (
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// TestNoMatchSentences pins the sentence for each reason the
// index gives: the words scripts and users have seen.
func TestNoMatchSentences(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, c := range []struct {
		m    NoMatch
		want string
	}{
		{ForAnswer(briefbot.Answer{NoMatch: briefbot.NoContentWords}), "Ask with at least one word that says what you are looking for (words like “what” or “the” alone match everything)."},
		{ForAnswer(briefbot.Answer{NoMatch: briefbot.NothingMatched, Articles: 2092}), "No passage in 2,092 articles answers that."},
		{ForAnswer(briefbot.Answer{NoMatch: briefbot.NothingMatched, Articles: 1}), "No passage in 1 article answers that."},
		{ForAnswer(briefbot.Answer{Articles: 3}), ""},
		{ForSearch(briefbot.SearchPage{NoMatch: briefbot.NoContentWords}), "Type at least one word to search for (stop words and punctuation alone match nothing)."},
		{ForSearch(briefbot.SearchPage{NoMatch: briefbot.OnlyExclusions}), "Add a word to search for: exclusions alone (-word) match nothing."},
		{ForSearch(briefbot.SearchPage{NoMatch: briefbot.NothingMatched}), "No paragraph matches all of those words."},
		{ForSearch(briefbot.SearchPage{NoMatch: briefbot.NothingWithFilters}), "No paragraph matches all of those words with those filters."},
		{ForSummary(briefbot.Summary{NoMatch: briefbot.NoArticlesThen, First: day("2026-03-20"), Last: day("2026-03-20")}), "No articles were published on 2026-03-20."},
		{ForSummary(briefbot.Summary{NoMatch: briefbot.NoArticlesThen, First: day("2026-03-20"), Last: day("2026-03-22")}), "No articles were published from 2026-03-20 to 2026-03-22."},
		{ForSummary(briefbot.Summary{NoMatch: briefbot.NoSuchArticle, ArticleID: "x-1"}), `There is no article "x-1" in the index.`},
		{ForSummary(briefbot.Summary{NoMatch: briefbot.NoArticles}), "there are no articles to summarise"},
		{ForSummary(briefbot.Summary{NoMatch: briefbot.NothingToQuote, Articles: 1}), "no sentence of the article is fit to quote"},
		{ForSummary(briefbot.Summary{NoMatch: briefbot.NothingToQuote, Articles: 3}), "no sentence of 3 articles is fit to quote"},
	} {
		if got := c.m.Sentence(); got != c.want {
			t.Errorf("%v: %q, want %q", c.m.Why, got, c.want)
		}
	}
}
