package feeds

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus/feed"
	"github.com/briefbot/briefbot/fetch"
	"github.com/briefbot/briefbot/internal/textrules"
)

// Store is where the articles of new and changed items go: the index.
// space is the subscription's: briefbot.SharedSpace or a server id.
type Store interface {
	UpsertArticles(ctx context.Context, space string, arts []briefbot.Article) (Upserted, error)
}

// Upserted says what a Store did with the articles handed in.
type Upserted struct{ Added, Updated, Unchanged int }

// Fetcher is what the poller needs of fetch.Fetcher: a conditional GET for
// the feeds, and reading an article page for items that carry a teaser.
type Fetcher interface {
	Get(ctx context.Context, rawURL string, header http.Header) (*fetch.Response, error)
	Fetch(ctx context.Context, rawURL string) ([]briefbot.Article, error)
}

// Options configure a Poller. File, Fetcher and Store are required.
type Options struct {
	File string // the subscriptions file (FileFor)
	// Fetcher reads the operator's (shared) feeds, and may reach private
	// and loopback addresses. ServerFetcher reads servers' feeds and their
	// pages, and must refuse them (fetch's guard, also after redirects and
	// DNS): their URLs come from Discord users. nil = servers' feeds fail
	// at each poll rather than go through Fetcher.
	Fetcher       Fetcher
	ServerFetcher Fetcher
	Store         Store

	Concurrency int           // feeds polled at once; 0 = 4
	Timeout     time.Duration // per request, the feed's or a page's; 0 = 10 s, as fetch
	MaxItems    int           // items read per feed document; 0 = 100
	// Idle bounds Run's sleep between rounds, so that subscriptions added
	// by the CLI are picked up; 0 = 1 min.
	Idle time.Duration

	Now   func() time.Time                                 // nil = time.Now
	Sleep func(ctx context.Context, d time.Duration) error // nil = a timer; Run's waits
	Rand  func() float64                                   // nil = math/rand; the backoff jitter
	Log   *slog.Logger                                     // nil = discard
	// OnResult, when set, is told of each feed Run polled.
	OnResult func(Result)
	// Polled, when set, says whether a server's feeds are polled: serve
	// passes the BRIEFBOT_SERVERS allow-list, so a server the bot no longer
	// answers in costs its feeds' publishers nothing. The shared space's
	// feeds are always polled. nil = every server's.
	Polled func(space string) bool
}

// Poller polls the subscriptions that are due. It is safe for concurrent
// use: Polls run one after the other (serve's loop and a `feeds poll` sent
// to serve), so the second finds the feeds the first polled no longer due.
type Poller struct {
	opts   Options
	pollMu sync.Mutex // held by Poll
	hostMu sync.Mutex
	hosts  map[string]chan struct{} // one request at a time per host
	parses atomic.Int64             // feed documents parsed, for tests
}

