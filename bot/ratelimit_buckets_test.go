package bot

import (
	"context"
	"net/http"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// sessionBuckets is how many buckets discordgo's session limiter holds (its
// map is unexported; reflection only reads its length).
func sessionBuckets(rl *discordgo.RateLimiter) int {
	rl.Lock()
	defer rl.Unlock()
	return reflect.ValueOf(rl).Elem().FieldByName("buckets").Len()
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// 100,000 interactions' worth of rate-limit buckets, without network:
// discordgo's session limiter keeps every one (bwmarrin/discordgo#1333);
// the per-interaction limiters keep none once the interactions are done.
// Not parallel, so the heap figures are this test's own.
func TestInteractionBucketsBounded(t *testing.T) {
	const n = 100_000
	key := func(k int) string {
		id := strconv.Itoa(1_000_000 + k)
		return discordgo.EndpointInteractionResponse(id, "aW50ZXJhY3Rpb246"+id+":dG9rZW4tdGhhdC1pcy1xdWl0ZS1sb25nLWluZGVlZA")
	}

	before := heapInUse()
	session := discordgo.NewRatelimiter()
	for k := range n {
		session.GetBucket(key(k))
	}
	sessionHeap := int64(heapInUse()) - int64(before)
	t.Logf("discordgo session limiter after %d interactions: %d buckets, %.1f MiB of heap", n, sessionBuckets(session), float64(sessionHeap)/(1<<20))
	runtime.KeepAlive(session)

	before = heapInUse()
	var l interactionLimiters
	for k := range n {
		id := strconv.Itoa(k)
		l.get(id).GetBucket(key(k))
		l.forget(id)
	}
	ourHeap := int64(heapInUse()) - int64(before)
	t.Logf("per-interaction limiters after %d interactions: %d held, %.1f MiB of heap", n, l.size(), float64(ourHeap)/(1<<20))
	if l.size() != 0 {
		t.Errorf("%d interaction limiters held after all interactions ended", l.size())
	}
	if ourHeap > 1<<20 {
		t.Errorf("%d bytes of heap kept after %d finished interactions, want < 1 MiB", ourHeap, n)
	}
}

// End to end through the fake: interactions answered directly, deferred and
// edited, leave no bucket behind in the session's limiter.
func TestInteractionsLeaveNoSessionBuckets(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	s, err := NewSession("test-token", fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(t, fake)
	cfg.DeferAfter = 5 * time.Millisecond
	cfg.MaxConcurrent = 32
	r := newResponder(s, deferEvery{h: NewHandler(&stubEngine{}, HandlerOptions{})}, &cfg)
	const n = 300
	var wg sync.WaitGroup
	for range n {
		i := fake.NewCommand("ask", discordtest.StringOption("question", "reactor?"))
		if !r.begin() {
			t.Fatal("responder closed")
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.process(i, time.Now(), r.gatewayAck(i))
		}()
	}
	wg.Wait()
	r.drain(5 * time.Second)
	if got := len(fake.Find("POST", callbackRE)); got != n {
		t.Errorf("%d callbacks, want %d", got, n)
	}
	if got := len(fake.Find("PATCH", originalRE)); got == 0 {
		t.Error("no interaction was deferred and edited")
	}
	if got := sessionBuckets(s.Ratelimiter); got > 2 {
		t.Errorf("the session's rate limiter holds %d buckets after %d interactions, want none per interaction", got, n)
	}
	if got := r.limiters.size(); got != 0 {
		t.Errorf("%d interaction limiters held after all interactions ended", got)
	}
}

// deferEvery makes every other interaction slow enough to be deferred.
type deferEvery struct{ h *Handler }

func (d deferEvery) Deferral(i *discordgo.Interaction) *discordgo.InteractionResponse {
	return d.h.Deferral(i)
}

func (d deferEvery) Handle(ctx context.Context, i *discordgo.Interaction) *discordgo.InteractionResponse {
	id, _ := strconv.ParseInt(i.ID, 10, 64)
	if id%2 == 0 {
		time.Sleep(30 * time.Millisecond)
	}
	return d.h.Handle(ctx, i)
}

// A bucket exhausted for a long time (X-RateLimit-Remaining 0) makes the
// next edit of that interaction wait, but only as long as its context
// allows; another interaction's edit (another token, another bucket at
// Discord) does not wait at all.
func TestRateLimitWaitHonoursContext(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	s, err := NewSession("test-token", fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(t, fake)
	r := newResponder(s, nil, &cfg)
	fake.Script("PATCH", originalRE, discordtest.Reply{Status: 200, Body: `{"id":"1"}`,
		Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "30", "X-RateLimit-Limit": "5"}})
	a := fake.NewCommand("ask")
	b := fake.NewCommand("ask")
	fake.Acknowledge(a.ID)
	fake.Acknowledge(b.ID)
	edit := webhookEdit(&discordgo.InteractionResponseData{Content: "answer"})
	if err := r.editOriginal(context.Background(), a, edit); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	if err := r.editOriginal(context.Background(), b, edit); err != nil {
		t.Errorf("another interaction's edit: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("another interaction's edit waited %v for a bucket that is not its own", d)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	start = time.Now()
	go func() { done <- r.editOriginal(ctx, a, edit) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("an edit on an exhausted bucket went through at once")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the wait took %v with a 200 ms context", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the rate-limit wait ignored the context (still waiting after 5 s)")
	}
}

// Bot-token routes too: an exhausted bucket, and a global 429, make the
// next request wait only as long as its context allows; other routes are
// not held up by one route's bucket. Once the limits pass, nothing is kept.
func TestSessionRateLimitWaitsHonourContext(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	s, err := NewSession("test-token", fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	const ch, other = "600000000000000001", "600000000000000002"
	post := func(ctx context.Context, channel string) (time.Duration, error) {
		start := time.Now()
		endpoint := discordgo.EndpointChannelMessages(channel)
		_, err := s.RequestWithBucketID("POST", endpoint, map[string]string{"content": "x"}, endpoint, restOptions(ctx)...)
		return time.Since(start), err
	}
	short := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	fake.Script("POST", `/api/v9/channels/`+ch+`/messages`, discordtest.Reply{Status: 200, Body: `{"id":"1"}`, Process: true,
		Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "30", "X-RateLimit-Limit": "5"}})
	if _, err := post(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	type result struct {
		d   time.Duration
		err error
	}
	within := func(what string, f func() (time.Duration, error), wantErr bool) {
		t.Helper()
		done := make(chan result, 1)
		go func() { d, err := f(); done <- result{d, err} }()
		select {
		case r := <-done:
			if (r.err != nil) != wantErr || r.d > 2*time.Second {
				t.Errorf("%s: took %v, err %v (want error: %v)", what, r.d, r.err, wantErr)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the rate-limit wait ignored the context (still waiting after 5 s)", what)
		}
	}
	within("exhausted bucket, 200 ms context", func() (time.Duration, error) { return post(short(), ch) }, true)
	within("another channel", func() (time.Duration, error) { return post(context.Background(), other) }, false)

	fake.Script("POST", `/api/v9/channels/`+other+`/messages`, discordtest.GlobalRateLimited(30))
	within("the global 429 itself", func() (time.Duration, error) { return post(context.Background(), other) }, true)
	within("after a global 429, 200 ms context", func() (time.Duration, error) { return post(short(), "600000000000000003") }, true)
}

func TestRESTLimitsForgetPassedLimits(t *testing.T) {
	t.Parallel()
	l := newRESTLimits(nil)
	now := time.Now()
	res := &http.Response{StatusCode: 200, Header: http.Header{}}
	res.Header.Set("X-RateLimit-Remaining", "0")
	res.Header.Set("X-RateLimit-Reset-After", "1.5")
	for k := range 1000 {
		l.learn("/api/v9/webhooks/1/tok"+strconv.Itoa(k), res, now)
	}
	if w := l.wait("/api/v9/webhooks/1/tok7", now); w != 1500*time.Millisecond {
		t.Errorf("wait %v, want 1.5s", w)
	}
	if w := l.wait("/api/v9/webhooks/1/tok7", now.Add(2*time.Second)); w != 0 || l.size() != 0 {
		t.Errorf("after the reset: wait %v, %d routes kept, want 0 and 0", w, l.size())
	}
}
