package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/bot"
	"github.com/briefbot/briefbot/feeds"
	"github.com/briefbot/briefbot/fetch"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/discordtest"
	"github.com/briefbot/briefbot/metrics"
)

// TestFeedsCommands: add checks the URL is a feed, list shows it, poll
// --once ingests its item into the index, remove drops it.
func TestFeedsCommands(t *testing.T) {
	text := "The river authority opened the new flood gates on Wednesday after two years of works. " +
		strings.Repeat("Engineers said the gates would protect the lower town from spring floods for decades to come. ", 6)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>River news</title><link>https://river.example.org/</link>
<item><title>Flood gates open</title><link>https://river.example.org/gates</link><description>%s</description></item>
</channel></rss>`, text)
	}))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "index")
	vars := map[string]string{"BRIEFBOT_INDEX": dir}

	if code, out, errOut := runCmd(t, vars, "feeds", "add", srv.URL+"/rss", "--every", "30m"); code != exitOK || !strings.Contains(out, `"River news", 1 item)`) {
		t.Fatalf("add: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCmd(t, vars, "feeds", "poll", "--once"); code != exitOK || !strings.Contains(out, "1 new, 0 changed, 0 repeated; 1 added") {
		t.Fatalf("poll: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, vars, "feeds", "poll", "--once"); code != exitOK || !strings.Contains(out, "no feed is due") {
		t.Errorf("second poll: exit %d\n%s", code, out)
	}
	code, out, errOut := runCmd(t, vars, "feeds", "list", "--json")
	var list []struct {
		URL           string `json:"url"`
		Every         string `json:"every"`
		LastSuccess   string `json:"last_success"`
		ItemsSeen     int    `json:"items_seen"`
		AddedThisWeek int    `json:"added_this_week"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	if f := list[0]; f.URL != srv.URL+"/rss" || f.Every != "30m0s" || f.LastSuccess == "" || f.ItemsSeen != 1 || f.AddedThisWeek != 1 {
		t.Errorf("listed %+v", f)
	}
	if code, out, _ := runCmd(t, vars, "ask", "when did the flood gates open?"); code != exitOK || !strings.Contains(out, "opened the new flood gates") {
		t.Errorf("ask after poll: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCmd(t, vars, "feeds", "remove", srv.URL+"/rss"); code != exitOK {
		t.Fatalf("remove: exit %d %s", code, errOut)
	}
	if code, out, _ := runCmd(t, vars, "feeds", "list"); code != exitOK || !strings.Contains(out, "no feeds") {
		t.Errorf("list after remove: exit %d\n%s", code, out)
	}
}

func TestFeedsUsageErrors(t *testing.T) {
	vars := map[string]string{"BRIEFBOT_INDEX": filepath.Join(t.TempDir(), "index")}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"feeds"}, "missing sub-command"},
		{[]string{"feeds", "subscribe"}, "unknown sub-command"},
		{[]string{"feeds", "add"}, "exactly one feed URL"},
		{[]string{"feeds", "add", "ftp://example.org/feed"}, "not an http(s) URL"},
		{[]string{"feeds", "add", "https://example.org/feed", "--every", "5m"}, "below the minimum of 15m0s"},
		{[]string{"feeds", "add", "https://example.org/feed", "--server", "123"}, `--server: "123" is not a Discord server id`},
		{[]string{"feeds", "remove", "https://example.org/feed", "--server", "123"}, `--server: "123" is not a Discord server id`},
		{[]string{"feeds", "list", "--server", "abc"}, `--server: "abc" is not a Discord server id`},
		{[]string{"feeds", "list", "extra"}, "unexpected argument"},
	} {
		code, _, errOut := runCmd(t, vars, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", tc.args, code, errOut, tc.want)
		}
	}
	if code, _, errOut := runCmd(t, vars, "feeds", "remove", "https://example.org/feed"); code != exitFail || !strings.Contains(errOut, "the shared space: not subscribed to https://example.org/feed") {
		t.Errorf("remove of an unknown feed: exit %d %q", code, errOut)
	}
}

