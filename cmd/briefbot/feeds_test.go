package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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
	poller := feedPoller(indexDir, ix, slog.New(slog.DiscardHandler), metrics.New(nil))
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
