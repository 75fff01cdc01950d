package index

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/briefbot/briefbot/corpus"
	"github.com/briefbot/briefbot/summarize"
)

// Summary briefs a day, a range of days or one article: the summarizer's
// key sentences, quoted and cited, grouped by story.
//
// Days are calendar days in req.Location, from local midnight to the next
// local midnight (23 or 25 hours long on daylight-saving change days). An
// article whose date carries no time of day (stored as midnight UTC, as
// "published": "2024-11-19" is) belongs to that calendar date in every zone;
// one with a time belongs to the local day that time falls on.
func (ix *Index) Summary(ctx context.Context, req corpus.SummaryRequest) (corpus.Summary, error) {
	opts := summarize.Options{Sentences: req.Sentences, Words: req.Words}
	if req.ArticleID != "" {
		art, err := ix.Paragraphs(ctx, req.ArticleID)
		if errors.Is(err, ErrNotFound) {
			return corpus.Summary{Reason: fmt.Sprintf("There is no article %q in the index.", req.ArticleID)}, nil
		}
		if err != nil {
			return corpus.Summary{}, err
		}
		return summarize.Articles([]corpus.Article{art}, opts), nil
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
		return corpus.Summary{}, errors.New("summary: give a day, a range of days or an article")
	}
	first, last = first.In(loc), last.In(loc)
	firstDay := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)
	lastDay := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC)
	since := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
	until := time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, loc)

	// Zones are at most 14 hours from UTC: widen the search by that much so
	// date-only articles are found, then decide precisely below.
	arts, err := ix.ArticlesBetween(ctx, since.Add(-14*time.Hour), until.Add(14*time.Hour))
	if err != nil {
		return corpus.Summary{}, err
	}
	var inRange []corpus.Article
	for _, a := range arts {
		p := a.Published
		if dateOnly(p) {
			if !p.Before(firstDay) && !p.After(lastDay) {
				inRange = append(inRange, a)
			}
		} else if !p.Before(since) && p.Before(until) {
			inRange = append(inRange, a)
		}
	}
	if len(inRange) == 0 {
		what := "on " + firstDay.Format(time.DateOnly)
		if !lastDay.Equal(firstDay) {
			what = fmt.Sprintf("from %s to %s", firstDay.Format(time.DateOnly), lastDay.Format(time.DateOnly))
		}
		return corpus.Summary{Reason: fmt.Sprintf("No articles were published %s.", what)}, nil
	}
	return summarize.Articles(inRange, opts), nil
}

// dateOnly reports whether a publication time carries no time of day.
func dateOnly(t time.Time) bool {
	t = t.UTC()
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}