// TestServePollsFeeds: serve polls the operator's subscriptions in the
// background, and an item becomes answerable without anyone running
// `feeds poll` (asked through serve's socket, as an operator would).
func TestServePollsFeeds(t *testing.T) {
	text := "The harbour ferry resumed its winter timetable on Saturday after the storm repairs. " +
		strings.Repeat("Crews replaced the damaged landing stage and tested the new mooring lines twice. ", 6)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Harbour news</title><link>https://harbour.example.org/</link>
<item><title>Ferry timetable back</title><link>https://harbour.example.org/ferry</link><description>%s</description></item>
</channel></rss>`, text)
	}))
	defer srv.Close()
	fake := discordtest.New(t)
	root := t.TempDir()
	indexDir := filepath.Join(root, "index")
	vars := map[string]string{
		"HOME": root, "DISCORD_TOKEN": strings.TrimPrefix(fake.Token, "Bot "), "DISCORD_APP_ID": fake.AppID,
		"DISCORD_API_BASE": fake.URL, "BRIEFBOT_INDEX": indexDir,
	}
	if code, out, errOut := runCmd(t, vars, "feeds", "add", srv.URL+"/rss"); code != exitOK {
		t.Fatalf("add: exit %d\n%s%s", code, out, errOut)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), new(syncBuffer), &stderr, func(k string) string { return vars[k] })
	}()
	fake.WaitReady(20*time.Second, 1)
	// The poller polls at once; wait for its result, bounded.
	deadline := time.Now().Add(20 * time.Second)
	var out string
	for time.Now().Before(deadline) {
		var code int
		code, out, _ = runCmd(t, vars, "search", "mooring lines")
		if code == exitOK && strings.Contains(out, "Ferry timetable back") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("serve exited %d: %s", code, stderr.String())
	}
	if !strings.Contains(out, "Ferry timetable back") {
		t.Fatalf("the feed's item never became searchable while serve ran; last search:\n%s\nserve log:\n%s", out, stderr.String())
	}
	if !strings.Contains(stderr.String(), "feed polled") {
		t.Errorf("serve logged no feed poll:\n%s", stderr.String())
	}
}

// TestFeedsPollThroughServe: while serve runs (and holds the index),
// `feeds poll --once` has serve poll the due feeds and prints what changed;
// without --once it says serve polls already.
func TestFeedsPollThroughServe(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Valley news</title><link>https://valley.example.org/</link>
<item><title>Bridge reopens</title><link>https://valley.example.org/bridge</link><description>The valley bridge reopened to traffic on Friday after the inspection found the repaired bearings sound and the new deck joints watertight.</description></item>
</channel></rss>`)
	}))
	defer srv.Close()
	indexDir := filepath.Join(t.TempDir(), "index")
	ix, err := index.Open(indexDir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	poller := feedPoller(indexDir, ix, slog.New(slog.DiscardHandler), metrics.New(nil), nil)
	stop := startLocalAPI(ix, indexDir, slog.New(slog.DiscardHandler), poller)
	defer stop()
	vars := map[string]string{"BRIEFBOT_INDEX": indexDir}
	if code, out, errOut := runCmd(t, vars, "feeds", "add", srv.URL+"/rss"); code != exitOK {
		t.Fatalf("add: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCmd(t, vars, "feeds", "poll", "--once")
	if code != exitOK || !strings.Contains(out, "1 new, 0 changed, 0 repeated; 1 added") {
		t.Fatalf("poll --once through serve: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, vars, "feeds", "poll", "--once"); code != exitOK || out != "no feed is due\n" {
		t.Errorf("second poll --once: exit %d %q", code, out)
	}
	if code, _, errOut := runCmd(t, vars, "feeds", "poll"); code != exitUsage || !strings.Contains(errOut, "serve is running and polls the feeds itself") {
		t.Errorf("poll without --once while serving: exit %d %q", code, errOut)
	}
	if n := requests.Load(); n != 2 { // add's check, and one poll
		t.Errorf("%d requests to the feed, want 2", n)
	}
	if code, out, _ := runCmd(t, vars, "search", "bearings"); code != exitOK || !strings.Contains(out, "Bridge reopens") {
		t.Errorf("search after the poll: exit %d\n%s", code, out)
	}
}

// Two Discord servers, as Discord numbers them.
const (
	feedServerA = "310000000000000001"
	feedServerB = "320000000000000002"
)

// lighthouseAtom is a news agency's Atom feed, written for these tests.
const lighthouseAtom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://wire.example.net/">
<title>Coast wire</title><id>urn:example:coast</id><updated>2026-03-04T09:00:00Z</updated>
<entry><id>urn:example:coast:lighthouse</id><title>Lighthouse relit</title><link href="stories/lighthouse"/>
<updated>2026-03-04T09:00:00Z</updated><author><name>Coast desk</name></author>
<content type="html">&lt;p&gt;The old lighthouse on the north cape was relit on Tuesday after a two-year restoration by volunteers.&lt;/p&gt;
&lt;p&gt;Keepers said the new lamp can be seen from twenty miles out on a clear night, further than the one it replaces.&lt;/p&gt;
&lt;p&gt;The restoration was paid for by a public appeal that raised more than the trust had asked for in its first month.&lt;/p&gt;
&lt;p&gt;Visitors will be able to climb the tower on weekends from April, the trust said, weather permitting.&lt;/p&gt;</content></entry>
</feed>`

// feedSite serves the Atom feed, an HTML page that is not a feed, and a
// redirect to a private address.
func feedSite(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/atom":
			w.Header().Set("Content-Type", "application/atom+xml")
			fmt.Fprint(w, lighthouseAtom)
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body><p>Not a feed.</p></body></html>")
		case "/private":
			http.Redirect(w, r, "http://192.168.77.1/feed.xml", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestServerFeedsAdapter: /feeds' adapter checks each feed through the
// guarded fetcher, refuses clearly (a repeat, a private redirect, not a
// feed, too often, over the cap), keeps each server's feeds apart, and the
// poller puts each server's copy into its own space of a real index.
func TestServerFeedsAdapter(t *testing.T) {
	srv := feedSite(t)
	indexDir := filepath.Join(t.TempDir(), "index")
	// As serverFetcher, but reaching httptest on loopback; private
	// addresses stay refused.
	guard := fetch.New(fetch.Options{AllowLoopback: true, Timeout: 5 * time.Second})
	sf := &serverFeeds{file: feeds.FileFor(indexDir), fetcher: guard, maxFeeds: 2, minEvery: feeds.DefaultServerMinEvery, now: time.Now}
	ctx := context.Background()
	atom, second, third := srv.URL+"/atom", srv.URL+"/atom?edition=2", srv.URL+"/atom?edition=3"

	if f, err := sf.AddFeed(ctx, feedServerA, atom, 0); err != nil || f.Title != "Coast wire" || f.Items != 1 || f.Every != time.Hour {
		t.Fatalf("add in A: %+v %v", f, err)
	}
	if _, err := sf.AddFeed(ctx, feedServerB, atom, 30*time.Minute); err != nil {
		t.Fatalf("the same feed in B: %v", err)
	}
	for _, tc := range []struct {
		url   string
		every time.Duration
		want  string
	}{
		{atom, 0, "already subscribed to that feed"},
		{srv.URL + "/private", 0, "it is, or redirects to, a private, loopback or link-local address"},
		{srv.URL + "/page", 0, "I couldn't read that address as a feed"},
		{srv.URL + "/missing", 0, "404"},
		{second, 5 * time.Minute, "at most every 15m: ask for `every: 15m` or more"},
	} {
		_, err := sf.AddFeed(ctx, feedServerA, tc.url, tc.every)
		var refusal bot.FeedRefusal
		if !errors.As(err, &refusal) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("add %s every %v in A: %v, want a refusal with %q", tc.url, tc.every, err, tc.want)
		}
	}
	if _, err := sf.AddFeed(ctx, feedServerA, second, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := sf.AddFeed(ctx, feedServerA, third, 0); err == nil || !strings.Contains(err.Error(), "already has 2 feeds, the most it may have") {
		t.Errorf("A's third feed: %v", err)
	}
	if _, err := sf.AddFeed(ctx, feedServerB, third, 0); err != nil {
		t.Errorf("B's second feed, while A is full: %v", err)
	}
	if err := sf.RemoveFeed(ctx, feedServerB, second); err == nil || !strings.Contains(err.Error(), "not subscribed to that feed") {
		t.Errorf("B removing A's feed: %v", err)
	}
	pollIntoSpaces(t, sf, guard, indexDir, atom, second)
}

// pollIntoSpaces polls sf's subscriptions into a real index and checks
// that each server's copy is in its own space, and that A's feeds show
// the poll in ListFeeds.
func pollIntoSpaces(t *testing.T, sf *serverFeeds, guard feeds.Fetcher, indexDir, atom, second string) {
	t.Helper()
	ctx := context.Background()
	ix, err := index.Open(indexDir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	p := feeds.New(feeds.Options{File: sf.file, Fetcher: operatorFetcher(), ServerFetcher: guard, Store: indexStore{ix}})
	results, err := p.Poll(ctx)
	if err != nil || len(results) != 4 {
		t.Fatalf("poll: %v %v", results, err)
	}
	for _, sc := range []briefbot.Scope{{Server: feedServerA}, {Server: feedServerB}} {
		page, err := ix.Search(ctx, "lighthouse relit", briefbot.SearchFilters{Scope: sc}, 1, 10)
		if err != nil || page.Total == 0 {
			t.Fatalf("search from %s: %+v %v", sc.Server, page, err)
		}
		for _, ps := range page.Passages {
			if ps.Article.Space != sc.Server {
				t.Errorf("search from %s finds a passage of space %q", sc.Server, ps.Article.Space)
			}
		}
	}
	if page, err := ix.Search(ctx, "lighthouse relit", briefbot.SearchFilters{}, 1, 10); err != nil || page.Total != 0 {
		t.Errorf("the shared space has a server's feed item: %d %v", page.Total, err)
	}
	listA, err := sf.ListFeeds(ctx, feedServerA)
	if err != nil || len(listA) != 2 {
		t.Fatalf("A's feeds: %+v %v", listA, err)
	}
	added := 0
	for _, f := range listA {
		if f.URL != atom && f.URL != second || f.LastSuccess.IsZero() || f.ItemsSeen != 1 || f.LastError != "" {
			t.Errorf("A's feed after the poll: %+v", f)
		}
		added += f.AddedThisWeek
	}
	if added != 1 { // the same item twice in one space is one article
		t.Errorf("A's feeds added %d articles this week, want 1", added)
	}
}

// TestFeedsCLIPerServer: the operator manages a server's feeds with
// --server; a server's feed is checked through the guard (here refused on
// loopback), and list and remove act on the space named.
func TestFeedsCLIPerServer(t *testing.T) {
	srv := feedSite(t)
	indexDir := filepath.Join(t.TempDir(), "index")
	vars := map[string]string{"BRIEFBOT_INDEX": indexDir}
	atom := srv.URL + "/atom"
	code, _, errOut := runCmd(t, vars, "feeds", "add", atom, "--server", feedServerA)
	if code != exitFail || !strings.Contains(errOut, "is a loopback address") {
		t.Errorf("add of a loopback feed for a server: exit %d %q", code, errOut)
	}
	if code, out, errOut := runCmd(t, vars, "feeds", "add", atom); code != exitOK || !strings.Contains(out, "subscribed the shared space to") {
		t.Fatalf("add for the shared space: exit %d %s%s", code, out, errOut)
	}
	// Servers' subscriptions as /feeds add leaves them.
	for _, server := range []string{feedServerA, feedServerB} {
		sub := feeds.Subscription{URL: atom, Space: server, Every: feeds.Interval(time.Hour)}
		if err := feeds.Subscribe(context.Background(), feeds.FileFor(indexDir), sub, 0); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runCmd(t, vars, "feeds", "list", "--server", feedServerA, "--json")
	var list []struct {
		URL    string `json:"url"`
		Server string `json:"server"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Server != feedServerA || list[0].URL != atom {
		t.Errorf("list --server A: exit %d %s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, vars, "feeds", "list"); code != exitOK || strings.Count(out, atom) != 3 || !strings.Contains(out, "server "+feedServerB) {
		t.Errorf("list of every feed: exit %d\n%s", code, out)
	}
	if code, out, errOut := runCmd(t, vars, "feeds", "remove", atom, "--server", feedServerB); code != exitOK || !strings.Contains(out, "unsubscribed server "+feedServerB+"'s space") {
		t.Errorf("remove --server B: exit %d %s%s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, vars, "feeds", "remove", atom, "--server", feedServerB); code != exitFail || !strings.Contains(errOut, "server "+feedServerB+"'s space: not subscribed") {
		t.Errorf("second remove --server B: exit %d %q", code, errOut)
	}
	if l, _ := feeds.Load(feeds.FileFor(indexDir)); len(l.Feeds) != 2 || l.Find(atom, feedServerA) == nil || l.Find(atom, briefbot.SharedSpace) == nil {
		t.Errorf("after B's removal: %+v", l.Feeds)
	}
}

// TestFeedLimits: BRIEFBOT_SERVER_FEEDS and BRIEFBOT_SERVER_FEEDS_EVERY set
// the per-server cap and minimum interval; 0 feeds turns /feeds add off.
func TestFeedLimits(t *testing.T) {
	for _, tc := range []struct {
		feeds, every string
		want         feedLimits
		bad          string
	}{
		{"", "", feedLimits{50, 15 * time.Minute}, ""},
		{"5", "1h", feedLimits{5, time.Hour}, ""},
		{"0", "", feedLimits{0, 15 * time.Minute}, ""},
		{"-1", "", feedLimits{}, "BRIEFBOT_SERVER_FEEDS"},
		{"many", "", feedLimits{}, "BRIEFBOT_SERVER_FEEDS"},
		{"", "5m", feedLimits{}, "BRIEFBOT_SERVER_FEEDS_EVERY"},
		{"", "2d", feedLimits{}, "BRIEFBOT_SERVER_FEEDS_EVERY"},
	} {
		vars := map[string]string{"BRIEFBOT_SERVER_FEEDS": tc.feeds, "BRIEFBOT_SERVER_FEEDS_EVERY": tc.every}
		got, err := loadFeedLimits(func(k string) string { return vars[k] })
		if tc.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%q %q: %v, want an error naming %s", tc.feeds, tc.every, err, tc.bad)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q %q: %+v %v, want %+v", tc.feeds, tc.every, got, err, tc.want)
		}
	}
	sf := newServerFeeds(filepath.Join(t.TempDir(), "index"), feedLimits{0, 15 * time.Minute})
	if _, err := sf.AddFeed(context.Background(), feedServerA, "https://example.org/feed", 0); err == nil || !strings.Contains(err.Error(), "not enabled feeds for servers") {
		t.Errorf("add with a cap of 0: %v", err)
	}
	// A higher minimum is the one refused under, and said.
	sf = newServerFeeds(filepath.Join(t.TempDir(), "index"), feedLimits{5, time.Hour})
	if _, err := sf.AddFeed(context.Background(), feedServerA, "https://example.org/feed", 30*time.Minute); err == nil || !strings.Contains(err.Error(), "at most every 1h: ask for `every: 1h`") {
		t.Errorf("add every 30m under a minimum of 1h: %v", err)
	}
	sf = newServerFeeds(filepath.Join(t.TempDir(), "index"), feedLimits{5, 2 * time.Hour})
	sf.fetcher = fetch.New(fetch.Options{AllowLoopback: true, Timeout: 5 * time.Second})
	if f, err := sf.AddFeed(context.Background(), feedServerA, feedSite(t).URL+"/atom", 0); err != nil || f.Every != 2*time.Hour {
		t.Errorf("add with no interval under a minimum of 2h: %+v %v, want every 2h", f, err)
	}
}

// feedsCommand is /feeds sub from an admin of server, as Discord sends it.
func (d *deployment) feedsCommand(server, sub string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	i := d.inServer(d.fake.NewCommand("feeds", &discordgo.ApplicationCommandInteractionDataOption{
		Name: sub, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts,
	}), server, adminPerms)
	data := i.Data.(discordgo.ApplicationCommandInteractionData)
	data.CommandType = discordgo.ChatApplicationCommand
	i.Data = data
	return i
}

// TestServeFeedsGuarded: in serve as an operator runs it, /feeds add from
// a server checks the URL through the guard (a feed on this host is
// refused), a server's subscription on loopback fails at every poll with
// its error in that server's /feeds list only, and the remove autocomplete
// offers a server's own feeds only.
func TestServeFeedsGuarded(t *testing.T) {
	srv := feedSite(t)
	d := startDeployment(t)
	atom := srv.URL + "/atom"
	r := d.send(d.feedsCommand(serverA, "add", discordtest.StringOption("url", atom)))
	if !r.Ephemeral || !strings.Contains(r.Content, "loopback") || !strings.Contains(r.Content, "I don't fetch that address for a server") {
		t.Errorf("/feeds add of a loopback feed in A: %+v", r)
	}
	if l, _ := feeds.Load(feeds.FileFor(d.indexDir)); len(l.Feeds) != 0 {
		t.Fatalf("a refused feed was subscribed: %+v", l.Feeds)
	}
	// As if it had been added while the address was public: a subscription
	// of A on loopback, polled now through serve.
	sub := feeds.Subscription{URL: atom, Space: serverA, Every: feeds.Interval(time.Hour)}
	if err := feeds.Subscribe(context.Background(), feeds.FileFor(d.indexDir), sub, 0); err != nil {
		t.Fatal(err)
	}
	if res := d.cli("feeds", "poll", "--once"); res.code != exitOK || !strings.Contains(res.stdout, "(server "+serverA+"): error:") || !strings.Contains(res.stdout, "loopback") {
		t.Fatalf("poll through serve: exit %d %s %s", res.code, res.stdout, res.stderr)
	}
	listA := d.send(d.feedsCommand(serverA, "list"))
	if !strings.Contains(listA.Content, atom) || !strings.Contains(listA.Content, "last success: never") || !strings.Contains(listA.Content, "is a loopback address") {
		t.Errorf("/feeds list in A: %+v", listA)
	}
	if listB := d.send(d.feedsCommand(serverB, "list")); strings.Contains(listB.String(), srv.URL) || !strings.Contains(listB.Content, "no feeds") {
		t.Errorf("/feeds list in B: %+v", listB)
	}
	for server, want := range map[string]bool{serverA: true, serverB: false} {
		opt := discordtest.StringOption("url", "")
		opt.Focused = true
		i := d.feedsCommand(server, "remove", opt)
		i.Type = discordgo.InteractionApplicationCommandAutocomplete
		if got := d.send(i); strings.Contains(string(got.Choices), atom) != want {
			t.Errorf("remove autocomplete in %s: %s", server, got.Choices)
		}
	}
	if page := d.cli("search", "--server", serverA, "lighthouse"); page.code != exitOK || strings.Contains(page.stdout, "Lighthouse relit") {
		t.Errorf("search in A after the refused poll: exit %d %s %s", page.code, page.stdout, page.stderr)
	}
}
