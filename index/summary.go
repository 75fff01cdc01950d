package index

import (
	"context"
	"errors"
	"fmt"
	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/summarize"
	"time"
)

// Summary briefs a day, a range of days or one article: the summarizer's
// key sentences, quoted and cited, grouped by story.
//
// Days are calendar days in req.Location (23 or 25 hours long on
// daylight-saving change days); an article belongs to the day localDay
// gives it.
func (ix *Index) Summary(ctx context.Context, req briefbot.SummaryRequest) (briefbot.Summary, error) {
	opts := summarize.Options{Sentences: req.Sentences, Words: req.Words}
	if req.ArticleID != "" {
		art, err := ix.Paragraphs(ctx, req.ArticleID)
		if errors.Is(err, ErrNotFound) {
			return briefbot.Summary{Reason: fmt.Sprintf("There is no article %q in the index.", req.ArticleID)}, nil
		}
		if err != nil {
			return briefbot.Summary{}, err
		}
		return summarize.Articles([]briefbot.Article{art}, opts), nil
	}

	loc := req.Location
	if loc == nil {
		loc = time.UTC
	}
	first, last := req.Day, req.Day
	if req.Day.IsZero() {
		first, last = req.Since, req.Until
	}
	if first.IsZero() || last.IsZero() {
		return briefbot.Summary{}, errors.New("summary: give a day, a range of days or an article")
	}
	firstDay, lastDay := dayStart(first.In(loc)), dayStart(last.In(loc))

	// An article is in range when its local day is (localDay, the rule
	// Days follows too).
	inRange, err := ix.articlesWhere(ctx, func(published time.Time) bool {
		d := localDay(published, loc)
		return !d.Before(firstDay) && !d.After(lastDay)
	})
	if err != nil {
		return briefbot.Summary{}, err
	}
	if len(inRange) == 0 {
		what := "on " + firstDay.Format(time.DateOnly)
		if !lastDay.Equal(firstDay) {
			what = fmt.Sprintf("from %s to %s", firstDay.Format(time.DateOnly), lastDay.Format(time.DateOnly))
		}
		return briefbot.Summary{Reason: fmt.Sprintf("No articles were published %s.", what)}, nil
	}
	return summarize.Articles(inRange, opts), nil
}
