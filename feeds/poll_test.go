package feeds

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func rss2(items ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Town Hall Notes</title><link>https://townhall.example.org/</link>
` + strings.Join(items, "\n") + `
</channel></rss>`
}

func rssItem(guid, link, title, desc string) string {
	return fmt.Sprintf(`<item><guid isPermaLink="false">%s</guid><link>%s</link><title>%s</title>
<pubDate>Wed, 04 Mar 2026 08:00:00 +0000</pubDate><description><![CDATA[<p>%s</p>]]></description></item>`, guid, link, title, desc)
}

const rdfDoc = `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel rdf:about="https://lab.example.edu/"><title>Lab news</title><link>https://lab.example.edu/</link></channel>
<item rdf:about="https://lab.example.edu/news/telescope"><title>Telescope mirror</title>
<link>https://lab.example.edu/news/telescope</link><content:encoded><![CDATA[<p>%s</p>]]></content:encoded></item>
</rdf:RDF>`

const atomDoc = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Harbour wire</title><link href="https://wire.example.net/"/>
<id>urn:example:wire</id><updated>2026-03-04T09:00:00Z</updated>
<entry><id>urn:example:wire:1</id><title>Ferry timetable</title><link href="https://wire.example.net/ferry"/>
<updated>2026-03-04T09:00:00Z</updated><content type="html">&lt;p&gt;%s&lt;/p&gt;</content></entry>
</feed>`

const jsonDoc = `{"version": "https://jsonfeed.org/version/1.1", "title": "Valley post",
"home_page_url": "https://valley.example.com/",
"items": [{"id": "v-1", "url": "https://valley.example.com/orchard", "title": "Orchard grant",
"content_text": %q, "date_published": "2026-03-04T07:00:00Z"}]}`

// TestFormats: an item of each feed format becomes an article with the
// item's text.
func TestFormats(t *testing.T) {
	cases := []struct {
		name, ctype, doc, id, subject string
	}{
		{"rss 2.0", "application/rss+xml", rss2(rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge"))), "townhall.example.org/bridge", "bridge"},
		{"rss 1.0", "application/rdf+xml", fmt.Sprintf(rdfDoc, body("telescope")), "lab.example.edu/news/telescope", "telescope"},
		{"atom", "application/atom+xml", fmt.Sprintf(atomDoc, body("ferry")), "wire.example.net/ferry", "ferry"},
		{"json feed", "application/feed+json", fmt.Sprintf(jsonDoc, body("orchard")), "valley.example.com/orchard", "orchard"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.ctype, tc.doc)
			r := newRig(t, Options{})
			r.subscribe(t, srv.URL+"/feed", time.Hour)
			res := r.pollOne(t)
			if res.Err != nil || res.New != 1 || res.Added != 1 {
				t.Fatalf("poll: %v", res)
			}
			a, ok := r.store.get(tc.id)
			if !ok || !strings.Contains(text(a), "The "+tc.subject+" committee met on Tuesday") {
				t.Fatalf("article %s: %v %+v", tc.id, ok, a)
			}
			st := r.state(t, srv.URL+"/feed")
			if st.LastSuccess.IsZero() || st.ETag == "" || st.AddedThisWeek != 1 || !st.NextDue.Equal(r.clock.Now().Add(time.Hour)) {
				t.Errorf("state after a good poll: %+v", st)
			}
		})
	}
}

// TestNotModifiedIsNotParsed: the second poll sends the ETag back, gets a
// 304 and parses nothing.
func TestNotModifiedIsNotParsed(t *testing.T) {
	srv := newServer(t, "application/rss+xml", rss2(rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge"))))
	r := newRig(t, Options{})
	r.subscribe(t, srv.URL, time.Hour)
	r.pollOne(t)
	if got := r.poller.parses.Load(); got != 1 {
		t.Fatalf("%d parses after the first poll, want 1", got)
	}
	if res := r.poll(t); len(res) != 0 {
		t.Fatalf("a feed not yet due was polled: %v", res)
	}
	r.clock.Advance(time.Hour)
	res := r.pollOne(t)
	if !res.NotModified || res.Err != nil {
		t.Fatalf("second poll: %v, want not modified", res)
	}
	if got := r.poller.parses.Load(); got != 1 {
		t.Errorf("%d parses after a 304, want still 1", got)
	}
	if _, notModified, _ := srv.counts(); notModified != 1 {
		t.Errorf("server answered %d conditional requests with 304, want 1", notModified)
	}
	if st := r.state(t, srv.URL); !st.NextDue.Equal(r.clock.Now().Add(time.Hour)) || !st.LastSuccess.Equal(r.clock.Now()) {
		t.Errorf("state after a 304: %+v", st)
	}
}

// TestRetryAfter: a 429 or 503 is waited out for as long as the server
// asks when that is longer than the backoff, in seconds or as a date.
func TestRetryAfter(t *testing.T) {
	srv := newServer(t, "application/rss+xml", "")
	r := newRig(t, Options{})
	srv.set(func(s *server) {
		s.status = http.StatusTooManyRequests
		s.header.Set("Retry-After", "7200")
	})
	r.subscribe(t, srv.URL, time.Hour)
	res := r.pollOne(t)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "429") {
		t.Fatalf("poll of a 429: %v", res)
	}
	st := r.state(t, srv.URL)
	if want := r.clock.Now().Add(2 * time.Hour); !st.NextDue.Equal(want) || st.Failures != 1 || !strings.Contains(st.LastError, "429") || !st.LastErrorAt.Equal(r.clock.Now()) {
		t.Errorf("state after a 429 with Retry-After 7200: %+v, want due at %v", st, want)
	}
	r.clock.Advance(2 * time.Hour)
	srv.set(func(s *server) {
		s.status = http.StatusServiceUnavailable
		s.header.Set("Retry-After", r.clock.Now().Add(5*time.Hour).Format(http.TimeFormat))
	})
	r.pollOne(t)
	if st := r.state(t, srv.URL); !st.NextDue.Equal(r.clock.Now().Add(5*time.Hour)) || st.Failures != 2 {
		t.Errorf("state after a 503 with a Retry-After date: %+v", st)
	}
}

// TestBackoffDoubles: a failing feed waits its interval, then twice, four
// times… up to a day, each wait spread by at most ±10 %.
func TestBackoffDoubles(t *testing.T) {
	srv := newServer(t, "application/rss+xml", "")
	srv.set(func(s *server) { s.status = http.StatusInternalServerError })
	for _, rnd := range []float64{0, 0.5, 0.999} {
		r := newRig(t, Options{Rand: func() float64 { return rnd }})
		r.subscribe(t, srv.URL, time.Hour)
		want := time.Hour
		for n := 1; n <= 7; n++ {
			r.pollOne(t)
			st := r.state(t, srv.URL)
			wait := st.NextDue.Sub(r.clock.Now())
			lo, hi := time.Duration(float64(want)*0.9), min(time.Duration(float64(want)*1.1), 24*time.Hour)
			if wait < lo || wait > hi || st.Failures != n {
				t.Fatalf("rand %v, failure %d: waits %v (failures %d), want within [%v, %v]", rnd, n, wait, st.Failures, lo, hi)
			}
			r.clock.Advance(wait)
			want = min(want*2, 24*time.Hour)
		}
	}
	if got := backoff(time.Hour, 30, 0.999); got > 24*time.Hour {
		t.Errorf("backoff after 30 failures = %v, over a day", got)
	}
}

// TestSlowFeedDoesNotDelayOthers: a server that never answers costs its
// feed one timeout; the feed on another host is polled meanwhile.
func TestSlowFeedDoesNotDelayOthers(t *testing.T) {
	release := make(chan struct{})
	slow := listenOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer close(release)
	fast := newServer(t, "application/rss+xml", rss2(rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge"))))
	r := newRig(t, Options{Timeout: 300 * time.Millisecond})
	r.subscribe(t, slow.URL+"/feed", time.Hour)
	r.subscribe(t, fast.URL+"/feed", time.Hour)
	start := time.Now()
	res := r.poll(t)
	took := time.Since(start)
	if len(res) != 2 || res[0].Err == nil || res[1].Err != nil || res[1].Added != 1 {
		t.Fatalf("results: %v", res)
	}
	if took > 3*time.Second {
		t.Errorf("the round took %v: the per-request timeout did not hold", took)
	}
	if st := r.state(t, slow.URL+"/feed"); st.Failures != 1 {
		t.Errorf("slow feed state: %+v", st)
	}
}

// TestOneRequestPerHost: feeds on the same host are fetched one at a time.
func TestOneRequestPerHost(t *testing.T) {
	var mu = make(chan struct{}, 1)
	var overlap atomic.Bool
	srv := newServer(t, "", "")
	inner := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case mu <- struct{}{}:
		default:
			overlap.Store(true)
			mu <- struct{}{}
		}
		defer func() { <-mu }()
		time.Sleep(5 * time.Millisecond) // a window for an overlap to show
		inner.ServeHTTP(w, req)
	})
	srv.set(func(s *server) {
		s.ctype = "application/rss+xml"
		s.body = rss2(rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge")))
	})
	r := newRig(t, Options{Concurrency: 4})
	for i := range 6 {
		r.subscribe(t, fmt.Sprintf("%s/feed/%d", srv.URL, i), time.Hour)
	}
	if res := r.poll(t); len(res) != 6 {
		t.Fatalf("%d polled, want 6", len(res))
	}
	if overlap.Load() {
		t.Error("two requests to one host ran at the same time")
	}
}

// TestPacing: the feed's <ttl> and the server's max-age slow polling down,
// never speed it up, and a 304 keeps the feed's pacing.
func TestPacing(t *testing.T) {
	doc := strings.Replace(rss2(rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge"))),
		"<channel>", "<channel><ttl>180</ttl>", 1)
	srv := newServer(t, "application/rss+xml", doc)
	r := newRig(t, Options{})
	r.subscribe(t, srv.URL, time.Hour)
	r.pollOne(t)
	if st := r.state(t, srv.URL); !st.NextDue.Equal(r.clock.Now().Add(3 * time.Hour)) {
		t.Errorf("after a feed with ttl 180: due at %v, want in 3 h", st.NextDue)
	}
	r.clock.Advance(3 * time.Hour)
	srv.set(func(s *server) { s.header.Set("Cache-Control", "public, max-age=14400") })
	if res := r.pollOne(t); !res.NotModified {
		t.Fatalf("want a 304: %v", res)
	}
	if st := r.state(t, srv.URL); !st.NextDue.Equal(r.clock.Now().Add(4 * time.Hour)) {
		t.Errorf("after max-age 14400: due at %v, want in 4 h", st.NextDue)
	}
	if got := pace(2*time.Hour, http.Header{"Cache-Control": {"max-age=60"}}, 30*time.Minute); got != 2*time.Hour {
		t.Errorf("pace with shorter hints = %v, want the operator's 2h", got)
	}
	if got := pace(time.Hour, nil, 30*24*time.Hour); got != 24*time.Hour {
		t.Errorf("pace with a monthly feed = %v, want a day at most", got)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":   0,
		"90": 90 * time.Second,
		"-5": 0,
		now.Add(time.Hour).Format(http.TimeFormat):  time.Hour,
		now.Add(-time.Hour).Format(http.TimeFormat): 0,
		"99999999":  7 * 24 * time.Hour,
		"next week": 0,
	} {
		if got := retryAfter(http.Header{"Retry-After": {v}}, now); got != want {
			t.Errorf("Retry-After %q = %v, want %v", v, got, want)
		}
	}
}

// TestRunStopsWithContext: Run polls, sleeps through the hook, and returns
// when its context ends.
func TestRunStopsWithContext(t *testing.T) {
	srv := newServer(t, "application/rss+xml", rss2(rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge"))))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seen []Result
	var sleeps []time.Duration
	var r *rig
	r = newRig(t, Options{
		OnResult: func(res Result) { seen = append(seen, res) },
		Sleep: func(_ context.Context, d time.Duration) error {
			sleeps = append(sleeps, d)
			r.clock.Advance(d)
			if len(sleeps) == 3 {
				cancel()
				return context.Canceled
			}
			return nil
		},
	})
	r.subscribe(t, srv.URL, time.Hour)
	if err := r.poller.Run(ctx); err != context.Canceled {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if len(seen) != 1 || seen[0].Added != 1 {
		t.Errorf("results: %v", seen)
	}
	if sleeps[0] != time.Minute {
		t.Errorf("first sleep %v, want the 1 min idle bound", sleeps[0])
	}
}

// TestInterruptedPollIsNoFailure: a poll cut short by its context leaves
// the feed's state as it was, not counted as a failure.
func TestInterruptedPollIsNoFailure(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := newServer(t, "", "")
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	})
	r := newRig(t, Options{})
	r.subscribe(t, srv.URL, time.Hour)
	res, err := r.poller.Poll(ctx)
	if err != nil || len(res) != 1 || res[0].Err != context.Canceled {
		t.Fatalf("Poll = %v, %v; want one result with context.Canceled", res, err)
	}
	if st := r.state(t, srv.URL); st.Failures != 0 || st.LastError != "" || !st.NextDue.IsZero() {
		t.Errorf("state after an interrupted poll: %+v", st)
	}
}

// TestIntervalFloor: an interval under the minimum (a hand-edited file) is
// polled at the minimum.
func TestIntervalFloor(t *testing.T) {
	srv := newServer(t, "application/rss+xml", rss2(rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge"))))
	r := newRig(t, Options{})
	r.subscribe(t, srv.URL, time.Minute)
	r.pollOne(t)
	if st := r.state(t, srv.URL); !st.NextDue.Equal(r.clock.Now().Add(MinEvery)) {
		t.Errorf("due at %v, want %v after the poll", st.NextDue, MinEvery)
	}
}
