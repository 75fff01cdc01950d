package bot

import (
	"fmt"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"
	"github.com/briefbot/briefbot/internal/wording"
)

// noMatch is why a command found nothing: the sentence both front ends
// share (internal/wording), and the bot's own sentence for when the engine
// gave no reason.
type noMatch struct {
	wording.NoMatch
	otherwise string
}

func askNoMatch(ans briefbot.Answer) noMatch {
	return noMatch{wording.ForAnswer(ans), fmt.Sprintf("no passage in %s answers that", textrules.Plural(ans.Articles, "article", "articles"))}
}

func searchNoMatch(page briefbot.SearchPage, query string) noMatch {
	return noMatch{wording.ForSearch(page), "nothing matches " + quoteInput(query)}
}

// summaryNoMatch is why the summary of day has no points.
func summaryNoMatch(sum briefbot.Summary, day time.Time) noMatch {
	return noMatch{wording.ForSummary(sum), "there are no articles for " + longDay(day)}
}

// reason is the bot's sentence for why nothing was found. noMatchText
// starts it with a capital and ends it with a full stop.
func (m noMatch) reason() string {
	if s := m.Sentence(); s != "" {
		return s
	}
	return m.otherwise
}
