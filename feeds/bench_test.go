package feeds

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/fetch"
	"github.com/briefbot/briefbot/index"
)

// BenchmarkFreshness simulates a day part of polling: N feeds of M items
// on a local server (BRIEFBOT_BENCH_FEEDS, BRIEFBOT_BENCH_ITEMS; 200 × 20 by
// default), every one subscribed at the minimum interval, one new item
// appearing somewhere each minute of a fake clock, for BRIEFBOT_BENCH_HOURS
// (default 2) fake hours, into a real Bleve index. It reports the time from
// an item appearing to its article being in the index, on the fake clock
// (what the schedule costs) and in wall time per round (what the work
// costs), and the requests per feed per hour. Not run in CI:
//
//	go test -run '^$' -bench Freshness -benchtime 1x ./feeds/
func BenchmarkFreshness(b *testing.B) {
	nFeeds, nItems, hours := envInt("BRIEFBOT_BENCH_FEEDS", 200), envInt("BRIEFBOT_BENCH_ITEMS", 20), envInt("BRIEFBOT_BENCH_HOURS", 2)
	for b.Loop() {
		runFreshness(b, nFeeds, nItems, hours)
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchFeeds serves the simulated feeds: feed i is /feed/i, its ETag its
// version.
type benchFeeds struct {
	mu       sync.Mutex
	items    [][]int // per feed, item numbers, newest first
	version  []int
	appeared map[string]time.Time // article id -> when its item appeared (fake clock)
	requests int
}

func (f *benchFeeds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if err != nil || i < 0 || i >= len(f.items) {
		http.NotFound(w, r)
		return
	}
	tag := fmt.Sprintf(`"v%d"`, f.version[i])
	w.Header().Set("ETag", tag)
	if r.Header.Get("If-None-Match") == tag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	var items []string
	for _, n := range f.items[i] {
		link := fmt.Sprintf("https://bench.example.org/%d/%d", i, n)
		items = append(items, rssItem(fmt.Sprintf("b-%d-%d", i, n), link, fmt.Sprintf("Item %d of feed %d", n, i), body(fmt.Sprintf("district %d-%d", i, n))))
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, rss2(items...))
}

// publish adds a new item at the top of feed i.
func (f *benchFeeds) publish(i, n int, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[i] = append([]int{n}, f.items[i][:len(f.items[i])-1]...)
	f.version[i]++
	f.appeared[fmt.Sprintf("bench.example.org/%d/%d", i, n)] = now
}

// timedStore records when each article reached the index.
type timedStore struct {
	indexStore
	now    func() time.Time
	mu     sync.Mutex
	stored map[string]time.Time
}

func (s *timedStore) UpsertArticles(ctx context.Context, space string, arts []briefbot.Article) (Upserted, error) {
	up, err := s.indexStore.UpsertArticles(ctx, space, arts)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range arts {
		if _, ok := s.stored[a.ID]; !ok {
			s.stored[a.ID] = s.now()
		}
	}
	return up, err
}

func runFreshness(b *testing.B, nFeeds, nItems, hours int) {
	dir := b.TempDir()
	ix, err := index.Open(filepath.Join(dir, "index"), index.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	src := &benchFeeds{items: make([][]int, nFeeds), version: make([]int, nFeeds), appeared: map[string]time.Time{}}
	for i := range src.items {
		for n := nItems; n > 0; n-- {
			src.items[i] = append(src.items[i], n)
		}
	}
	srv := httptest.NewServer(src)
	defer srv.Close()
	clk := newClock()
	store := &timedStore{indexStore: indexStore{ix}, now: clk.Now, stored: map[string]time.Time{}}
	file := filepath.Join(dir, "index.state", "feeds.json")
	for i := range nFeeds {
		if err := Subscribe(context.Background(), file, Subscription{URL: fmt.Sprintf("%s/feed/%d", srv.URL, i), Every: Interval(MinEvery)}, 0); err != nil {
			b.Fatal(err)
		}
	}
	p := New(Options{File: file, Fetcher: fetch.New(fetch.Options{AllowPrivate: true}), Store: store, Now: clk.Now})
	var rounds []time.Duration
	start := clk.Now()
	for minute := 0; minute < hours*60; minute++ {
		if minute > 0 {
			clk.Advance(time.Minute)
			src.publish(minute%nFeeds, nItems+minute, clk.Now())
		}
		t0 := time.Now()
		res, err := p.Poll(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(res) > 0 {
			rounds = append(rounds, time.Since(t0))
		}
	}
	reportFreshness(b, src, store, rounds, nFeeds, clk.Now().Sub(start))
}

func reportFreshness(b *testing.B, src *benchFeeds, store *timedStore, rounds []time.Duration, nFeeds int, span time.Duration) {
	var lags []time.Duration
	for id, at := range src.appeared {
		if got, ok := store.stored[id]; ok {
			lags = append(lags, got.Sub(at))
		}
	}
	slices.Sort(lags)
	slices.Sort(rounds)
	if len(lags) == 0 || len(rounds) == 0 {
		b.Fatalf("no new item reached the index (%d published)", len(src.appeared))
	}
	var sum time.Duration
	for _, l := range lags {
		sum += l
	}
	b.ReportMetric((sum / time.Duration(len(lags))).Minutes(), "fake-min-mean-lag")
	b.ReportMetric(lags[len(lags)-1].Minutes(), "fake-min-max-lag")
	b.ReportMetric(rounds[len(rounds)/2].Seconds(), "s-median-round")
	b.ReportMetric(rounds[len(rounds)-1].Seconds(), "s-max-round")
	b.ReportMetric(float64(src.requests)/float64(nFeeds)/span.Hours(), "req/feed/h")
	b.Logf("%d feeds, %d new items indexed of %d published, %d rounds over %v fake",
		nFeeds, len(lags), len(src.appeared), len(rounds), span)
}
