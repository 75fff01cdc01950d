package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/bot"
	"github.com/briefbot/briefbot/feeds"
	"github.com/briefbot/briefbot/fetch"
	"github.com/briefbot/briefbot/internal/localapi"
	"github.com/briefbot/briefbot/internal/textrules"
)

const feedsUsage = `Usage:
  briefbot feeds add URL [--server ID] [--every DURATION] [--index DIR]
  briefbot feeds remove URL [--server ID] [--index DIR]
  briefbot feeds list [--server ID] [--json] [--index DIR]
  briefbot feeds poll [--once] [--index DIR]

Without --server a feed goes into the shared space, which every server sees;
with --server ID into that server's space only.
`

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

// operatorFetcher reaches the operator's own (shared) feeds, which may be
// served on this host or its private network.
func operatorFetcher() *fetch.Fetcher { return fetch.New(fetch.Options{AllowPrivate: true}) }

// serverFetcher reaches servers' feeds, whose URLs Discord users typed:
// fetch's guard refuses private, loopback and link-local addresses, also
// after redirects and DNS, when a feed is added and at every poll.
func serverFetcher() *fetch.Fetcher { return fetch.New(fetch.Options{}) }

// fetcherFor is the fetcher that checks a feed of space when it is added,
// the one the poller will read it with.
func fetcherFor(space string) *fetch.Fetcher {
	if space == briefbot.SharedSpace {
		return operatorFetcher()
	}
	return serverFetcher()
}

// feedServerFlag is --server: a Discord server id, or "" for the shared
// space.
func feedServerFlag(fs *flag.FlagSet) *string {
	return fs.String("server", "", "a Discord server id: that server's feeds (default: the shared feeds every server sees)")
}

// oneURL reads a sub-command's single URL argument and checks --server.
func oneURL(rest []string, server string) (string, error) {
	if server != briefbot.SharedSpace {
		if err := briefbot.CheckServerID(server); err != nil {
			return "", usagef("--server: %v", err)
		}
	}
	if len(rest) != 1 {
		return "", usagef("want exactly one feed URL, got %d arguments", len(rest))
	}
	return rest[0], nil
}

// feedSpace names a space in the command's output.
func feedSpace(space string) string {
	if space == briefbot.SharedSpace {
		return "the shared space"
	}
	return "server " + space + "'s space"
}

func cmdFeedsAdd(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "feeds add", "URL [--server ID] [--every DURATION] [--index DIR]")
	dir := indexFlag(fs)
	every := fs.Duration("every", feeds.DefaultEvery, fmt.Sprintf("how often to poll the feed (at least %v)", feeds.MinEvery))
	server := feedServerFlag(fs)
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
	parsed, err := feeds.Check(ctx, fetcherFor(*server), rawURL)
	if err != nil {
		return err
	}
	indexDir, _ := a.indexLocation(*dir)
	// No cap for the operator: the per-server cap is for /feeds add.
	sub := feeds.Subscription{URL: rawURL, Space: *server, Every: feeds.Interval(*every), Added: time.Now().UTC()}
	if err := feeds.Subscribe(ctx, feeds.FileFor(indexDir), sub, 0); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "subscribed %s to %s (%q, %s), polled every %v; run `briefbot feeds poll` or serve to ingest it\n",
		feedSpace(*server), rawURL, parsed.Title, textrules.Plural(len(parsed.Items), "item", "items"), *every)
	return nil
}

func cmdFeedsRemove(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "feeds remove", "URL [--server ID] [--index DIR]")
	dir := indexFlag(fs)
	server := feedServerFlag(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	rawURL, err := oneURL(rest, *server)
	if err != nil {
		return err
	}
	indexDir, _ := a.indexLocation(*dir)
	if err := feeds.Unsubscribe(ctx, feeds.FileFor(indexDir), rawURL, *server); err != nil {
		return fmt.Errorf("%s: %w", feedSpace(*server), err)
	}
	fmt.Fprintf(a.stdout, "unsubscribed %s from %s (its articles stay in the index)\n", feedSpace(*server), rawURL)
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
		URL: s.URL, Server: s.Space, Every: time.Duration(s.Every).String(), NextDue: st.NextDue,
		LastSuccess: st.LastSuccess, LastError: st.LastError, LastErrorAt: st.LastErrorAt,
		Failures: st.Failures, ItemsSeen: len(st.Seen), AddedThisWeek: st.AddedInWeekOf(now),
	}
}

