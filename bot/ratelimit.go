package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// RateLimit limits how many questions (/ask, /search, /summary and their
// paging buttons) one user may ask in a sliding window. The zero value means
// the default, 5 in 10 seconds; Max < 0 turns the limit off.
type RateLimit struct {
	Max    int
	Window time.Duration
}

func (r RateLimit) withDefaults() RateLimit {
	if r.Max == 0 {
		r.Max = 5
	}
	if r.Window <= 0 {
		r.Window = 10 * time.Second
	}
	return r
}

// limiter is a per-user sliding-window counter. It keeps at most Max
// timestamps per user and forgets users whose window has passed, so memory
// stays proportional to the users active in the last window.
type limiter struct {
	mu     sync.Mutex
	cfg    RateLimit
	recent map[string][]time.Time
	sweep  time.Time // last time idle users were forgotten
}

func newLimiter(cfg RateLimit) *limiter {
	return &limiter{cfg: cfg.withDefaults(), recent: map[string][]time.Time{}}
}

// allow records a question by user at now and reports whether it is within
// the limit; when it is not, retry says how long until the oldest question
// leaves the window. A refused question is not recorded.
func (l *limiter) allow(user string, now time.Time) (ok bool, retry time.Duration) {
	if l.cfg.Max < 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	cutoff := now.Add(-l.cfg.Window)
	if now.Sub(l.sweep) > l.cfg.Window {
		for u, ts := range l.recent {
			if len(ts) == 0 || !ts[len(ts)-1].After(cutoff) {
				delete(l.recent, u)
			}
		}
		l.sweep = now
	}
	ts := l.recent[user]
	i := 0
	for i < len(ts) && !ts[i].After(cutoff) {
		i++
	}
	ts = ts[i:]
	if len(ts) >= l.cfg.Max {
		l.recent[user] = ts
		return false, ts[0].Sub(cutoff)
	}
	l.recent[user] = append(ts, now)
	return true, 0
}

// interactionLimiters gives each in-flight interaction a discordgo rate
// limiter of its own for its REST calls (callback, edits, follow-ups,
// delete), forgotten when the interaction is done.
//
// discordgo's session limiter keeps one bucket per interaction callback
// and follow-up URL, each carrying the interaction's token, and never drops
// any (bwmarrin/discordgo#1333): a bot that answers 100,000 interactions
// holds 100,000+ dead buckets. Its edits and deletes, on the other hand,
// all share one bucket, so one interaction's exhausted bucket made every
// other interaction's edit wait. A limiter per interaction bounds the
// memory by the interactions in flight and keys the buckets the way
// Discord does (per token). Waits are restLimits', under the request's
// context.
type interactionLimiters struct {
	m sync.Map // interaction id -> *discordgo.RateLimiter
}

func (l *interactionLimiters) get(id string) *discordgo.RateLimiter {
	if rl, ok := l.m.Load(id); ok {
		return rl.(*discordgo.RateLimiter)
	}
	rl, _ := l.m.LoadOrStore(id, discordgo.NewRatelimiter())
	return rl.(*discordgo.RateLimiter)
}

func (l *interactionLimiters) forget(id string) { l.m.Delete(id) }

// size is the number of interactions holding a limiter (for tests).
func (l *interactionLimiters) size() int {
	n := 0
	l.m.Range(func(any, any) bool { n++; return true })
	return n
}

// interactionREST sends one REST call of interaction i through its own
// limiter, with discordgo's retries off (retryREST does them, see
// restOptions).
func (r *responder) interactionREST(ctx context.Context, i *discordgo.Interaction, method, url string, body any) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encoding %s %s: %w", method, url, err)
		}
	}
	// The waits themselves are restLimits' (the transport), under ctx.
	rl := r.limiters.get(i.ID)
	bucket := rl.GetBucket(strings.SplitN(url, "?", 2)[0])
	_, err := r.s.RequestWithLockedBucket(method, url, "application/json", b, rl.LockBucketObject(bucket), 0, restOptions(ctx)...)
	return err
}

