package index

import (
	"context"
	"errors"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/summarize"
)

// Summary briefs a day, a range of days or one article: the summarizer's
// key sentences, quoted and cited, grouped by story.
//
// Days are calendar days in req.Location (23 or 25 hours long on
// daylight-saving change days); an article belongs to the day localDay
// gives it.
func (ix *Index) Summary(ctx context.Context, req briefbot.SummaryRequest) (briefbot.Summary, error) {
	sum, err := guard(ix, func() (briefbot.Summary, error) { return ix.summary(ctx, req) })
	return sum, wrapErr("summary", err)
}

func (ix *Index) summary(ctx context.Context, req briefbot.SummaryRequest) (briefbot.Summary, error) {
	opts := summarize.Options{Sentences: req.Sentences, Words: req.Words}
	if req.ArticleID != "" {
		art, err := ix.Paragraphs(ctx, req.Scope, req.Space, req.ArticleID)
		if errors.Is(err, ErrNotFound) {
			return briefbot.Summary{NoMatch: briefbot.NoSuchArticle, ArticleID: req.ArticleID}, nil
		}
		if err != nil {
			return briefbot.Summary{}, err
		}
		sum := summarize.Articles([]briefbot.Article{art}, opts)
		sum.ArticleID = req.ArticleID
		for i := range sum.Points {
			sum.Points[i].Article.Space = req.Space
		}
		return sum, nil
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
	inRange, spaces, err := ix.articlesWhere(ctx, req.Scope, func(published time.Time) bool {
		d := localDay(published, loc)
		return !d.Before(firstDay) && !d.After(lastDay)
	})
	if err != nil {
		return briefbot.Summary{}, err
	}
	if len(inRange) == 0 {
		return briefbot.Summary{NoMatch: briefbot.NoArticlesThen, First: firstDay, Last: lastDay}, nil
	}
	sum := summarize.Articles(inRange, opts)
	sum.First, sum.Last = firstDay, lastDay
	setSpaces(sum.Points, inRange, spaces)
	return sum, nil
}

// setSpaces fills in the space of each point's article, which summarize
// does not know: arts[i] is of spaces[i]. Two articles with the same id
// in two spaces are told apart by the rest of their citation; should that
// be equal too, the shared one (first in arts) is named.
func setSpaces(points []briefbot.Point, arts []briefbot.Article, spaces []string) {
	of := make(map[briefbot.ArticleRef]string, len(arts))
	for i, a := range arts {
		if _, dup := of[a.Ref()]; !dup || spaces[i] == briefbot.SharedSpace {
			of[a.Ref()] = spaces[i]
		}
	}
	for i := range points {
		points[i].Article.Space = of[points[i].Article]
	}
}