func cmdFeedsList(a *app, args []string) error {
	fs := newFlags(a, "feeds list", "[--server ID] [--json] [--index DIR]")
	dir := indexFlag(fs)
	asJSON := fs.Bool("json", false, "print the feeds as JSON")
	server := fs.String("server", "", "a Discord server id: only that server's feeds (default: every feed, shared and servers')")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if *server != "" {
		if err := briefbot.CheckServerID(*server); err != nil {
			return usagef("--server: %v", err)
		}
	}
	indexDir, _ := a.indexLocation(*dir)
	l, err := feeds.Load(feeds.FileFor(indexDir))
	if err != nil {
		return err
	}
	subs := l.Feeds
	if *server != "" {
		subs = l.InSpace(*server)
	}
	now := time.Now()
	out := make([]feedJSON, 0, len(subs))
	for _, s := range subs {
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
	space := ""
	if f.Server != "" {
		space = ", server " + f.Server
	}
	fmt.Fprintf(w, "%s (every %s%s)\n", f.URL, f.Every, space)
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

// indexStore is the poller's Store over the index, or on a replica over
// the article log (the writer serve chose): the same Upsert as /ingest
// url: in the bot.
type indexStore struct{ w articleWriter }

func (s indexStore) UpsertArticles(ctx context.Context, space string, arts []briefbot.Article) (feeds.Upserted, error) {
	rep, err := s.w.Upsert(ctx, space, arts)
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
	w, closeW, err := a.openWriter(ctx, indexDir)
	if err != nil {
		return err
	}
	defer closeW()
	printResult := func(r feeds.Result) { printLines(a.stdout, pollLines([]feeds.Result{r})) }
	p := feeds.New(feeds.Options{
		File: feeds.FileFor(indexDir), Fetcher: operatorFetcher(), ServerFetcher: serverFetcher(),
		Store: indexStore{w}, OnResult: printResult,
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

// serverFeeds is the bot's Feeds: /feeds of a server's admins over the
// subscriptions file. It checks a feed through the guarded fetcher (the
// one the poller reads servers' feeds with), and holds each server to a
// cap on its feeds and a minimum interval.
type serverFeeds struct {
	file     string
	fetcher  feeds.Fetcher // guarded: serverFetcher, or a test's
	maxFeeds int           // per server
	minEvery time.Duration
	now      func() time.Time
}

func newServerFeeds(indexDir string, limits feedLimits) *serverFeeds {
	return &serverFeeds{
		file: feeds.FileFor(indexDir), fetcher: serverFetcher(),
		maxFeeds: limits.maxFeeds, minEvery: limits.minEvery, now: time.Now,
	}
}

// feedLimits bound each server's subscriptions: how many, and how often
// each may be polled.
type feedLimits struct {
	maxFeeds int
	minEvery time.Duration
}

// loadFeedLimits reads BRIEFBOT_SERVER_FEEDS (the most feeds a server may
// subscribe to; default 50) and BRIEFBOT_SERVER_FEEDS_EVERY (the shortest
// interval a server may ask for; default, and at least, 15m).
func loadFeedLimits(getenv env) (feedLimits, error) {
	l := feedLimits{maxFeeds: feeds.DefaultMaxServerFeeds, minEvery: feeds.DefaultServerMinEvery}
	if v := strings.TrimSpace(getenv("BRIEFBOT_SERVER_FEEDS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10000 {
			return l, usagef("BRIEFBOT_SERVER_FEEDS %q is not a number of feeds from 0 (servers may not subscribe) to 10000", v)
		}
		l.maxFeeds = n
	}
	if v := strings.TrimSpace(getenv("BRIEFBOT_SERVER_FEEDS_EVERY")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < feeds.MinEvery || d > 24*time.Hour {
			return l, usagef("BRIEFBOT_SERVER_FEEDS_EVERY %q is not an interval from %v to 24h, like 30m", v, feeds.MinEvery)
		}
		l.minEvery = d
	}
	return l, nil
}

// refuse is a refusal the admin reads, naming what is wrong in the bot's
// own words.
func refuse(format string, args ...any) error {
	return bot.FeedRefusal{Reason: fmt.Sprintf(format, args...)}
}

// refuseErr is a refusal with an error's text (which may hold what the
// admin typed) as its detail, which the bot shows escaped.
func refuseErr(reason string, err error) error {
	return bot.FeedRefusal{Reason: reason, Detail: err.Error()}
}

func (s *serverFeeds) AddFeed(ctx context.Context, server, rawURL string, every time.Duration) (bot.FeedInfo, error) {
	if err := briefbot.CheckServerID(server); err != nil {
		return bot.FeedInfo{}, fmt.Errorf("adding a feed: %w", err)
	}
	if s.maxFeeds <= 0 { // BRIEFBOT_SERVER_FEEDS=0; and Subscribe's 0 would mean no cap
		return bot.FeedInfo{}, refuse("The bot's operator has not enabled feeds for servers.")
	}
	every = cmp.Or(every, max(feeds.DefaultEvery, s.minEvery))
	if every < s.minEvery {
		return bot.FeedInfo{}, refuse("A feed can be checked at most every %s: ask for `every: %s` or more.", bot.ShortDuration(s.minEvery), bot.ShortDuration(s.minEvery))
	}
	if err := feeds.ValidateMin(rawURL, every, s.minEvery); err != nil {
		return bot.FeedInfo{}, refuseErr("I can't subscribe to that.", err)
	}
	// The cheap refusals first, before fetching anything; Subscribe checks
	// them again under the file's lock.
	l, err := feeds.Load(s.file)
	if err != nil {
		return bot.FeedInfo{}, err
	}
	if l.Find(rawURL, server) != nil {
		return bot.FeedInfo{}, alreadySubscribed()
	}
	if n := len(l.InSpace(server)); n >= s.maxFeeds {
		return bot.FeedInfo{}, tooMany(s.maxFeeds)
	}
	parsed, err := feeds.Check(ctx, s.fetcher, rawURL)
	if err != nil {
		return bot.FeedInfo{}, checkRefusal(err)
	}
	sub := feeds.Subscription{URL: rawURL, Space: server, Every: feeds.Interval(every), Added: s.now().UTC()}
	err = feeds.Subscribe(ctx, s.file, sub, s.maxFeeds)
	switch {
	case errors.Is(err, feeds.ErrTooMany):
		return bot.FeedInfo{}, tooMany(s.maxFeeds)
	case errors.Is(err, feeds.ErrSubscribed):
		return bot.FeedInfo{}, alreadySubscribed()
	case err != nil:
		return bot.FeedInfo{}, err
	}
	return bot.FeedInfo{URL: rawURL, Every: every, Title: parsed.Title, Items: len(parsed.Items)}, nil
}

func alreadySubscribed() error {
	return refuse("This server is already subscribed to that feed; `/feeds list` shows its feeds.")
}

func tooMany(maxFeeds int) error {
	return refuse("This server already has %s, the most it may have. Remove one with `/feeds remove` first.",
		textrules.Plural(maxFeeds, "feed", "feeds"))
}

// checkRefusal says why the check-fetch failed, for the admin who typed
// the address: refused by the guard, not reachable, or not a feed.
func checkRefusal(err error) error {
	if errors.Is(err, fetch.ErrRefused) {
		return refuseErr("I don't fetch that address for a server: it is, or redirects to, a private, loopback or link-local address.", err)
	}
	return refuseErr("I couldn't read that address as a feed.", err)
}

func (s *serverFeeds) RemoveFeed(ctx context.Context, server, rawURL string) error {
	if err := briefbot.CheckServerID(server); err != nil {
		return fmt.Errorf("removing a feed: %w", err)
	}
	err := feeds.Unsubscribe(ctx, s.file, rawURL, server)
	if errors.Is(err, feeds.ErrNotSubscribed) {
		return refuse("This server is not subscribed to that feed; `/feeds list` shows its feeds.")
	}
	return err
}

func (s *serverFeeds) ListFeeds(_ context.Context, server string) ([]bot.FeedInfo, error) {
	if err := briefbot.CheckServerID(server); err != nil {
		return nil, fmt.Errorf("listing feeds: %w", err)
	}
	l, err := feeds.Load(s.file)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []bot.FeedInfo
	for _, sub := range l.InSpace(server) {
		st := sub.State
		out = append(out, bot.FeedInfo{
			URL: sub.URL, Every: time.Duration(sub.Every),
			LastSuccess: st.LastSuccess, LastError: st.LastError, LastErrorAt: st.LastErrorAt,
			ItemsSeen: len(st.Seen), AddedThisWeek: st.AddedInWeekOf(now),
		})
	}
	return out, nil
}