// New returns a Poller.
func New(opts Options) *Poller {
	opts.Concurrency = cmp.Or(opts.Concurrency, 4)
	opts.Timeout = cmp.Or(opts.Timeout, 10*time.Second)
	opts.MaxItems = cmp.Or(opts.MaxItems, 100)
	opts.Idle = cmp.Or(opts.Idle, time.Minute)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Poller{opts: opts, hosts: map[string]chan struct{}{}}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Result is what one poll of one feed did.
type Result struct {
	URL, Space   string
	NotModified  bool // a 304: nothing was parsed
	New, Changed int  // items seen for the first time, items whose content changed
	Repeated     int  // items already ingested, skipped
	Added        int  // articles the store added
	Updated      int  // articles the store replaced
	PagesFetched int  // article pages read for items that carried a teaser
	Warnings     []string
	Err          error
	NextDue      time.Time
}

func (r Result) String() string {
	next := "next " + r.NextDue.UTC().Format(time.RFC3339)
	name := r.URL
	if r.Space != briefbot.SharedSpace {
		name += " (server " + r.Space + ")"
	}
	switch {
	case r.Err != nil:
		return fmt.Sprintf("%s: error: %v (%s)", name, r.Err, next)
	case r.NotModified:
		return fmt.Sprintf("%s: not modified (%s)", name, next)
	}
	return fmt.Sprintf("%s: %d new, %d changed, %d repeated; %d added, %d updated; %s read (%s)",
		name, r.New, r.Changed, r.Repeated, r.Added, r.Updated, textrules.Plural(r.PagesFetched, "page", "pages"), next)
}

// Run polls due feeds until ctx ends, sleeping until the next one is due
// (at most Idle, so new subscriptions are noticed). It returns ctx's error.
func (p *Poller) Run(ctx context.Context) error {
	for {
		results, err := p.Poll(ctx)
		if err != nil && ctx.Err() == nil {
			p.opts.Log.Error("feeds: poll", "err", err)
		}
		for _, r := range results {
			if p.opts.OnResult != nil {
				p.opts.OnResult(r)
			}
		}
		wait := p.opts.Idle
		if l, err := Load(p.opts.File); err == nil {
			wait = untilNextDue(l, p.opts.Now(), p.opts.Idle)
		}
		if err := p.opts.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// untilNextDue is the wait until the soonest due feed, within [1 s, idle].
func untilNextDue(l List, now time.Time, idle time.Duration) time.Duration {
	wait := idle
	for _, s := range l.Feeds {
		wait = min(wait, s.State.NextDue.Sub(now))
	}
	return max(wait, time.Second)
}

// Poll polls every subscription that is due now, at most Concurrency at a
// time, and records their states. Feeds that fail are in the results with
// their error; the error returned is about the subscriptions file.
func (p *Poller) Poll(ctx context.Context) ([]Result, error) {
	p.pollMu.Lock()
	defer p.pollMu.Unlock()
	l, err := Load(p.opts.File)
	if err != nil {
		return nil, err
	}
	now := p.opts.Now()
	var due []Subscription
	for _, s := range l.Feeds {
		if !s.State.NextDue.After(now) && p.polls(s.Space) {
			due = append(due, s)
		}
	}
	if len(due) == 0 {
		return nil, nil
	}
	results := make([]Result, len(due))
	states := make([]State, len(due))
	sem := make(chan struct{}, p.opts.Concurrency)
	var wg sync.WaitGroup
	for i, s := range due {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			states[i], results[i] = p.pollOne(ctx, s)
		})
	}
	wg.Wait()
	return results, p.save(due, states)
}

// polls reports whether the feeds of space are polled (Options.Polled).
func (p *Poller) polls(space string) bool {
	return space == briefbot.SharedSpace || p.opts.Polled == nil || p.opts.Polled(space)
}

// save records the new states of the feeds polled, into the file as it is
// now: a feed removed meanwhile stays removed, one added stays added.
func (p *Poller) save(polled []Subscription, states []State) error {
	// Not ctx: a poll that was interrupted still records what it did.
	return Update(context.Background(), p.opts.File, func(l *List) error {
		for i, s := range polled {
			if cur := l.Find(s.URL, s.Space); cur != nil {
				cur.State = states[i]
			}
		}
		return nil
	})
}

// errNoServerFetcher fails a server's feed when the poller was given no
// guarded fetcher: better than reading it through the operator's.
var errNoServerFetcher = errors.New("no guarded fetcher for servers' feeds")

// fetcherFor is the fetcher for space's feeds: the guarded one for a
// server's, whose URLs users typed.
func (p *Poller) fetcherFor(space string) Fetcher {
	if space == briefbot.SharedSpace {
		return p.opts.Fetcher
	}
	return p.opts.ServerFetcher
}

// pollOne polls one feed and returns its new state.
func (p *Poller) pollOne(ctx context.Context, sub Subscription) (State, Result) {
	st := sub.State
	res := Result{URL: sub.URL, Space: sub.Space}
	every := max(time.Duration(sub.Every), MinEvery) // a hand-edited file cannot make the poller impolite
	f := p.fetcherFor(sub.Space)
	var resp *fetch.Response
	err := errNoServerFetcher
	if f != nil {
		resp, err = p.get(ctx, f, sub.URL, conditional(st))
	}
	now := p.opts.Now()
	switch {
	case err != nil:
		p.fail(&st, &res, now, every, err, 0)
	case resp.StatusCode == http.StatusNotModified:
		st.ETag = cmp.Or(resp.Header.Get("ETag"), st.ETag) // a 304 may renew the validator
		p.succeed(&st, now, pace(every, resp.Header, time.Duration(st.FeedInterval)))
		res.NotModified = true
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		p.fail(&st, &res, now, every, fmt.Errorf("HTTP %s", resp.Status), retryAfter(resp.Header, now))
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		p.fail(&st, &res, now, every, fmt.Errorf("HTTP %s", resp.Status), 0)
	default:
		p.ingest(ctx, f, sub.Space, every, &st, &res, resp)
	}
	if res.Err != nil && ctx.Err() != nil {
		// Interrupted (Ctrl-C, serve stopping): the feed did not fail, and
		// is due again as it was.
		return sub.State, Result{URL: sub.URL, Space: sub.Space, Err: ctx.Err(), NextDue: sub.State.NextDue}
	}
	res.NextDue = st.NextDue
	return st, res
}

// conditional is the request's If-None-Match and If-Modified-Since.
func conditional(st State) http.Header {
	h := http.Header{}
	if st.ETag != "" {
		h.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		h.Set("If-Modified-Since", st.LastModified)
	}
	return h
}

func (p *Poller) succeed(st *State, now time.Time, wait time.Duration) {
	st.LastSuccess, st.Failures, st.NextDue = now, 0, now.Add(wait)
}

// fail records a failure and waits the backoff, or the server's Retry-After
// when that is longer.
func (p *Poller) fail(st *State, res *Result, now time.Time, every time.Duration, err error, retry time.Duration) {
	st.Failures++
	st.LastError, st.LastErrorAt = err.Error(), now
	st.NextDue = now.Add(max(backoff(every, st.Failures, p.opts.Rand()), retry))
	res.Err = err
	p.opts.Log.Warn("feeds: poll failed", "feed", res.URL, "failures", st.Failures, "err", err)
}

// ingest reads a fetched feed document and stores its new and changed items.
func (p *Poller) ingest(ctx context.Context, f Fetcher, space string, every time.Duration, st *State, res *Result, resp *fetch.Response) {
	now := p.opts.Now()
	p.parses.Add(1)
	parsed, err := feed.Parse(resp.Body, resp.URL)
	if err != nil {
		p.fail(st, res, now, every, err, 0)
		return
	}
	arts, seen := p.changedItems(ctx, f, parsed, resp.URL, st.Seen, res)
	if len(arts) > 0 {
		up, err := p.opts.Store.UpsertArticles(ctx, space, arts)
		if err != nil {
			p.fail(st, res, p.opts.Now(), every, fmt.Errorf("storing: %w", err), 0)
			return
		}
		res.Added, res.Updated = up.Added, up.Updated
		st.countAdded(now, up.Added)
	}
	st.Seen = seen
	st.ETag, st.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	st.FeedInterval = Interval(max(parsed.TTL, parsed.UpdateInterval))
	p.succeed(st, p.opts.Now(), pace(every, resp.Header, time.Duration(st.FeedInterval)))
}

// get is one request for a feed document, under the poller's limits.
func (p *Poller) get(ctx context.Context, f Fetcher, rawURL string, header http.Header) (*fetch.Response, error) {
	return limited(ctx, p, rawURL, func(ctx context.Context) (*fetch.Response, error) { return f.Get(ctx, rawURL, header) })
}

// page reads an article page under the same limits.
func (p *Poller) page(ctx context.Context, f Fetcher, rawURL string) ([]briefbot.Article, error) {
	return limited(ctx, p, rawURL, func(ctx context.Context) ([]briefbot.Article, error) { return f.Fetch(ctx, rawURL) })
}

// limited runs one request to rawURL under the per-host limit (see host)
// and the per-request timeout.
func limited[T any](ctx context.Context, p *Poller, rawURL string, request func(ctx context.Context) (T, error)) (T, error) {
	release, err := p.host(ctx, rawURL)
	if err != nil {
		var none T
		return none, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	return request(ctx)
}

// host waits for rawURL's host to be free: at most one request at a time
// per host, whatever the number of its feeds.
func (p *Poller) host(ctx context.Context, rawURL string) (release func(), err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("feeds: %w", err)
	}
	name := strings.ToLower(u.Hostname())
	p.hostMu.Lock()
	slot, ok := p.hosts[name]
	if !ok {
		slot = make(chan struct{}, 1)
		p.hosts[name] = slot
	}
	p.hostMu.Unlock()
	select {
	case slot <- struct{}{}:
		return func() { <-slot }, nil
	case <-ctx.Done():
		return nil, errors.Join(fmt.Errorf("waiting for %s", name), ctx.Err())
	}
}
