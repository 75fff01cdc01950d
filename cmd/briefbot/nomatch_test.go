package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// TestNoMatchSentences pins the command line's sentence for each reason the
// index gives: the words scripts and users have seen.
func TestNoMatchSentences(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, c := range []struct {
		m    noMatch
		want string
	}{
		{askNoMatch(briefbot.Answer{NoMatch: briefbot.NoContentWords}), "Ask with at least one word that says what you are looking for (words like “what” or “the” alone match everything)."},
		{askNoMatch(briefbot.Answer{NoMatch: briefbot.NothingMatched, Articles: 2092}), "No passage in 2,092 articles answers that."},
		{askNoMatch(briefbot.Answer{NoMatch: briefbot.NothingMatched, Articles: 1}), "No passage in 1 article answers that."},
		{askNoMatch(briefbot.Answer{Articles: 3}), ""},
		{searchNoMatch(briefbot.SearchPage{NoMatch: briefbot.NoContentWords}), "Type at least one word to search for (stop words and punctuation alone match nothing)."},
		{searchNoMatch(briefbot.SearchPage{NoMatch: briefbot.OnlyExclusions}), "Add a word to search for: exclusions alone (-word) match nothing."},
		{searchNoMatch(briefbot.SearchPage{NoMatch: briefbot.NothingMatched}), "No paragraph matches all of those words."},
		{searchNoMatch(briefbot.SearchPage{NoMatch: briefbot.NothingWithFilters}), "No paragraph matches all of those words with those filters."},
		{summaryNoMatch(briefbot.Summary{NoMatch: briefbot.NoArticlesThen, First: day("2026-03-20"), Last: day("2026-03-20")}), "No articles were published on 2026-03-20."},
		{summaryNoMatch(briefbot.Summary{NoMatch: briefbot.NoArticlesThen, First: day("2026-03-20"), Last: day("2026-03-22")}), "No articles were published from 2026-03-20 to 2026-03-22."},
		{summaryNoMatch(briefbot.Summary{NoMatch: briefbot.NoSuchArticle, ArticleID: "x-1"}), `There is no article "x-1" in the index.`},
		{summaryNoMatch(briefbot.Summary{NoMatch: briefbot.NoArticles}), "there are no articles to summarise"},
		{summaryNoMatch(briefbot.Summary{NoMatch: briefbot.NothingToQuote, Articles: 1}), "no sentence of the article is fit to quote"},
		{summaryNoMatch(briefbot.Summary{NoMatch: briefbot.NothingToQuote, Articles: 3}), "no sentence of 3 articles is fit to quote"},
	} {
		if got := c.m.reason(); got != c.want {
			t.Errorf("%v: %q, want %q", c.m.why, got, c.want)
		}
	}
}

// TestNoMatchOutput: ask, search and summary print the reason as their one
// line, and --json gives the same sentence as "reason".
func TestNoMatchOutput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ask", "what is the of and?"}, "Ask with at least one word that says what you are looking for (words like “what” or “the” alone match everything)."},
		{[]string{"search", "--", "-budget"}, "Add a word to search for: exclusions alone (-word) match nothing."},
		{[]string{"search", "--since", "1990-01-01", "--until", "1990-01-02", "Korean"}, "No paragraph matches all of those words with those filters."},
		{[]string{"summary", "--date", "1990-01-01"}, "No articles were published on 1990-01-01."},
		{[]string{"summary", "--article", "no-such-article"}, `There is no article "no-such-article" in the index.`},
	} {
		code, out, errOut := runCmd(t, nil, c.args...)
		if code != exitOK || out != c.want+"\n" {
			t.Errorf("%s: exit %d, %q (stderr %q), want %q", strings.Join(c.args, " "), code, out, errOut, c.want)
		}
		code, out, _ = runCmd(t, nil, append([]string{c.args[0], "--json"}, c.args[1:]...)...)
		var got struct{ Reason string }
		if err := json.Unmarshal([]byte(out), &got); code != exitOK || err != nil || got.Reason != c.want {
			t.Errorf("%s --json: exit %d, %v, reason %q", strings.Join(c.args, " "), code, err, got.Reason)
		}
	}
}
