package index

import (
	"fmt"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus"
)

// Future-dated articles. An article dated after tomorrow (UTC, by the
// index's clock: Options.Now) is taken as future-dated; tomorrow itself is
// not, since a publisher in a time zone ahead of ours dates its articles a
// day later. Ingest warns about each future-dated article it admits, and
// the queries treat it alike: Ask without AsOf and Search without Until
// leave it out until its day comes, while an AsOf or Until on or after its
// day, and Summary (which always names its days or article), show it.

// futureFrom is the start of the first future-dated day for the clock
// reading now: the day after tomorrow, UTC.
func futureFrom(now time.Time) time.Time {
	u := now.UTC()
	return time.Date(u.Year(), u.Month(), u.Day()+2, 0, 0, 0, 0, time.UTC)
}

// warnFuture warns, at where, when art is future-dated.
func (w *writer) warnFuture(art *briefbot.Article, where string) {
	if art.Published.Before(futureFrom(w.ix.now())) {
		return
	}
	w.rep.Warnings = append(w.rep.Warnings, corpus.Warning{Path: where, Reason: fmt.Sprintf(
		"article %q is dated %s, after tomorrow: ask and search leave it out until that day (search --until that day, or a summary of it, shows it)",
		art.ID, art.Published.UTC().Format(time.DateOnly))})
}
