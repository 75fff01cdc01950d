package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"
)

// noMatch is what the sentence saying why ask, search or summary found
// nothing is built from: the index's reason and the numbers and names the
// sentence needs.
type noMatch struct {
	why         briefbot.NoMatch
	keywords    bool // the query was search keywords, not an ask question
	articles    int  // articles searched (ask) or summarised
	first, last time.Time
	articleID   string
}

func askNoMatch(ans briefbot.Answer) noMatch {
	return noMatch{why: ans.NoMatch, articles: ans.Articles}
}

func searchNoMatch(page briefbot.SearchPage) noMatch {
	return noMatch{why: page.NoMatch, keywords: true}
}

func summaryNoMatch(sum briefbot.Summary) noMatch {
	return noMatch{why: sum.NoMatch, articles: sum.Articles, first: sum.First, last: sum.Last, articleID: sum.ArticleID}
}

// reason is the command line's sentence for why nothing was found, printed
// as is and given as --json's "reason"; "" when there is no reason (results
// were found).
func (m noMatch) reason() string {
	switch m.why {
	case briefbot.NoContentWords:
		if m.keywords {
			return "Type at least one word to search for (stop words and punctuation alone match nothing)."
		}
		return "Ask with at least one word that says what you are looking for (words like “what” or “the” alone match everything)."
	case briefbot.OnlyExclusions:
		return "Add a word to search for: exclusions alone (-word) match nothing."
	case briefbot.NothingMatched:
		if m.keywords {
			return "No paragraph matches all of those words."
		}
		return fmt.Sprintf("No passage in %s answers that.", textrules.Plural(m.articles, "article", "articles"))
	case briefbot.NothingWithFilters:
		return "No paragraph matches all of those words with those filters."
	case briefbot.NoArticlesThen:
		if m.last.Equal(m.first) {
			return "No articles were published on " + m.first.Format(time.DateOnly) + "."
		}
		return fmt.Sprintf("No articles were published from %s to %s.", m.first.Format(time.DateOnly), m.last.Format(time.DateOnly))
	case briefbot.NoSuchArticle:
		return fmt.Sprintf("There is no article %q in the index.", m.articleID)
	case briefbot.NoArticles:
		return "there are no articles to summarise"
	case briefbot.NothingToQuote:
		if m.articles == 1 {
			return "no sentence of the article is fit to quote"
		}
		return "no sentence of " + strconv.Itoa(m.articles) + " articles is fit to quote"
	}
	return ""
}