// respondREST is InteractionRespond (without files) through interactionREST.
func (r *responder) respondREST(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	return r.interactionREST(ctx, i, http.MethodPost, discordgo.EndpointInteractionResponse(i.ID, i.Token), resp)
}

// editOriginalREST is InteractionResponseEdit through interactionREST.
func (r *responder) editOriginalREST(ctx context.Context, i *discordgo.Interaction, edit *discordgo.WebhookEdit) error {
	return r.interactionREST(ctx, i, http.MethodPatch, discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), edit)
}

// deleteOriginalREST is InteractionResponseDelete through interactionREST.
func (r *responder) deleteOriginalREST(ctx context.Context, i *discordgo.Interaction) error {
	return r.interactionREST(ctx, i, http.MethodDelete, discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), nil)
}

// followupREST is FollowupMessageCreate(wait=true) through interactionREST.
func (r *responder) followupREST(ctx context.Context, i *discordgo.Interaction, params *discordgo.WebhookParams) error {
	return r.interactionREST(ctx, i, http.MethodPost, discordgo.EndpointWebhookToken(i.AppID, i.Token)+"?wait=true", params)
}

// restLimits is the REST rate limiting that waits: it sits in the session's
// HTTP transport, so it sees every request with its context, and keeps only
// the routes that are exhausted right now (plus a global lock after a global
// 429). discordgo's own limiter would sleep before a request without regard
// to any context; the X-RateLimit-* headers are hidden from it, so it never
// does, and every wait happens here, ending with the request's context.
type restLimits struct {
	next http.RoundTripper

	mu     sync.Mutex
	until  map[string]time.Time // route -> exhausted until
	global time.Time
}

func newRESTLimits(next http.RoundTripper) *restLimits {
	return &restLimits{next: next, until: map[string]time.Time{}}
}

func (l *restLimits) RoundTrip(req *http.Request) (*http.Response, error) {
	route := req.URL.Path
	if wait := l.wait(route, time.Now()); wait > 0 {
		if !sleep(req.Context(), wait) {
			return nil, fmt.Errorf("waiting %v for Discord's rate limit on %s: %w", wait.Round(time.Millisecond), route, req.Context().Err())
		}
	}
	res, err := l.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	l.learn(route, res, time.Now())
	for _, h := range []string{"X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Reset-After", "X-RateLimit-Global"} {
		res.Header.Del(h)
	}
	return res, nil
}

// wait is how long a request on route has to wait, forgetting routes whose
// limit has passed.
func (l *restLimits) wait(route string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	for r, t := range l.until {
		if !t.After(now) {
			delete(l.until, r)
		}
	}
	return max(l.until[route].Sub(now), l.global.Sub(now), 0)
}

// learn records what an answer says of the limits: an exhausted bucket
// (X-RateLimit-Remaining 0) until its reset, a 429 until retry_after, for
// every route when it is global.
func (l *restLimits) learn(route string, res *http.Response, now time.Time) {
	h := res.Header
	var until time.Time
	if h.Get("X-RateLimit-Remaining") == "0" {
		if after, err := strconv.ParseFloat(h.Get("X-RateLimit-Reset-After"), 64); err == nil {
			until = now.Add(time.Duration(after * float64(time.Second)))
		}
	}
	global := h.Get("X-RateLimit-Global") != "" || h.Get("X-RateLimit-Scope") == "global"
	if res.StatusCode == http.StatusTooManyRequests {
		if after, err := strconv.ParseFloat(h.Get("Retry-After"), 64); err == nil {
			until = now.Add(time.Duration(after * float64(time.Second)))
		}
	} else {
		global = false
	}
	if until.IsZero() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if global {
		l.global = until
		return
	}
	l.until[route] = until
}

// size is the number of routes remembered as exhausted (for tests).
func (l *restLimits) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.until)
}
