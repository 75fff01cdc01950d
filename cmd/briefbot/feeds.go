package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/feeds"
	"github.com/briefbot/briefbot/fetch"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/localapi"
	"github.com/briefbot/briefbot/internal/textrules"
)

const feedsUsage = `Usage:
  briefbot feeds add URL [--every DURATION] [--index DIR]
  briefbot feeds remove URL [--index DIR]
  briefbot feeds list [--json] [--index DIR]
  briefbot feeds poll [--once] [--index DIR]
`

// errPerServer is the answer to --server: feeds are the operator's, polled
// into the shared space; a server's admins add pages with /ingest.
var errPerServer = usageError{"per-server feeds are not supported yet: a feed goes into the shared space, which every server sees"}

func cmdFeeds(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		return usagef("missing sub-command: add, remove, list or poll (see 'briefbot feeds -h')")
	}
	switch args[0] {
	case "add":
		return cmdFeedsAdd(ctx, a, args[1:])
	case "remove":
		return cmdFeedsRemove(ctx, a, args[1:])
	case "list":
		return cmdFeedsList(a, args[1:])
	case "poll":
		return cmdFeedsPoll(ctx, a, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(a.stdout, feedsUsage)
		return errHelp
	}
	return usagef("unknown sub-command %q: add, remove, list or poll", args[0])
}

// operatorFetcher reaches the operator's own feeds, which may be served on
// this host or its private network; per-server feeds (later) will not.
func operatorFetcher() *fetch.Fetcher { return fetch.New(fetch.Options{AllowPrivate: true}) }

// oneURL reads a sub-command's single URL argument and refuses --server.
func oneURL(rest []string, server string) (string, error) {
	if server != "" {
		return "", errPerServer
	}
	if len(rest) != 1 {
		return "", usagef("want exactly one feed URL, got %d arguments", len(rest))
	}
	return rest[0], nil
}

func cmdFeedsAdd(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "feeds add", "URL [--every DURATION] [--index DIR]")
	dir := indexFlag(fs)
	every := fs.Duration("every", feeds.DefaultEvery, fmt.Sprintf("how often to poll the feed (at least %v)", feeds.MinEvery))
	server := fs.String("server", "", "Discord server id (per-server feeds are not supported yet)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	rawURL, err := oneURL(rest, *server)
	if err != nil {
		return err
	}
	if err := feeds.Validate(rawURL, *every); err != nil {
		return usagef("%v", err)
	}
	parsed, err := feeds.Check(ctx, operatorFetcher(), rawURL)
	if err != nil {
		return err
	}
	indexDir, _ := a.indexLocation(*dir)
	sub := feeds.Subscription{URL: rawURL, Every: feeds.Interval(*every), Added: time.Now().UTC()}
	if err := feeds.Subscribe(ctx, feeds.FileFor(indexDir), sub); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "subscribed to %s (%q, %s), polled every %v; run `briefbot feeds poll` or serve to ingest it\n",
		rawURL, parsed.Title, textrules.Plural(len(parsed.Items), "item", "items"), *every)
	return nil
}

func cmdFeedsRemove(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "feeds remove", "URL [--index DIR]")
	dir := indexFlag(fs)
	server := fs.String("server", "", "Discord server id (per-server feeds are not supported yet)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	rawURL, err := oneURL(rest, *server)
	if err != nil {
		return err
	}
	indexDir, _ := a.indexLocation(*dir)
	if err := feeds.Unsubscribe(ctx, feeds.FileFor(indexDir), rawURL, ""); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "unsubscribed from %s (its articles stay in the index)\n", rawURL)
	return nil
}

