package main

import (
	"fmt"
	"html"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The live feeds of the freshness benchmark and its CI test: N feeds of M
// items served on loopback, each feed on its own loopback address (its own
// host, as 200 outlets would be: the poller allows one request at a time
// per host), every feed gaining a new item and dropping its oldest once per
// change period, with an ETag and a Last-Modified per version, and 304s.
// Every new item carries a unique token, so that `ask` can be asked for it.

// feedMode is how a feed answers.
type feedMode int

const (
	feedHealthy feedMode = iota
	feedSlow             // answers after slowDelay
	feedFailing          // answers 500
)

// slowDelay is how long a slow feed takes to answer (issue 14 §5).
const slowDelay = 10 * time.Second

// liveItem is one item of a feed.
type liveItem struct {
	feed     int
	token    string
	title    string
	paras    []string
	appeared time.Time // zero for the items the feed starts with
}

// liveFeed is one feed's state.
type liveFeed struct {
	mode     feedMode
	items    []*liveItem // newest first
	version  int
	modified time.Time
	// Counted at the server: every request, the 200s and the 304s.
	requests, full, notModified int
	// sent holds the items already sent in a 200, so that a delivery
	// reports only the ones it carries for the first time.
	sent map[*liveItem]bool
}

// delivery is a 200 response carrying items for the first time.
type delivery struct {
	feed  int
	at    time.Time
	items []*liveItem
}

// liveFeeds serves the feeds; feed i is http://<its address>/feed/i.
type liveFeeds struct {
	mu     sync.Mutex
	feeds  []*liveFeed
	urls   []string
	words  []string
	rng    *rand.Rand
	serial int
	// onDeliver, when set (under mu: a handler of the subscription's
	// checks may still be running), is told of each delivery, outside mu.
	onDeliver func(delivery)
	srv       *http.Server
}

// newLiveFeeds starts nFeeds feeds of nItems items, feed i listening on
// 127.0.(i/250).(2+i%250) (the whole of 127/8 is loopback on Linux), until the test
// ends.
func newLiveFeeds(tb testing.TB, nFeeds, nItems int, seed uint64) *liveFeeds {
	tb.Helper()
	f := &liveFeeds{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	f.words = vocabulary(f.rng, 3000)
	f.srv = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	for i := range nFeeds {
		fd := &liveFeed{modified: time.Now().Add(-time.Hour).Truncate(time.Second), sent: map[*liveItem]bool{}}
		for range nItems {
			fd.items = append(fd.items, f.newItem(i, time.Time{}))
		}
		f.feeds = append(f.feeds, fd)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.%d.%d:0", i/250, 2+i%250))
		if err != nil {
			tb.Fatalf("listening for feed %d: %v", i, err)
		}
		f.urls = append(f.urls, fmt.Sprintf("http://%s/feed/%d", l.Addr(), i))
		go f.srv.Serve(l) //nolint:errcheck // ends with Close
	}
	tb.Cleanup(func() { f.srv.Close() })
	return f
}

// setOnDeliver sets onDeliver.
func (f *liveFeeds) setOnDeliver(fn func(delivery)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onDeliver = fn
}

// setMode makes feed i answer as mode from now on.
func (f *liveFeeds) setMode(i int, mode feedMode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.feeds[i].mode = mode
}

// resetCounts zeroes the request counters (after subscribing, whose checks
// are not polls).
func (f *liveFeeds) resetCounts() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fd := range f.feeds {
		fd.requests, fd.full, fd.notModified = 0, 0, 0
	}
}

// publish gives feed i a new item, appeared now, and drops its oldest.
func (f *liveFeeds) publish(i int, now time.Time) *liveItem {
	f.mu.Lock()
	defer f.mu.Unlock()
	fd := f.feeds[i]
	it := f.newItem(i, now)
	delete(fd.sent, fd.items[len(fd.items)-1])
	fd.items = append([]*liveItem{it}, fd.items[:len(fd.items)-1]...)
	fd.version++
	fd.modified = now.Truncate(time.Second)
	return it
}

func (f *liveFeeds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
	if err != nil || i < 0 || i >= len(f.feeds) {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	f.feeds[i].requests++
	mode := f.feeds[i].mode
	f.mu.Unlock()
	switch mode {
	case feedFailing:
		http.Error(w, "the feed is broken today", http.StatusInternalServerError)
		return
	case feedSlow:
		select {
		case <-time.After(slowDelay):
		case <-r.Context().Done():
			return
		}
	}
	doc, d := f.document(i, r.Header)
	if doc == "" {
		w.Header().Set("ETag", d.etag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", d.etag)
	w.Header().Set("Last-Modified", d.lastModified)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	f.mu.Lock()
	deliver := f.onDeliver
	f.mu.Unlock()
	if _, err := w.Write([]byte(doc)); err == nil && len(d.fresh) > 0 && deliver != nil {
		deliver(delivery{feed: i, at: time.Now(), items: d.fresh})
	}
}

// docInfo is what document says besides the document.
type docInfo struct {
	etag, lastModified string
	fresh              []*liveItem // items sent for the first time
}

// document is feed i's RSS document, or "" when the request's validators
// match the current version (a 304). If-None-Match wins over
// If-Modified-Since, as RFC 9110 says.
func (f *liveFeeds) document(i int, h http.Header) (string, docInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fd := f.feeds[i]
	d := docInfo{etag: fmt.Sprintf(`"f%d-v%d"`, i, fd.version), lastModified: fd.modified.UTC().Format(http.TimeFormat)}
	inm, ims := h.Get("If-None-Match"), h.Get("If-Modified-Since")
	since, err := http.ParseTime(ims)
	if inm == d.etag || (inm == "" && ims != "" && err == nil && !fd.modified.After(since)) {
		fd.notModified++
		return "", d
	}
	fd.full++
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Outlet %d</title><link>https://outlet%d.example.net/</link><description>News of outlet %d</description>
`, i, i, i)
	for _, it := range fd.items {
		writeItem(&b, it, fd.modified)
		if !fd.sent[it] {
			fd.sent[it] = true
			if !it.appeared.IsZero() {
				d.fresh = append(d.fresh, it)
			}
		}
	}
	b.WriteString("</channel></rss>\n")
	return b.String(), d
}

func writeItem(b *strings.Builder, it *liveItem, fallback time.Time) {
	when := it.appeared
	if when.IsZero() {
		when = fallback.Add(-time.Hour)
	}
	link := fmt.Sprintf("https://outlet%d.example.net/%s", it.feed, it.token)
	var body strings.Builder
	for _, p := range it.paras {
		body.WriteString("<p>" + html.EscapeString(p) + "</p>")
	}
	fmt.Fprintf(b, "<item><guid isPermaLink=\"true\">%s</guid><link>%s</link><title>%s</title><pubDate>%s</pubDate>"+
		"<content:encoded><![CDATA[%s]]></content:encoded></item>\n",
		link, link, html.EscapeString(it.title), when.UTC().Format(time.RFC1123Z), body.String())
}

// newItem makes an item of feed i: a title and three paragraphs of words
// drawn from the generated vocabulary (so items share no sentences and
// are not near-duplicates of each other), the token in the second. Full
// length (over the poller's 400-rune teaser threshold), so no article
// page is fetched. Called with mu held or before serving.
func (f *liveFeeds) newItem(i int, appeared time.Time) *liveItem {
	f.serial++
	it := &liveItem{feed: i, token: token(f.serial), appeared: appeared}
	it.title = capitalise(strings.Join(f.pick(4+f.rng.IntN(4)), " "))
	for p := range 3 {
		var sentences []string
		for range 3 + f.rng.IntN(3) {
			words := f.pick(8 + f.rng.IntN(9))
			if p == 1 && len(sentences) == 1 {
				words[len(words)/2] = it.token
			}
			sentences = append(sentences, capitalise(strings.Join(words, " "))+".")
		}
		it.paras = append(it.paras, strings.Join(sentences, " "))
	}
	return it
}

func (f *liveFeeds) pick(n int) []string {
	out := make([]string, n)
	for k := range out {
		out[k] = f.words[f.rng.IntN(len(f.words))]
	}
	return out
}

// token is the n-th item's token: "qz" and six letters, a bijection of n
// (7919 is prime to 26), so tokens are distinct, none holds another, and
// they look unrelated to each other. The vocabulary has no "q".
func token(n int) string {
	const span = 26 * 26 * 26 * 26 * 26 * 26
	v := (n*7919 + 12345) % span
	b := []byte("qz000000")
	for k := 7; k >= 2; k-- {
		b[k] = byte('a' + v%26)
		v /= 26
	}
	return string(b)
}

// vocabulary makes n distinct pronounceable words of two to four
// syllables, without "q".
func vocabulary(rng *rand.Rand, n int) []string {
	onsets := []string{"b", "br", "c", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "pl", "r", "s", "st", "t", "tr", "v", "w", "z"}
	vowels := []string{"a", "e", "i", "o", "u", "ai", "ea", "ou"}
	codas := []string{"", "", "", "n", "r", "s", "l", "m", "nd", "st"}
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var w strings.Builder
		for range 2 + rng.IntN(3) {
			w.WriteString(onsets[rng.IntN(len(onsets))] + vowels[rng.IntN(len(vowels))] + codas[rng.IntN(len(codas))])
		}
		if s := w.String(); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// requestCounts sums the server's counters over the feeds for which keep
// is true.
func (f *liveFeeds) requestCounts(keep func(i int) bool) (requests, full, notModified int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, fd := range f.feeds {
		if keep(i) {
			requests += fd.requests
			full += fd.full
			notModified += fd.notModified
		}
	}
	return requests, full, notModified
}
