package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// fakeFeeds is Feeds in memory, per server, refusing as the real adapter
// does: a repeat, a server over its cap, an interval under 15 minutes.
type fakeFeeds struct {
	mu       sync.Mutex
	byServer map[string][]FeedInfo
	max      int
	fail     error // every call fails with it (the bot's trouble)
}

func newFakeFeeds(max int) *fakeFeeds { return &fakeFeeds{byServer: map[string][]FeedInfo{}, max: max} }

func (f *fakeFeeds) AddFeed(_ context.Context, server, url string, every time.Duration) (FeedInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return FeedInfo{}, f.fail
	}
	if every == 0 {
		every = time.Hour
	}
	if strings.Contains(url, "not-a-feed") {
		return FeedInfo{}, FeedRefusal{Reason: "I couldn't read that address as a feed.", Detail: "fetch " + url + ": no <rss> or <feed>"}
	}
	if every < 15*time.Minute {
		return FeedInfo{}, FeedRefusal{Reason: "A feed can be checked at most every 15m: ask for `every: 15m` or more."}
	}
	for _, fi := range f.byServer[server] {
		if fi.URL == url {
			return FeedInfo{}, FeedRefusal{Reason: "This server is already subscribed to that feed."}
		}
	}
	if len(f.byServer[server]) >= f.max {
		return FeedInfo{}, FeedRefusal{Reason: fmt.Sprintf("This server already has %d feeds, the most it may have.", f.max)}
	}
	f.byServer[server] = append(f.byServer[server], FeedInfo{URL: url, Every: every})
	return FeedInfo{URL: url, Every: every, Title: "Town *Hall* Notes", Items: 3}, nil
}

func (f *fakeFeeds) RemoveFeed(_ context.Context, server, url string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	for n, fi := range f.byServer[server] {
		if fi.URL == url {
			f.byServer[server] = append(f.byServer[server][:n], f.byServer[server][n+1:]...)
			return nil
		}
	}
	return FeedRefusal{Reason: "This server is not subscribed to that feed; `/feeds list` shows its feeds."}
}

func (f *fakeFeeds) ListFeeds(_ context.Context, server string) ([]FeedInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	return append([]FeedInfo(nil), f.byServer[server]...), nil
}

// setState gives server's feed url a polling state, as the poller would.
func (f *fakeFeeds) setState(server, url string, set func(*FeedInfo)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for n := range f.byServer[server] {
		if f.byServer[server][n].URL == url {
			set(&f.byServer[server][n])
		}
	}
}

const manageServer = memberPerms | discordgo.PermissionManageServer

func feedsIn(guild, user string, sub *discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	return inGuild(guildCommand(user, manageServer, cmdFeeds, sub), guild)
}

func feedsAutocomplete(guild, typed string) *discordgo.Interaction {
	i := feedsIn(guild, "601", subcommand("remove", &discordgo.ApplicationCommandInteractionDataOption{
		Name: "url", Type: discordgo.ApplicationCommandOptionString, Value: typed, Focused: true,
	}))
	i.Type = discordgo.InteractionApplicationCommandAutocomplete
	return i
}

// replyText is an ephemeral reply's content; it fails the test when the
// reply is not an ephemeral message Discord would accept.
func replyText(t *testing.T, resp *discordgo.InteractionResponse) string {
	t.Helper()
	checkResponse(t, resp)
	if resp.Type != discordgo.InteractionResponseChannelMessageWithSource || resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Fatalf("not an ephemeral message: %s", marshalResponse(t, resp))
	}
	return resp.Data.Content
}

func choiceValues(resp *discordgo.InteractionResponse) []string {
	var out []string
	for _, c := range resp.Data.Choices {
		out = append(out, fmt.Sprint(c.Value))
	}
	return out
}

