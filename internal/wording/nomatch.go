// Package wording holds the sentences both front ends, the Discord bot and
// the command line, show a person about a result, so that each is written
// once. The index reports outcomes as data (briefbot.NoMatch); the front
// ends add what only they can say, such as Discord's tips.
package wording

import (
	"fmt"
	"strconv"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"
)

// NoMatch is what the sentence saying why ask, search or summary found
// nothing is built from: the index's reason and the numbers and names the
// sentence needs.
type NoMatch struct {
	Why         briefbot.NoMatch
	Keywords    bool // the query was search keywords, not a question
	Articles    int  // articles searched (ask) or summarised
	First, Last time.Time
	ArticleID   string
}

// ForAnswer is why an Answer has no passages.
func ForAnswer(ans briefbot.Answer) NoMatch {
	return NoMatch{Why: ans.NoMatch, Articles: ans.Articles}
}

// ForSearch is why a SearchPage has no passages.
func ForSearch(page briefbot.SearchPage) NoMatch {
	return NoMatch{Why: page.NoMatch, Keywords: true}
}

// ForSummary is why a Summary has no points.
func ForSummary(sum briefbot.Summary) NoMatch {
	return NoMatch{Why: sum.NoMatch, Articles: sum.Articles, First: sum.First, Last: sum.Last, ArticleID: sum.ArticleID}
}

// Sentence says why nothing was found; "" when no reason is known
// (Matched).
func (m NoMatch) Sentence() string {
	switch m.Why {
	case briefbot.NoContentWords:
		if m.Keywords {
			return "Type at least one word to search for (stop words and punctuation alone match nothing)."
		}
		return "Ask with at least one word that says what you are looking for (words like “what” or “the” alone match everything)."
	case briefbot.OnlyExclusions:
		return "Add a word to search for: exclusions alone (-word) match nothing."
	case briefbot.NothingMatched:
		if m.Keywords {
			return "No paragraph matches all of those words."
		}
		return fmt.Sprintf("No passage in %s answers that.", textrules.Plural(m.Articles, "article", "articles"))
	case briefbot.NothingWithFilters:
		return "No paragraph matches all of those words with those filters."
	case briefbot.NoArticlesThen:
		if m.Last.Equal(m.First) {
			return "No articles were published on " + m.First.Format(time.DateOnly) + "."
		}
		return fmt.Sprintf("No articles were published from %s to %s.", m.First.Format(time.DateOnly), m.Last.Format(time.DateOnly))
	case briefbot.NoSuchArticle:
		return fmt.Sprintf("There is no article %q in the index.", m.ArticleID)
	case briefbot.NoArticles:
		return "there are no articles to summarise"
	case briefbot.NothingToQuote:
		if m.Articles == 1 {
			return "no sentence of the article is fit to quote"
		}
		return "no sentence of " + strconv.Itoa(m.Articles) + " articles is fit to quote"
	}
	return ""
}
