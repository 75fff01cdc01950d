package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/localapi"
	"github.com/briefbot/briefbot/internal/textrules"
	"github.com/briefbot/briefbot/internal/wording"
)

func cmdAsk(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "ask", "[--index DIR] [--server ID] [-k N] [--json] QUESTION...")
	dir := indexFlag(fs)
	server := serverFlag(fs)
	k := fs.Int("k", 3, fmt.Sprintf("number of passages (1–%d)", index.MaxPassages))
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	sc, err := scopeOf(*server)
	if err != nil {
		return err
	}
	if err := positiveInt("k", *k, index.MaxPassages); err != nil {
		return err
	}
	question := joinArgs(rest)
	if question == "" {
		return usagef("missing QUESTION, e.g. briefbot ask \"How many North Korean soldiers are in Kursk?\"")
	}
	ix, _, closeIx, err := a.openIndex(ctx, *dir)
	if err != nil {
		return err
	}
	defer closeIx()
	ans, err := ix.Ask(ctx, question, briefbot.AskOptions{K: *k, Scope: sc})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, resultsJSON{Query: question, Total: len(ans.Passages), Reason: wording.ForAnswer(ans).Sentence(), Respelled: ans.Respelled,
			Stories: ans.Stories, Results: toPassagesJSON(ans.Passages)})
	}
	printRespelled(a.stdout, ans.Respelled)
	if len(ans.Passages) == 0 {
		fmt.Fprintln(a.stdout, wording.ForAnswer(ans).Sentence())
		return nil
	}
	printPassages(a.stdout, ans.Passages, 1, false)
	if line := storiesLine(len(ans.Passages), ans.Stories); line != "" {
		fmt.Fprintln(a.stdout, line)
	}
	return nil
}

func cmdSearch(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "search", "[--index DIR] [--server ID] [--source S] [--author A] [--since DATE] [--until DATE] [--page N] [--page-size N] [--json] KEYWORDS...")
	dir := indexFlag(fs)
	server := serverFlag(fs)
	source := fs.String("source", "", "only articles from this source")
	author := fs.String("author", "", "only articles by this author")
	since := fs.String("since", "", "only articles published on or after this day (YYYY-MM-DD)")
	until := fs.String("until", "", "only articles published on or before this day (YYYY-MM-DD)")
	page := fs.Int("page", 1, "result page")
	pageSize := fs.Int("page-size", 5, "results per page (at most 100)")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	sc, err := scopeOf(*server)
	if err != nil {
		return err
	}
	if err := positiveInt("page", *page, 10000); err != nil {
		return err
	}
	if err := positiveInt("page-size", *pageSize, 100); err != nil {
		return err
	}
	keywords := joinArgs(rest)
	if keywords == "" {
		return usagef("missing KEYWORDS, e.g. briefbot search Kursk \"North Korean\" -Iran")
	}
	f := briefbot.SearchFilters{Source: *source, Author: *author, Scope: sc}
	if f.Since, err = optionalDay(*since); err != nil {
		return err
	}
	if f.Until, err = optionalDay(*until); err != nil {
		return err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return usagef("--until %s is before --since %s", *until, *since)
	}
	ix, _, closeIx, err := a.openIndex(ctx, *dir)
	if err != nil {
		return err
	}
	defer closeIx()
	res, err := ix.Search(ctx, keywords, f, *page, *pageSize)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, resultsJSON{Query: keywords, Total: res.Total, Page: res.Page, Reason: wording.ForSearch(res).Sentence(), Respelled: res.Respelled, Results: toPassagesJSON(res.Passages)})
	}
	printRespelled(a.stdout, res.Respelled)
	if res.Total == 0 {
		fmt.Fprintln(a.stdout, wording.ForSearch(res).Sentence())
		return nil
	}
	if len(res.Passages) == 0 {
		fmt.Fprintf(a.stdout, "%s; page %d is past the last page.\n", textrules.Plural(res.Total, "result", "results"), res.Page)
		return nil
	}
	first := (res.Page-1)*res.PageSize + 1
	fmt.Fprintf(a.stdout, "%s, showing %d–%d:\n\n", textrules.Plural(res.Total, "result", "results"), first, first+len(res.Passages)-1)
	printPassages(a.stdout, res.Passages, first, true)
	return nil
}

// optionalDay parses a YYYY-MM-DD flag value; "" is the zero time.
func optionalDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseDay(s, time.UTC)
}

