package feeds

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/fetch"
)

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// memStore is a Store in memory that says added, updated or unchanged the
// way the index does: by id and text.
type memStore struct {
	mu      sync.Mutex
	arts    map[string]briefbot.Article
	upserts int
}

func newMemStore() *memStore { return &memStore{arts: map[string]briefbot.Article{}} }

func (s *memStore) UpsertArticles(_ context.Context, space string, arts []briefbot.Article) (Upserted, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.upserts++
	var up Upserted
	for _, a := range arts {
		key := space + "\x00" + a.ID // the same id in two spaces is two articles
		old, ok := s.arts[key]
		switch {
		case !ok:
			up.Added++
		case text(old) != text(a) || old.Title != a.Title:
			up.Updated++
		default:
			up.Unchanged++
		}
		s.arts[key] = a
	}
	return up, nil
}

// get is an article of the shared space.
func (s *memStore) get(id string) (briefbot.Article, bool) { return s.getIn(briefbot.SharedSpace, id) }

func (s *memStore) getIn(space, id string) (briefbot.Article, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.arts[space+"\x00"+id]
	return a, ok
}

func (s *memStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.arts)
}

func text(a briefbot.Article) string {
	var parts []string
	for _, p := range a.Paragraphs {
		parts = append(parts, p.Text)
	}
	return strings.Join(parts, "\n")
}

// server serves a feed the test can change, with an ETag, and counts the
// requests and the conditional ones answered 304.
type server struct {
	*httptest.Server
	mu          sync.Mutex
	body, ctype string
	status      int         // 0 = serve the feed
	header      http.Header // extra response headers
	etag        bool
	requests    int
	notModified int
	pages       map[string]string // path -> HTML
	pageHits    int
}

func newServer(t *testing.T, ctype, body string) *server {
	s := &server{body: body, ctype: ctype, etag: true, pages: map[string]string{}, header: http.Header{}}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if page, ok := s.pages[r.URL.Path]; ok {
		s.pageHits++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
		return
	}
	s.requests++
	for k, vs := range s.header {
		w.Header()[k] = vs
	}
	if s.status != 0 {
		w.WriteHeader(s.status)
		return
	}
	tag := fmt.Sprintf(`"%x"`, len(s.body)*31+strings.Count(s.body, "e"))
	if s.etag {
		w.Header().Set("ETag", tag)
		if r.Header.Get("If-None-Match") == tag {
			s.notModified++
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", s.ctype)
	fmt.Fprint(w, s.body)
}

func (s *server) set(f func(s *server)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *server) counts() (requests, notModified, pageHits int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.notModified, s.pageHits
}

// listenOn starts a server on another loopback address, a different host
// for the per-host limit.
func listenOn(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Fatalf("listening on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// rig is a poller over a subscriptions file in a temporary directory, on
// a fake clock, with a fixed jitter.
type rig struct {
	clock  *clock
	store  *memStore
	file   string
	poller *Poller
}

func newRig(t *testing.T, opts Options) *rig {
	t.Helper()
	r := &rig{clock: newClock(), store: newMemStore(), file: filepath.Join(t.TempDir(), "index.state", "feeds.json")}
	opts.File = r.file
	if opts.Store == nil {
		opts.Store = r.store
	}
	if opts.Fetcher == nil {
		opts.Fetcher = fetch.New(fetch.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	}
	opts.Now = r.clock.Now
	if opts.Rand == nil {
		opts.Rand = func() float64 { return 0.5 } // no spread
	}
	r.poller = New(opts)
	return r
}

func (r *rig) subscribe(t *testing.T, url string, every time.Duration) {
	t.Helper()
	if err := Subscribe(context.Background(), r.file, Subscription{URL: url, Every: Interval(every), Added: r.clock.Now()}, 0); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) poll(t *testing.T) []Result {
	t.Helper()
	res, err := r.poller.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// pollOne polls and expects exactly one feed to have been due.
func (r *rig) pollOne(t *testing.T) Result {
	t.Helper()
	res := r.poll(t)
	if len(res) != 1 {
		t.Fatalf("%d feeds polled, want 1: %v", len(res), res)
	}
	return res[0]
}

func (r *rig) state(t *testing.T, url string) State {
	t.Helper()
	l, err := Load(r.file)
	if err != nil {
		t.Fatal(err)
	}
	s := l.Find(url, "")
	if s == nil {
		t.Fatalf("no subscription to %s", url)
	}
	return s.State
}

// body is an article-length text (well over the teaser length) about a
// subject, written for these tests.
func body(subject string) string {
	sentences := []string{
		"The %s committee met on Tuesday to review the plans drawn up over the winter.",
		"Members said the %s budget would be set before the end of the month.",
		"A spokesperson for the %s project said the timetable had not changed.",
		"Residents who attended the %s hearing asked for more notice of the works.",
		"The next %s meeting is planned for the first week of April, officials said.",
		"Nobody at the %s office would comment on the cost of the delay.",
	}
	var b strings.Builder
	for _, s := range sentences {
		fmt.Fprintf(&b, s+" ", subject)
	}
	return strings.TrimSpace(b.String())
}
