package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/feeds"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/discordtest"
	"github.com/briefbot/briefbot/internal/natstest"
	"github.com/briefbot/briefbot/metrics"
	"github.com/briefbot/briefbot/replica"
)

// testReplica is one replicaRun on its own index in t.TempDir(), closed
// when the test ends.
func testReplica(t *testing.T, url, name string) (*replicaRun, *index.Index) {
	t.Helper()
	ix, err := index.Open(filepath.Join(t.TempDir(), "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := natsConfig{url: url, name: name, replicas: 1}
	d, err := joinDeployment(context.Background(), cfg, ix, metrics.New(nil), slog.New(slog.DiscardHandler))
	if err != nil {
		ix.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { d.close(); ix.Close() })
	return d, ix
}

// The replica writer's report is what a single instance's ingest reports,
// and the other replica ends up with the same paragraphs, without being
// written to by anyone but its own Follow.
func TestReplicaWriterReportsAndReplicates(t *testing.T) {
	ns := singleNATS(t)
	a, ixA := testReplica(t, ns.URL(), "a")
	_, ixB := testReplica(t, ns.URL(), "b")
	corpusDir := filepath.Join(t.TempDir(), "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	got, err := a.writer().Ingest(ctx, []string{corpusDir}, index.IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	single, err := index.Open(filepath.Join(t.TempDir(), "single"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer single.Close()
	want, err := single.Ingest(ctx, []string{corpusDir}, index.IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Added == 0 || got.Added != want.Added || got.Paragraphs != want.Paragraphs || len(got.Skipped) != len(want.Skipped) {
		t.Errorf("replica report %d added, %d paragraphs, %d skipped; single instance %d, %d, %d",
			got.Added, got.Paragraphs, len(got.Skipped), want.Added, want.Paragraphs, len(want.Skipped))
	}
	// Again: nothing changed, nothing is sent, all unchanged.
	again, err := a.writer().Ingest(ctx, []string{corpusDir}, index.IngestOptions{})
	if err != nil || again.Added+again.Updated+again.Removed != 0 || again.Unchanged != want.Added {
		t.Errorf("second ingest: %+v, %v; want %d unchanged", again, err, want.Added)
	}

	server := "123456789012345678"
	art := briefbot.Article{ID: "harbour-1", Title: "Ferry back", Source: "Harbour news",
		Paragraphs: []briefbot.Paragraph{{N: 1, Text: "The ferry timetable is back to normal after the storm, the harbour master said on Monday."}}}
	up, err := a.writer().Upsert(ctx, server, []briefbot.Article{art})
	if err != nil || up.Added != 1 {
		t.Fatalf("upsert: %+v, %v", up, err)
	}
	if _, err := a.writer().Upsert(ctx, "not-a-server", []briefbot.Article{art}); err == nil {
		t.Error("upsert into an invalid space: no error")
	}

	waitSeq(t, ixB, ixA.AppliedSeq())
	if pa, pb, ps := paragraphs(t, ixA), paragraphs(t, ixB), paragraphs(t, single); !slices.Equal(pa, pb) || len(pa) != len(ps)+1 {
		t.Errorf("replica a has %d paragraphs, b %d, the single instance %d (+1 upserted)", len(pa), len(pb), len(ps))
	}
}

// waitSeq waits until ix has applied the log up to seq (the deadline is
// generous: -race on a shared machine is slow).
func waitSeq(t *testing.T, ix *index.Index, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for ix.AppliedSeq() < seq {
		if time.Now().After(deadline) {
			t.Fatalf("applied %d, want %d", ix.AppliedSeq(), seq)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func paragraphs(t *testing.T, ix *index.Index) []string {
	t.Helper()
	ids, err := ix.ParagraphIDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// serveReplica is one `briefbot serve` replica run in-process.
type serveReplica struct {
	vars   map[string]string
	stderr *syncBuffer
	done   chan int
}

func startServeReplica(ctx context.Context, t *testing.T, root, name, natsURL string, fake *discordtest.Server, feedURL string) *serveReplica {
	t.Helper()
	dir := filepath.Join(root, name)
	r := &serveReplica{stderr: &syncBuffer{}, done: make(chan int, 1), vars: map[string]string{
		"HOME":                   dir,
		"DISCORD_TOKEN":          strings.TrimPrefix(fake.Token, "Bot "),
		"DISCORD_APP_ID":         fake.AppID,
		"DISCORD_API_BASE":       fake.URL,
		"BRIEFBOT_INDEX":         filepath.Join(dir, "index"),
		"BRIEFBOT_NATS_URL":      natsURL,
		"BRIEFBOT_REPLICA":       name,
		"BRIEFBOT_NATS_REPLICAS": "1",
		"BRIEFBOT_METRICS_ADDR":  "127.0.0.1:0",
	}}
	// The feed is subscribed on one replica's host only: the replicas
	// share their subscriptions, and the lease holder polls it.
	if feedURL != "" {
		if code, out, errOut := runCmd(t, map[string]string{"BRIEFBOT_INDEX": r.vars["BRIEFBOT_INDEX"]}, "feeds", "add", feedURL, "--every", "30m"); code != exitOK {
			t.Fatalf("%s: feeds add: exit %d\n%s%s", name, code, out, errOut)
		}
	}
	go func() {
		var out syncBuffer
		r.done <- run(ctx, []string{"serve"}, strings.NewReader(""), &out, r.stderr, func(k string) string { return r.vars[k] })
	}()
	return r
}

// ask runs `briefbot ask` against the replica's index (through its
// socket, serve holding the index) until the answer contains want.
func (r *serveReplica) askUntil(t *testing.T, question, want string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, out, errOut := runCmd(t, r.vars, "ask", question)
		if code == exitOK && strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("ask %q: exit %d, no %q in:\n%s%s\nserve log:\n%s", question, code, want, out, errOut, r.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Two serve replicas on one NATS server, each with its own index: an
// ingest through one replica's socket is answered alike by the other; one
// replica registers the commands; the feed subscribed on one replica is
// shared with the other, and polled by one.
func TestTwoServeReplicas(t *testing.T) {
	oldTTL, oldIdle, oldSync := feedsLeaseTTL, feedsIdle, feedSyncEvery
	feedsLeaseTTL, feedsIdle, feedSyncEvery = 2*time.Second, time.Second, 200*time.Millisecond
	t.Cleanup(func() { feedsLeaseTTL, feedsIdle, feedSyncEvery = oldTTL, oldIdle, oldSync })
	ns := singleNATS(t)
	fake := discordtest.New(t)
	root := t.TempDir()
	corpusDir := filepath.Join(root, "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	var feedHits atomic.Int32
	text := "The Zanzibarquay ferry terminal reopened on Thursday after a month of repairs to its pier. " +
		strings.Repeat("Harbour officials said crossings would run every hour again from the weekend onwards. ", 5)
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		feedHits.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Harbour news</title><link>https://harbour.example.org/</link>
<item><title>Terminal reopens</title><link>https://harbour.example.org/terminal</link><description>%s</description></item>
</channel></rss>`, text)
	}))
	defer feed.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := startServeReplica(ctx, t, root, "a", ns.URL(), fake, "")
	b := startServeReplica(ctx, t, root, "b", ns.URL(), fake, feed.URL+"/rss")
	added := feedHits.Load() // feeds add reads the feed once
	metricsB := "http://" + metricsAddrFromLog(t, b.stderr)
	fake.WaitReady(30*time.Second, 2)

	code, out, errOut := runCmd(t, a.vars, "ingest", corpusDir)
	if code != exitOK || !strings.Contains(out, " added") || strings.HasPrefix(out, "0 added") {
		t.Fatalf("ingest through a: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(a.stderr.String(), "ingested for the command line") {
		t.Errorf("the ingest did not go through a's socket:\n%s", a.stderr.String())
	}
	q := "How many North Korean soldiers are in Russia's Kursk region?"
	fromA := a.askUntil(t, q, "11,000")
	if fromB := b.askUntil(t, q, "11,000"); fromB != fromA {
		t.Errorf("the replicas answer differently:\na:\n%s\nb:\n%s", fromA, fromB)
	}
	// The feed item reaches both replicas, from whichever polled it.
	a.askUntil(t, "When did the Zanzibarquay terminal reopen?", "Zanzibarquay")
	b.askUntil(t, "When did the Zanzibarquay terminal reopen?", "Zanzibarquay")

	if puts := fake.Find("PUT", `/api/v9/applications/[0-9]+/commands`); len(puts) != 1 {
		t.Errorf("the replicas made %d bulk command overwrites, want 1", len(puts))
	}
	logs := a.stderr.String() + b.stderr.String()
	if n := strings.Count(logs, "this replica polls the feeds"); n != 1 {
		t.Errorf("%d replicas took the feeds lease, want 1:\n%s", n, logs)
	}
	if n := feedHits.Load() - added; n != 1 || strings.Count(logs, "feed polled") != 1 {
		t.Errorf("the feed was fetched %d times by the replicas, polled %d times; want 1", n, strings.Count(logs, "feed polled"))
	}

	waitFeed(t, feeds.FileFor(a.vars["BRIEFBOT_INDEX"]), feed.URL+"/rss", true)
	// b caught up (it answered from a's ingest): ready, and its lag shown.
	for deadline := time.Now().Add(30 * time.Second); httpStatus(t, metricsB+"/readyz") != http.StatusOK; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("b's /readyz never said ready")
		}
	}
	if body := httpBody(t, metricsB+"/metrics"); !strings.Contains(body, "briefbot_replica_lag_messages") {
		t.Errorf("b's /metrics has no lag gauge:\n%s", body)
	}

	cancel()
	for name, r := range map[string]*serveReplica{"a": a, "b": b} {
		select {
		case code := <-r.done:
			if code != exitOK {
				t.Errorf("serve %s exited %d:\n%s", name, code, r.stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("serve %s did not stop", name)
		}
	}
}

// On a replica's host with no serve running, `briefbot ingest` still
// writes through the log: another replica gets the articles, and the
// command's own index has applied them (its sequence moved).
func TestCLIIngestOnAReplicaGoesThroughTheLog(t *testing.T) {
	ns := singleNATS(t)
	_, ixB := testReplica(t, ns.URL(), "b")
	corpusDir := filepath.Join(t.TempDir(), "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	dirA := filepath.Join(t.TempDir(), "index")
	vars := map[string]string{"BRIEFBOT_INDEX": dirA, "BRIEFBOT_NATS_URL": ns.URL(), "BRIEFBOT_REPLICA": "a", "BRIEFBOT_NATS_REPLICAS": "1"}
	code, out, errOut := runCmd(t, vars, "ingest", corpusDir)
	if code != exitOK || strings.HasPrefix(out, "0 added") {
		t.Fatalf("ingest: exit %d\n%s%s", code, out, errOut)
	}
	ixA, err := index.Open(dirA, index.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ixA.Close()
	if ixA.AppliedSeq() == 0 {
		t.Fatal("the ingest wrote the index directly, not through the log")
	}
	waitSeq(t, ixB, ixA.AppliedSeq())
	if pa, pb := paragraphs(t, ixA), paragraphs(t, ixB); len(pa) == 0 || !slices.Equal(pa, pb) {
		t.Errorf("a has %d paragraphs, b %d", len(pa), len(pb))
	}
}

// The daily post claims serve passes to the bot: one replica is granted a
// post, the other is told who holds it, then that it is done and how.
func TestPostClaimsOneReplicaPosts(t *testing.T) {
	ns := singleNATS(t)
	a, _ := testReplica(t, ns.URL(), "a")
	b, _ := testReplica(t, ns.URL(), "b")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ca, err := a.newPostClaims(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := b.newPostClaims(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key := "123456789012345678.2026-12-05"
	if r, err := ca.Claim(ctx, key, "nonce-a"); err != nil || !r.Granted {
		t.Fatalf("a's claim: %+v, %v", r, err)
	}
	if r, err := cb.Claim(ctx, key, "nonce-b"); err != nil || r.Granted || r.Done || r.Holder != "a" {
		t.Fatalf("b's claim while a posts: %+v, %v; want not granted, held by a", r, err)
	}
	if err := ca.Done(ctx, key, "posted"); err != nil {
		t.Fatal(err)
	}
	if r, err := cb.Claim(ctx, key, "nonce-b"); err != nil || r.Granted || !r.Done || r.Outcome != "posted" {
		t.Fatalf("b's claim after a posted: %+v, %v; want done, posted", r, err)
	}
}

// eventually checks cond every 50 ms until it holds, and fails the test
// with failure's message when it still does not after timeout.
func eventually(t testing.TB, timeout time.Duration, cond func() bool, failure func() string) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(failure())
		}
	}
}

// waitFeed waits until the subscriptions file holds url (want) or not.
func waitFeed(t *testing.T, file, url string, want bool) {
	t.Helper()
	eventually(t, 30*time.Second, func() bool {
		l, err := feeds.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		return (l.Find(url, "") != nil) == want
	}, func() string { return fmt.Sprintf("%s: subscribed to %s: %v, want %v", file, url, !want, want) })
}

// feedSharing starts a NATS server for the test and returns a context
// that ends with it and share, which starts a replica sharing its own
// subscriptions file (returned), merged every 100 ms.
func feedSharing(t *testing.T) (context.Context, func(name string) (*replicaRun, string)) {
	old := feedSyncEvery
	feedSyncEvery = 100 * time.Millisecond
	t.Cleanup(func() { feedSyncEvery = old })
	ns := singleNATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx, func(name string) (*replicaRun, string) {
		d, _ := testReplica(t, ns.URL(), name)
		file := feeds.FileFor(filepath.Join(t.TempDir(), "index"))
		if err := d.shareFeeds(ctx, file); err != nil {
			t.Fatal(err)
		}
		return d, file
	}
}

// A subscription added on one replica reaches the others; one removed on
// any replica goes from all; a replica that joins later gets the list.
func TestFeedSubscriptionsAreShared(t *testing.T) {
	ctx, share := feedSharing(t)
	_, fa := share("a")
	_, fb := share("b")
	const u1, u2 = "https://one.example.org/rss", "https://two.example.org/rss"
	for _, u := range []string{u1, u2} {
		if err := feeds.Subscribe(ctx, fa, feeds.Subscription{URL: u, Every: feeds.Interval(time.Hour), Added: time.Now()}, 0); err != nil {
			t.Fatal(err)
		}
	}
	waitFeed(t, fb, u1, true)
	waitFeed(t, fb, u2, true)
	if err := feeds.Unsubscribe(ctx, fb, u1, ""); err != nil {
		t.Fatal(err)
	}
	waitFeed(t, fa, u1, false)
	_, fc := share("c")
	waitFeed(t, fc, u2, true)
	if l, err := feeds.Load(fc); err != nil || len(l.Feeds) != 1 {
		t.Errorf("the replica that joined later has %+v (%v), want %s only", l.Feeds, err, u2)
	}
	// a kept its own polling state of the feed it still has.
	if l, _ := feeds.Load(fa); len(l.Feeds) != 1 || l.Feeds[0].URL != u2 || l.Feeds[0].Every != feeds.Interval(time.Hour) {
		t.Errorf("a has %+v", l.Feeds)
	}
}

// The feeds' polling state follows the feeds lease: the holder's states
// reach the other replicas' files (so /feeds list says the same on every
// replica, and a new holder does not start every feed afresh); after the
// lease moves, the new holder's states come back; a feed removed takes
// its state out of the bucket.
func TestFeedPollingStateIsShared(t *testing.T) {
	ctx, share := feedSharing(t)
	a, fa := share("a")
	b, fb := share("b")
	if held, err := a.feeds.Try(ctx); !held || err != nil {
		t.Fatalf("a takes the feeds lease: %v %v", held, err)
	}
	const u = "https://one.example.org/rss"
	if err := feeds.Subscribe(ctx, fa, feeds.Subscription{URL: u, Every: feeds.Interval(time.Hour), Added: time.Now()}, 0); err != nil {
		t.Fatal(err)
	}
	waitFeed(t, fb, u, true)

	week := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	polledByA := feeds.State{ETag: `"v1"`, NextDue: week.Add(50 * time.Hour), LastSuccess: week.Add(49 * time.Hour),
		Seen: []feeds.Seen{{ID: "item-1", Link: "https://one.example.org/1", Hash: "h1"}}, WeekOf: week, AddedThisWeek: 1}
	setFeedState(t, fa, u, polledByA)
	waitFeedState(t, fb, u, polledByA)

	if err := a.feeds.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if held, err := b.feeds.Try(ctx); !held || err != nil {
		t.Fatalf("b takes the feeds lease over: %v %v", held, err)
	}
	polledByB := polledByA
	polledByB.ETag, polledByB.LastError, polledByB.LastErrorAt, polledByB.Failures = `"v2"`, "503 Service Unavailable", week.Add(50*time.Hour), 1
	setFeedState(t, fb, u, polledByB)
	waitFeedState(t, fa, u, polledByB)

	if err := feeds.Unsubscribe(ctx, fb, u, ""); err != nil {
		t.Fatal(err)
	}
	kv, err := b.node.JetStream().KeyValue(ctx, feedStateBucket)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() bool {
		_, err := kv.Get(ctx, feedKey(u, ""))
		return errors.Is(err, jetstream.ErrKeyNotFound)
	}, func() string { return "the removed feed's polling state is still in the bucket" })
}

// setFeedState sets the polling state of feed url in file, as a poll would.
func setFeedState(t *testing.T, file, url string, st feeds.State) {
	t.Helper()
	err := feeds.Update(context.Background(), file, func(l *feeds.List) error {
		sub := l.Find(url, "")
		if sub == nil {
			return fmt.Errorf("no feed %s", url)
		}
		sub.State = st
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitFeedState waits until feed url in file has the polling state want.
func waitFeedState(t *testing.T, file, url string, want feeds.State) {
	t.Helper()
	wantJSON, _ := json.Marshal(want)
	var got []byte
	eventually(t, 30*time.Second, func() bool {
		l, err := feeds.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		if sub := l.Find(url, ""); sub != nil {
			got, _ = json.Marshal(sub.State)
		}
		return bytes.Equal(got, wantJSON)
	}, func() string {
		return fmt.Sprintf("%s: polling state of %s\n got %s\nwant %s", file, url, got, wantJSON)
	})
}

// planMerge tells a removal on one side from an addition on the other by
// the keys both sides held at the last merge.
func TestPlanMerge(t *testing.T) {
	sub := func(u string) feeds.Subscription {
		return feeds.Subscription{URL: u, State: feeds.State{ETag: "etag-" + u}}
	}
	k := func(u string) string { return feedKey(u, "") }
	local := []feeds.Subscription{sub("both"), sub("new-here"), sub("gone-there")}
	remote := map[string]sharedFeed{k("both"): {URL: "both"}, k("new-there"): {URL: "new-there"}, k("gone-here"): {URL: "gone-here"}}
	base := map[string]bool{k("both"): true, k("gone-there"): true, k("gone-here"): true}
	p := planMerge(local, remote, base)
	var urls []string
	for _, f := range p.local {
		urls = append(urls, f.URL)
	}
	slices.Sort(urls)
	if !slices.Equal(urls, []string{"both", "new-here", "new-there"}) || !p.changed {
		t.Errorf("local after merge %v (changed %v)", urls, p.changed)
	}
	if p.local[0].State.ETag != "etag-both" {
		t.Errorf("a kept feed lost its polling state: %+v", p.local[0])
	}
	if _, ok := p.puts[k("new-here")]; len(p.puts) != 1 || !ok {
		t.Errorf("puts %v", p.puts)
	}
	if !slices.Equal(p.deletes, []string{k("gone-here")}) {
		t.Errorf("deletes %v", p.deletes)
	}
	want := map[string]bool{k("both"): true, k("new-here"): true, k("new-there"): true}
	if !maps.Equal(p.synced, want) {
		t.Errorf("synced %v, want %v", p.synced, want)
	}
}

// A single instance's index turned replica is warned about: its articles
// never reached the log. An index that followed the log is not.
func TestReplicaWarnsOfArticlesNotOnTheLog(t *testing.T) {
	ns := singleNATS(t)
	corpusDir := filepath.Join(t.TempDir(), "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	join := func(ix *index.Index, name string) string {
		var logs syncBuffer
		d, err := joinDeployment(ctx, natsConfig{url: ns.URL(), name: name, replicas: 1}, ix, metrics.New(nil), slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		d.close()
		return logs.String()
	}
	ix, err := index.Open(filepath.Join(t.TempDir(), "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if logs := join(ix, "fresh"); strings.Contains(logs, "written before it was a replica") {
		t.Errorf("an empty index was warned about:\n%s", logs)
	}
	if _, err := ix.Ingest(ctx, []string{corpusDir}, index.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if logs := join(ix, "single"); !strings.Contains(logs, "written before it was a replica") {
		t.Errorf("no warning for an index written outside the log:\n%s", logs)
	}
}

// A replica whose index the log can no longer bring up to date (the
// log's first changes trimmed by the operator's limit) does not start:
// it would answer without them. The error says what to do.
func TestReplicaRefusedOnATrimmedLog(t *testing.T) {
	ns := singleNATS(t)
	corpusDir := filepath.Join(t.TempDir(), "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, _ := testReplica(t, ns.URL(), "a")
	if _, err := a.writer().Ingest(ctx, []string{corpusDir}, index.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := a.node.JetStream().Stream(ctx, replica.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx); err != nil { // as a max-age limit would, once the changes are old
		t.Fatal(err)
	}
	ix, err := index.Open(filepath.Join(t.TempDir(), "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	d, err := joinDeployment(ctx, natsConfig{url: ns.URL(), name: "new", replicas: 1}, ix, metrics.New(nil), slog.New(slog.DiscardHandler))
	if err == nil {
		d.close()
		t.Fatal("a new replica joined a log trimmed of every change")
	}
	if !errors.Is(err, replica.ErrLogTrimmed) || !strings.Contains(err.Error(), "copy of a caught-up replica's index directory") {
		t.Errorf("joining a trimmed log: %v", err)
	}
}

// ingest --rebuild on a replica's host is refused with the way to rebuild
// a replica (from the log), before anything is read or written.
func TestRebuildRefusedOnAReplica(t *testing.T) {
	corpusDir := filepath.Join(t.TempDir(), "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "index")
	vars := map[string]string{"BRIEFBOT_INDEX": dir, "BRIEFBOT_NATS_URL": "nats://127.0.0.1:1", "BRIEFBOT_REPLICA": "a"}
	code, _, errOut := runCmd(t, vars, "ingest", "--rebuild", corpusDir)
	if code != exitUsage || !strings.Contains(errOut, "rebuilds from the article log") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if _, err := index.Open(dir, index.Options{ReadOnly: true}); err == nil {
		t.Error("an index was built")
	}
}

func httpBody(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// singleNATS is natstest.Single, stopped before its storage is removed:
// natstest registers the removal of its t.TempDir() after the stop, so
// the removal runs first and races with the server's last writes
// ("directory not empty" under -race).
func singleNATS(t testing.TB) *natstest.Servers {
	t.Helper()
	ns := natstest.Single(t)
	t.Cleanup(func() { ns.Stop(0) })
	return ns
}
