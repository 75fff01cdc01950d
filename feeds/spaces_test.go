package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/fetch"
)

// Two Discord servers, as Discord numbers them.
const (
	serverA = "310000000000000001"
	serverB = "320000000000000002"
)

// guarded is the fetcher for servers' feeds as serve builds it, except
// that it reaches the tests' httptest servers on loopback: private and
// link-local addresses stay refused, also after a redirect.
func guarded() *fetch.Fetcher {
	return fetch.New(fetch.Options{AllowLoopback: true, Timeout: 5 * time.Second})
}

func (r *rig) subscribeIn(t *testing.T, space, url string) {
	t.Helper()
	sub := Subscription{URL: url, Space: space, Every: Interval(time.Hour), Added: r.clock.Now()}
	if err := Subscribe(context.Background(), r.file, sub, 0); err != nil {
		t.Fatal(err)
	}
}

// TestSameFeedInThreeSpaces: the shared space and two servers subscribe to
// the same Atom feed; one poll gives each space its own copy of the item,
// and each subscription its own state.
func TestSameFeedInThreeSpaces(t *testing.T) {
	srv := newServer(t, "application/atom+xml", fmt.Sprintf(atomDoc, body("ferry")))
	r := newRig(t, Options{ServerFetcher: guarded()})
	url := srv.URL + "/atom"
	for _, space := range []string{briefbot.SharedSpace, serverA, serverB} {
		r.subscribeIn(t, space, url)
	}
	results := r.poll(t)
	if len(results) != 3 {
		t.Fatalf("%d polls, want 3: %v", len(results), results)
	}
	for _, res := range results {
		if res.Err != nil || res.Added != 1 {
			t.Errorf("%s in %q: %v", res.URL, res.Space, res)
		}
	}
	for _, space := range []string{briefbot.SharedSpace, serverA, serverB} {
		a, ok := r.store.getIn(space, "wire.example.net/ferry")
		if !ok || !strings.Contains(text(a), "The ferry committee met") {
			t.Errorf("space %q has no copy of the item: %v %+v", space, ok, a)
		}
	}
	if n := r.store.count(); n != 3 {
		t.Errorf("%d articles stored, want 3 (one per space)", n)
	}
	l, err := Load(r.file)
	if err != nil {
		t.Fatal(err)
	}
	for _, space := range []string{serverA, serverB} {
		if s := l.Find(url, space); s == nil || len(s.State.Seen) != 1 || s.State.AddedInWeekOf(r.clock.Now()) != 1 {
			t.Errorf("state of %s's subscription: %+v", space, s)
		}
	}
	// Server A leaves; B and the shared space keep theirs.
	if err := Unsubscribe(context.Background(), r.file, url, serverA); err != nil {
		t.Fatal(err)
	}
	if err := Unsubscribe(context.Background(), r.file, url, serverA); !errors.Is(err, ErrNotSubscribed) {
		t.Errorf("second unsubscribe: %v, want ErrNotSubscribed", err)
	}
	if l, _ := Load(r.file); len(l.Feeds) != 2 || l.Find(url, serverB) == nil || l.Find(url, briefbot.SharedSpace) == nil {
		t.Errorf("after A unsubscribed: %+v", l.Feeds)
	}
}

// TestServerFeedRedirectToPrivateRefused: a server's feed that redirects
// to a private address is refused at every poll (the guard is at dial
// time, so a redirect cannot get round it), and nothing is stored.
func TestServerFeedRedirectToPrivateRefused(t *testing.T) {
	target := "http://10.20.30.40/feed.xml"
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	}))
	t.Cleanup(redirect.Close)
	r := newRig(t, Options{ServerFetcher: guarded()})
	r.subscribeIn(t, serverA, redirect.URL+"/feed")
	for range 2 {
		res := r.pollOne(t)
		if !errors.Is(res.Err, fetch.ErrRefused) || !strings.Contains(res.Err.Error(), "10.20.30.40 is a private address") {
			t.Fatalf("poll of a server feed redirecting to %s: %v", target, res.Err)
		}
		r.clock.Advance(24 * time.Hour)
	}
	if r.store.count() != 0 {
		t.Errorf("%d articles stored from a refused feed", r.store.count())
	}
	l, _ := Load(r.file)
	if s := l.Find(redirect.URL+"/feed", serverA); s == nil || s.State.Failures != 2 || !strings.Contains(s.State.LastError, "address not allowed") {
		t.Errorf("state after two refused polls: %+v", s)
	}
}