// TestFeedsFromTwoServers: /feeds add, list, remove and the remove
// autocomplete act on the server they come from, and show nothing of the
// other server's feeds.
func TestFeedsFromTwoServers(t *testing.T) {
	t.Parallel()
	ff := newFakeFeeds(50)
	h, _, _ := newTestHandler(t, &fakeEngine{articles: testArticles()}, func(o *HandlerOptions) { o.Feeds = ff })
	ctx := context.Background()
	const aURL, bURL = "https://a-only.example/feed.xml", "https://b-only.example/rss"

	added := replyText(t, h.Handle(ctx, feedsIn(serverA, "601", subcommand("add", strOpt("url", aURL), strOpt("every", "30m")))))
	for _, want := range []string{"Subscribed this server to <" + aURL + ">", `(“Town \*Hall\* Notes”)`, "3 items now", "checked every 30m", "this server's briefings only"} {
		if !strings.Contains(added, want) {
			t.Errorf("add in A lacks %q: %s", want, added)
		}
	}
	replyText(t, h.Handle(ctx, feedsIn(serverB, "602", subcommand("add", strOpt("url", bURL)))))
	if got := ff.byServer[serverB]; len(got) != 1 || got[0].Every != time.Hour {
		t.Errorf("B's feeds: %+v", got)
	}
	success := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	ff.setState(serverA, aURL, func(f *FeedInfo) {
		f.LastSuccess, f.ItemsSeen, f.AddedThisWeek = success, 12, 4
		f.LastError, f.LastErrorAt = "fetch: HTTP 500 Internal Server Error", success.Add(time.Hour)
	})

	listA := replyText(t, h.Handle(ctx, feedsIn(serverA, "601", subcommand("list"))))
	for _, want := range []string{"This server's 1 feed:", "<" + aURL + ">, every 30m",
		"last success: " + success.In(testZone).Format("2006-01-02 15:04 MST"), "12 items seen", "4 articles added this week",
		"last error (" + success.Add(time.Hour).In(testZone).Format("2006-01-02 15:04 MST") + "): fetch: HTTP 500 Internal Server Error"} {
		if !strings.Contains(listA, want) {
			t.Errorf("/feeds list in A lacks %q:\n%s", want, listA)
		}
	}
	listB := replyText(t, h.Handle(ctx, feedsIn(serverB, "602", subcommand("list"))))
	if strings.Contains(listB, "a-only") || !strings.Contains(listB, bURL) || !strings.Contains(listB, "last success: never") {
		t.Errorf("/feeds list in B:\n%s", listB)
	}

	for _, tc := range []struct {
		guild, typed string
		want         []string
	}{
		{serverA, "", []string{aURL}},
		{serverA, "a-only", []string{aURL}},
		{serverA, "HTTPS://A-ONLY", []string{aURL}},
		{serverB, "", []string{bURL}},
		{serverB, "a-only", nil},
		{"", "", nil}, // not in a server: nothing to offer
	} {
		resp := h.Handle(ctx, feedsAutocomplete(tc.guild, tc.typed))
		checkResponse(t, resp)
		if got := choiceValues(resp); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("autocomplete in %q of %q = %v, want %v", tc.guild, tc.typed, got, tc.want)
		}
	}

	// B cannot remove A's feed, even knowing its address.
	refused := replyText(t, h.Handle(ctx, feedsIn(serverB, "602", subcommand("remove", strOpt("url", aURL)))))
	if !strings.Contains(refused, "not subscribed to that feed") || len(ff.byServer[serverA]) != 1 {
		t.Errorf("remove of A's feed from B: %s (A has %d)", refused, len(ff.byServer[serverA]))
	}
	removed := replyText(t, h.Handle(ctx, feedsIn(serverA, "601", subcommand("remove", strOpt("url", aURL)))))
	if !strings.Contains(removed, "Unsubscribed this server from <"+aURL+">") || len(ff.byServer[serverA]) != 0 {
		t.Errorf("remove in A: %s", removed)
	}
	if got := replyText(t, h.Handle(ctx, feedsIn(serverA, "601", subcommand("list")))); !strings.Contains(got, "no feeds") {
		t.Errorf("list after remove: %s", got)
	}
	if d := h.Deferral(feedsIn(serverA, "601", subcommand("list"))); d == nil || d.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("the deferral of /feeds is not ephemeral: %+v", d)
	}
}

// TestFeedsRefusals: each refusal says what is wrong, privately; the
// bot's own trouble says so without its details, which go to the log.
func TestFeedsRefusals(t *testing.T) {
	t.Parallel()
	ff := newFakeFeeds(1)
	h, _, logs := newTestHandler(t, &fakeEngine{articles: testArticles()}, func(o *HandlerOptions) { o.Feeds = ff })
	ctx := context.Background()
	add := func(url, every string) string {
		opts := []*discordgo.ApplicationCommandInteractionDataOption{strOpt("url", url)}
		if every != "" {
			opts = append(opts, strOpt("every", every))
		}
		return replyText(t, h.Handle(ctx, feedsIn(serverA, "601", subcommand("add", opts...))))
	}
	for _, tc := range []struct{ url, every, want string }{
		{"ftp://example.org/feed", "", "is not an http(s) address"},
		{"   ", "", "Please give the feed's address"},
		{"https://example.org/feed", "soon", "is not an interval: write it like `30m`, `2h` or `1d`"},
		{"https://example.org/feed", "30d", "is not an interval"},
		{"https://example.org/feed", "5m", "at most every 15m"},
		{"https://example.org/feed", "5", "at most every 15m"}, // a bare number is minutes
	} {
		if got := add(tc.url, tc.every); !strings.Contains(got, tc.want) {
			t.Errorf("add %q every %q: %s, want %q", tc.url, tc.every, got, tc.want)
		}
	}
	// The detail (the address as typed) is escaped; the reason is not.
	if got := add("https://example.org/not-a-feed/**bold**@everyone", ""); !strings.Contains(got, `I couldn't read that address as a feed. (fetch https://example.org/not\-a\-feed/\*\*bold\*\*@`) {
		t.Errorf("a refusal with a detail: %s", got)
	}
	if got := add("https://example.org/feed", "1d"); !strings.Contains(got, "checked every 24h") {
		t.Errorf("every 1d: %s", got)
	}
	if got := add("https://example.org/other", ""); !strings.Contains(got, "already has 1 feeds, the most it may have") {
		t.Errorf("over the cap: %s", got)
	}

	ff.fail = errors.New("feeds: locking /srv/briefbot/index.state/feeds.json: busy")
	got := add("https://example.org/third", "")
	if got != feedsTrouble || strings.Contains(got, "/srv") || !strings.Contains(logs.String(), "locking") {
		t.Errorf("the bot's trouble: %q; log:\n%s", got, logs.String())
	}

	dm := dmCommand("603", cmdFeeds, subcommand("list"))
	if got := replyText(t, h.Handle(ctx, dm)); !strings.Contains(got, "only inside a server") {
		t.Errorf("/feeds in a DM: %s", got)
	}
	bare, _, _ := newTestHandler(t, &fakeEngine{articles: testArticles()}, nil)
	if got := replyText(t, bare.Handle(ctx, feedsIn(serverA, "601", subcommand("list")))); !strings.Contains(got, "not set up") {
		t.Errorf("/feeds without Feeds: %s", got)
	}
}

