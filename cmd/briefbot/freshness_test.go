package main

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/briefbot/briefbot/feeds"
)

// asBriefbot, set to 1, makes the test binary run as briefbot (TestMain):
// the CI test runs serve as a process without building the command.
const asBriefbot = "BRIEFBOT_TEST_AS_BRIEFBOT"

func TestMain(m *testing.M) {
	if os.Getenv(asBriefbot) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// TestServeFreshnessHarness checks the freshness benchmark's harness on 5
// feeds of 5 items: the built binary subscribes to them with `feeds add`,
// one new item appears on each before serve starts, and serve's first poll
// must make every new item's token answerable through its socket; the
// feeds' server answers a matching ETag or Last-Modified with a 304 and
// counts serve's requests; /proc gives serve's CPU time and RSS. The
// benchmark (BenchmarkServeFreshness) measures; this only checks it works.
func TestServeFreshnessHarness(t *testing.T) {
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var fresh []*liveItem
	cfg := freshConfig{
		env:   []string{asBriefbot + "=1"},
		feeds: 5, items: 5, every: feeds.MinEvery, change: time.Hour, sample: 100 * time.Millisecond,
		duration: 2 * time.Minute, // a bound for a broken harness, not a measure: the run ends when all are found
		waitFor:  5,
		before: func(f *liveFeeds) {
			for i := range 5 {
				fresh = append(fresh, f.publish(i, time.Now()))
			}
		},
	}
	r := runFresh(t, bin, cfg)
	for _, it := range fresh {
		if _, ok := r.found[it]; !ok {
			t.Errorf("item %s of feed %d never became answerable", it.token, it.feed)
		}
	}
	if req, full, _ := r.src.requestCounts(everyFeed); req < 5 || full < 5 {
		t.Errorf("the feeds' server counted %d requests, %d full answers; want at least one of each per feed", req, full)
	}
	if r.askErrors > 0 {
		t.Errorf("%d asks failed", r.askErrors)
	}
	if len(r.samples) == 0 || r.samples[len(r.samples)-1].rssMB <= 0 {
		t.Errorf("no RSS read from /proc: %+v", r.samples)
	}
	checkConditional(t, r.src)
}

// checkConditional checks that the live feeds answer 304 to their own
// validators and 200 once the feed changed.
func checkConditional(t *testing.T, src *liveFeeds) {
	t.Helper()
	get := func(h http.Header) *http.Response {
		req, err := http.NewRequest(http.MethodGet, src.urls[0], nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	first := get(http.Header{})
	etag, lm := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	if got := get(http.Header{"If-None-Match": {etag}}).StatusCode; got != http.StatusNotModified {
		t.Errorf("If-None-Match %s: status %d, want 304", etag, got)
	}
	if got := get(http.Header{"If-Modified-Since": {lm}}).StatusCode; got != http.StatusNotModified {
		t.Errorf("If-Modified-Since %s: status %d, want 304", lm, got)
	}
	src.publish(0, time.Now().Add(2*time.Second))
	if got := get(http.Header{"If-None-Match": {etag}}).StatusCode; got != http.StatusOK {
		t.Errorf("after a change, If-None-Match %s: status %d, want 200", etag, got)
	}
}