// TestServerFeedOnLoopbackRefused: with the production guard (no
// loopback), a server's feed on this host is refused, while the same URL
// as the operator's feed is read.
func TestServerFeedOnLoopbackRefused(t *testing.T) {
	srv := newServer(t, "application/rss+xml", rss2(rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge"))))
	r := newRig(t, Options{ServerFetcher: fetch.New(fetch.Options{})})
	r.subscribeIn(t, briefbot.SharedSpace, srv.URL+"/feed")
	r.subscribeIn(t, serverA, srv.URL+"/feed")
	for _, res := range r.poll(t) {
		switch res.Space {
		case briefbot.SharedSpace:
			if res.Err != nil || res.Added != 1 {
				t.Errorf("operator's feed on loopback: %v", res)
			}
		case serverA:
			if !errors.Is(res.Err, fetch.ErrRefused) || !strings.Contains(res.Err.Error(), "loopback") {
				t.Errorf("server's feed on loopback: %v", res.Err)
			}
		}
	}
	if requests, _, _ := srv.counts(); requests != 1 {
		t.Errorf("%d requests reached the feed, want 1 (the operator's)", requests)
	}
}

// TestServerFeedWithoutGuardedFetcher: a poller given no fetcher for
// servers' feeds fails them rather than reading them through the
// operator's, which may reach private addresses.
func TestServerFeedWithoutGuardedFetcher(t *testing.T) {
	srv := newServer(t, "application/rss+xml", rss2())
	r := newRig(t, Options{})
	r.subscribeIn(t, serverA, srv.URL+"/feed")
	if res := r.pollOne(t); !errors.Is(res.Err, errNoServerFetcher) {
		t.Errorf("poll: %v", res.Err)
	}
	if requests, _, _ := srv.counts(); requests != 0 {
		t.Errorf("%d requests went through the operator's fetcher", requests)
	}
}

// TestSubscribeCap: the cap counts one space's subscriptions only; a
// repeat in the same space is refused, the same URL in another is not.
func TestSubscribeCap(t *testing.T) {
	file := filepath.Join(t.TempDir(), "index.state", "feeds.json")
	ctx := context.Background()
	add := func(space, url string) error {
		return Subscribe(ctx, file, Subscription{URL: url, Space: space, Every: Interval(time.Hour)}, 2)
	}
	for _, url := range []string{"https://a.example/1", "https://a.example/2"} {
		if err := add(serverA, url); err != nil {
			t.Fatal(err)
		}
	}
	if err := add(serverA, "https://a.example/3"); !errors.Is(err, ErrTooMany) {
		t.Errorf("A's third feed: %v, want ErrTooMany", err)
	}
	if err := add(serverA, "https://a.example/1"); !errors.Is(err, ErrSubscribed) {
		t.Errorf("A's repeat: %v, want ErrSubscribed", err)
	}
	for _, space := range []string{serverB, briefbot.SharedSpace} {
		if err := add(space, "https://a.example/1"); err != nil {
			t.Errorf("the same URL in %q: %v", space, err)
		}
	}
	if err := add("not-a-server", "https://a.example/9"); err == nil {
		t.Error("a space that is not a server id was accepted")
	}
	l, _ := Load(file)
	if got := len(l.InSpace(serverA)); got != 2 {
		t.Errorf("A has %d feeds, want 2", got)
	}
}

func TestValidateMin(t *testing.T) {
	for _, tc := range []struct {
		url       string
		every, at time.Duration
		ok        bool
	}{
		{"https://example.org/feed", time.Hour, 0, true},
		{"https://example.org/feed", 20 * time.Minute, 30 * time.Minute, false},
		{"https://example.org/feed", 10 * time.Minute, time.Minute, false}, // never under MinEvery
		{"ftp://example.org/feed", time.Hour, 0, false},
	} {
		if err := ValidateMin(tc.url, tc.every, tc.at); (err == nil) != tc.ok {
			t.Errorf("ValidateMin(%s, %v, %v) = %v", tc.url, tc.every, tc.at, err)
		}
	}
}

// TestFileWithoutSpaces: a feeds.json written before spaces existed (no
// space in its entries) is the operator's shared feeds, polled into the
// shared space.
func TestFileWithoutSpaces(t *testing.T) {
	srv := newServer(t, "application/rss+xml", rss2(rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge"))))
	r := newRig(t, Options{ServerFetcher: guarded()})
	old := fmt.Sprintf(`{"feeds":[{"url":%q,"every":"1h0m0s","added":"2026-01-05T10:00:00Z","state":{}}]}`, srv.URL+"/feed")
	if err := os.MkdirAll(filepath.Dir(r.file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.file, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := r.pollOne(t); res.Err != nil || res.Space != briefbot.SharedSpace || res.Added != 1 {
		t.Fatalf("poll: %v", res)
	}
	if _, ok := r.store.get("townhall.example.org/bridge"); !ok {
		t.Error("the item is not in the shared space")
	}
	if l, _ := Load(r.file); len(l.InSpace(briefbot.SharedSpace)) != 1 {
		t.Errorf("after the poll: %+v", l.Feeds)
	}
}

// TestServerFeedsOutsideAllowList: with Options.Polled set (serve passes
// BRIEFBOT_SERVERS), a server's feeds are polled only while the bot is
// enabled there; the shared space's always are.
func TestServerFeedsOutsideAllowList(t *testing.T) {
	srv := newServer(t, "application/atom+xml", fmt.Sprintf(atomDoc, body("ferry")))
	r := newRig(t, Options{ServerFetcher: guarded(), Polled: func(space string) bool { return space == serverA }})
	url := srv.URL + "/atom"
	for _, space := range []string{briefbot.SharedSpace, serverA, serverB} {
		r.subscribeIn(t, space, url)
	}
	results := r.poll(t)
	var polled []string
	for _, res := range results {
		polled = append(polled, res.Space)
	}
	if len(results) != 2 || r.store.count() != 2 {
		t.Errorf("polled spaces %q, %d articles; want the shared space and A only", polled, r.store.count())
	}
	if _, ok := r.store.getIn(serverB, "wire.example.net/ferry"); ok {
		t.Error("B's feed was polled though the bot is not enabled in B")
	}
}