// TestSignedFeedsFromTwoServers: /feeds and its autocomplete delivered
// signed over HTTP, as Discord does, from two servers; the fake Discord
// accepts every reply.
func TestSignedFeedsFromTwoServers(t *testing.T) {
	t.Parallel()
	ff := newFakeFeeds(50)
	g := startSpacesServe(t, nil, func(o *HandlerOptions) { o.Feeds = ff })
	const aURL = "https://a-only.example/feed.xml"
	add := g.post(t, g.command(serverA, "701", manageServer, cmdFeeds, subcommand("add", strOpt("url", aURL))))
	if !add.ephemeral() || !strings.Contains(add.Content, "Subscribed this server to <"+aURL+">") {
		t.Errorf("/feeds add in A: %+v", add)
	}
	if list := g.post(t, g.command(serverB, "702", manageServer, cmdFeeds, subcommand("list"))); !list.ephemeral() || strings.Contains(list.Data, "a-only") || !strings.Contains(list.Content, "no feeds") {
		t.Errorf("/feeds list in B: %+v", list)
	}
	for guild, want := range map[string]bool{serverA: true, serverB: false} {
		i := g.command(guild, "703", manageServer, cmdFeeds, subcommand("remove", &discordgo.ApplicationCommandInteractionDataOption{
			Name: "url", Type: discordgo.ApplicationCommandOptionString, Value: "", Focused: true,
		}))
		i.Type = discordgo.InteractionApplicationCommandAutocomplete
		in := g.fake.PostInteraction(g.url, i) // an autocomplete result carries no message, nor allowed_mentions
		if in.Status != 200 || !in.Accepted || !strings.Contains(string(in.Body), `"type":8`) || strings.Contains(string(in.Body), aURL) != want {
			t.Errorf("autocomplete in %s: %d %s (accepted %v)", guild, in.Status, in.Body, in.Accepted)
		}
	}
}

// TestFeedsListPages: a server at its cap of 50 feeds sees every one of
// them, a page at a time, each page a message Discord accepts.
func TestFeedsListPages(t *testing.T) {
	t.Parallel()
	ff := newFakeFeeds(50)
	h, _, _ := newTestHandler(t, &fakeEngine{articles: testArticles()}, func(o *HandlerOptions) { o.Feeds = ff })
	ctx := context.Background()
	for n := range 50 {
		url := fmt.Sprintf("https://news-%02d.example.org/sections/local/feeds/rss.xml", n)
		replyText(t, h.Handle(ctx, feedsIn(serverA, "601", subcommand("add", strOpt("url", url)))))
		ff.setState(serverA, url, func(f *FeedInfo) {
			f.LastError, f.LastErrorAt = "fetch "+url+": HTTP 503 Service Unavailable", testNow
		})
	}
	page := func(n float64) string { // Discord sends integers as JSON numbers
		opt := &discordgo.ApplicationCommandInteractionDataOption{Name: "page", Type: discordgo.ApplicationCommandOptionInteger, Value: n}
		return replyText(t, h.Handle(ctx, feedsIn(serverA, "601", subcommand("list", opt))))
	}
	first := replyText(t, h.Handle(ctx, feedsIn(serverA, "601", subcommand("list"))))
	if first != page(1) || !strings.Contains(first, "This server's 50 feeds (page 1 of ") || !strings.Contains(first, "More with `/feeds list page:2`.") {
		t.Fatalf("first page:\n%s", first)
	}
	var all strings.Builder
	n := 1
	for ; ; n++ {
		p := page(float64(n))
		all.WriteString(p)
		if !strings.Contains(p, "More with") {
			break
		}
	}
	for k := range 50 {
		if got := strings.Count(all.String(), fmt.Sprintf("<https://news-%02d.example.org/", k)); got != 1 {
			t.Errorf("feed %d is on %d pages", k, got)
		}
	}
	if got := page(float64(n + 1)); !strings.Contains(got, fmt.Sprintf("fill %d pages", n)) {
		t.Errorf("page %d of %d: %s", n+1, n, got)
	}
	if got := page(1.5); !strings.Contains(got, "whole number") {
		t.Errorf("page 1.5: %s", got)
	}
}