func cmdSummary(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "summary", "[--index DIR] [--server ID] [--date YYYY-MM-DD | --since DATE --until DATE | --article ID] [--sentences N | --words N] [--tz ZONE] [--json]")
	dir := indexFlag(fs)
	server := serverFlag(fs)
	var f summaryFlags
	fs.StringVar(&f.date, "date", "", "the day to brief (default: today in --tz)")
	fs.StringVar(&f.since, "since", "", "first day of a range (YYYY-MM-DD)")
	fs.StringVar(&f.until, "until", "", "last day of a range (YYYY-MM-DD)")
	fs.StringVar(&f.articleID, "article", "", "summarise one article by id")
	fs.IntVar(&f.sentences, "sentences", 0, "number of points (default 5)")
	fs.IntVar(&f.words, "words", 0, "add points until the summary has at least this many words")
	tz := fs.String("tz", "", "IANA time zone days are counted in (default $BRIEFBOT_TZ, else UTC)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	sc, err := scopeOf(*server)
	if err != nil {
		return err
	}
	loc, err := a.location(*tz)
	if err != nil {
		return err
	}
	req, err := f.request(loc)
	if err != nil {
		return err
	}
	req.Scope = sc
	modes := f.modes()
	ix, sample, closeIx, err := a.openIndex(ctx, *dir)
	if err != nil {
		return err
	}
	defer closeIx()
	if sample && modes == 0 {
		// Today has no sample articles: brief the sample's latest day instead,
		// so the demo shows a briefing rather than an empty day.
		if days, err := ix.Days(ctx, sc, loc, 1); err == nil && len(days) > 0 {
			req.Day = days[0]
		}
	}
	sum, err := summarise(ctx, ix, req)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, toSummaryJSON(sum))
	}
	if len(sum.Points) == 0 {
		fmt.Fprintln(a.stdout, wording.ForSummary(sum).Sentence())
		return nil
	}
	printSummary(a, sum)
	return nil
}

// summarise runs req. One article with --server is the server's own copy
// when it has one, else the shared space's, as in that server: the same id
// may name an article in each.
func summarise(ctx context.Context, ix localapi.Index, req briefbot.SummaryRequest) (briefbot.Summary, error) {
	if req.ArticleID == "" || req.Scope.Server == "" {
		return ix.Summary(ctx, req)
	}
	req.Space = req.Scope.Server
	sum, err := ix.Summary(ctx, req)
	if err != nil || sum.NoMatch != briefbot.NoSuchArticle {
		return sum, err
	}
	req.Space = briefbot.SharedSpace
	return ix.Summary(ctx, req)
}

// summaryFlags are the summary command's choices of what to brief.
type summaryFlags struct {
	date, since, until, articleID string
	sentences, words              int
}

// modes counts the kinds of period given: a day, a range, an article.
func (f summaryFlags) modes() int {
	n := 0
	for _, set := range []bool{f.date != "", f.since != "" || f.until != "", f.articleID != ""} {
		if set {
			n++
		}
	}
	return n
}

// request checks the flags and turns them into a SummaryRequest for days
// counted in loc; with no period given, it briefs today.
func (f summaryFlags) request(loc *time.Location) (briefbot.SummaryRequest, error) {
	req := briefbot.SummaryRequest{Location: loc, ArticleID: f.articleID, Sentences: f.sentences, Words: f.words}
	if f.sentences < 0 || f.sentences > 50 {
		return req, usagef("--sentences must be between 1 and 50")
	}
	if f.words < 0 {
		return req, usagef("--words must be positive")
	}
	if f.sentences > 0 && f.words > 0 {
		return req, usagef("give --sentences or --words, not both")
	}
	if f.modes() > 1 {
		return req, usagef("give one of --date, --since/--until or --article")
	}
	var err error
	switch {
	case f.since != "" || f.until != "":
		if f.since == "" || f.until == "" {
			return req, usagef("--since and --until go together")
		}
		if req.Since, err = parseDay(f.since, loc); err != nil {
			return req, err
		}
		if req.Until, err = parseDay(f.until, loc); err != nil {
			return req, err
		}
		if req.Until.Before(req.Since) {
			return req, usagef("--until %s is before --since %s", f.until, f.since)
		}
	case f.articleID != "":
	case f.date != "":
		if req.Day, err = parseDay(f.date, loc); err != nil {
			return req, err
		}
	default:
		now := time.Now().In(loc)
		req.Day = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	}
	return req, nil
}

// printSummary writes the briefing grouped by story, each point quoted and cited.
func printSummary(a *app, sum briefbot.Summary) {
	em := emphasisFor(a.stdout)
	story := -1
	for i, p := range sum.Points {
		if p.Story != story && p.Story < len(sum.Stories) {
			story = p.Story
			fmt.Fprintf(a.stdout, "%s%s%s%s\n", em.on, sum.Stories[story].Title, em.off, outletsNote(sum.Stories[story].Outlets))
		}
		fmt.Fprintf(a.stdout, "[%d] %s\n    %s\n", i+1, p.Text, citation(p.Article, p.Paragraph))
	}
}

// outletsNote is " (3 outlets)" after the title of a story that several
// outlets carried, as /summary shows it; "" for one outlet or none known.
func outletsNote(n int) string {
	if n < 2 {
		return ""
	}
	return fmt.Sprintf(" (%d outlets)", n)
}

// printRespelled names the words no paragraph holds, which were looked for
// by their nearest spelling instead.
func printRespelled(w io.Writer, words []string) {
	for _, word := range words {
		fmt.Fprintf(w, "No paragraph has %q: looked for its nearest spelling.\n", word)
	}
}