// feedJSON is one feed in `feeds list --json`.
type feedJSON struct {
	URL           string    `json:"url"`
	Server        string    `json:"server,omitempty"`
	Every         string    `json:"every"`
	NextDue       time.Time `json:"next_due,omitzero"`
	LastSuccess   time.Time `json:"last_success,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	LastErrorAt   time.Time `json:"last_error_at,omitzero"`
	Failures      int       `json:"failures"`
	ItemsSeen     int       `json:"items_seen"`
	AddedThisWeek int       `json:"added_this_week"`
}

func toFeedJSON(s feeds.Subscription, now time.Time) feedJSON {
	st := s.State
	return feedJSON{
		URL: s.URL, Server: s.Server, Every: time.Duration(s.Every).String(), NextDue: st.NextDue,
		LastSuccess: st.LastSuccess, LastError: st.LastError, LastErrorAt: st.LastErrorAt,
		Failures: st.Failures, ItemsSeen: len(st.Seen), AddedThisWeek: st.AddedInWeekOf(now),
	}
}

func cmdFeedsList(a *app, args []string) error {
	fs := newFlags(a, "feeds list", "[--json] [--index DIR]")
	dir := indexFlag(fs)
	asJSON := fs.Bool("json", false, "print the feeds as JSON")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	indexDir, _ := a.indexLocation(*dir)
	l, err := feeds.Load(feeds.FileFor(indexDir))
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]feedJSON, 0, len(l.Feeds))
	for _, s := range l.Feeds {
		out = append(out, toFeedJSON(s, now))
	}
	if *asJSON {
		return writeJSON(a.stdout, out)
	}
	if len(out) == 0 {
		fmt.Fprintln(a.stdout, "no feeds: add one with `briefbot feeds add URL`")
	}
	for _, f := range out {
		printFeed(a.stdout, f)
	}
	return nil
}

func printFeed(w io.Writer, f feedJSON) {
	fmt.Fprintf(w, "%s (every %s)\n", f.URL, f.Every)
	fmt.Fprintf(w, "  last success: %s; %s seen, %s added this week\n", when(f.LastSuccess),
		textrules.Plural(f.ItemsSeen, "item", "items"), textrules.Plural(f.AddedThisWeek, "article", "articles"))
	if f.LastError != "" {
		fmt.Fprintf(w, "  last error: %s (%s, %d in a row)\n", f.LastError, when(f.LastErrorAt), f.Failures)
	}
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// indexStore is the poller's Store over the index: the same Upsert as
// /ingest url: in the bot.
type indexStore struct{ ix *index.Index }

func (s indexStore) UpsertArticles(ctx context.Context, arts []briefbot.Article) (feeds.Upserted, error) {
	rep, err := s.ix.Upsert(ctx, briefbot.SharedSpace, arts)
	return feeds.Upserted{Added: rep.Added, Updated: rep.Updated, Unchanged: rep.Unchanged}, err
}

func cmdFeedsPoll(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "feeds poll", "[--once] [--index DIR]")
	dir := indexFlag(fs)
	once := fs.Bool("once", false, "poll the feeds that are due, then exit")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	indexDir, _ := a.indexLocation(*dir)
	if c := a.dialServer(ctx, indexDir); c != nil {
		defer c.Close()
		return pollThroughServe(ctx, a, c, *once)
	}
	ix, err := index.Open(indexDir, index.Options{})
	if err != nil {
		return err
	}
	defer ix.Close()
	printResult := func(r feeds.Result) { printLines(a.stdout, pollLines([]feeds.Result{r})) }
	p := feeds.New(feeds.Options{
		File: feeds.FileFor(indexDir), Fetcher: operatorFetcher(), Store: indexStore{ix}, OnResult: printResult,
	})
	if !*once {
		if err := p.Run(ctx); !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
	results, err := p.Poll(ctx)
	if err != nil && len(results) == 0 {
		return err
	}
	printLines(a.stdout, pollLines(results))
	return err
}

// pollThroughServe has the running serve, which holds the index and polls
// the feeds itself, poll the due ones now (--once).
func pollThroughServe(ctx context.Context, a *app, c *localapi.Client, once bool) error {
	if !once {
		return usagef("serve is running and polls the feeds itself; `briefbot feeds poll --once` has it poll the due ones now")
	}
	lines, err := c.PollFeeds(ctx)
	printLines(a.stdout, lines)
	return err
}

// pollLines says what each poll did, a line each (with its warnings), or
// that no feed was due.
func pollLines(results []feeds.Result) []string {
	if len(results) == 0 {
		return []string{"no feed is due"}
	}
	var lines []string
	for _, r := range results {
		lines = append(lines, r.String())
		for _, w := range r.Warnings {
			lines = append(lines, "  warning: "+w)
		}
	}
	return lines
}

func printLines(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}
