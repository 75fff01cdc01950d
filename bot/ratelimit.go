package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
// Discord does (per token). Its waits are done here, under the request's
// context; interaction routes are outside Discord's global limit, so the
// session's global lock does not apply to them.
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
// limiter: the wait for the bucket honours ctx, and discordgo's retries are
// off (retryREST does them, see restOptions).
func (r *responder) interactionREST(ctx context.Context, i *discordgo.Interaction, method, url string, body any) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encoding %s %s: %w", method, url, err)
		}
	}
	rl := r.limiters.get(i.ID)
	bucket := rl.GetBucket(strings.SplitN(url, "?", 2)[0])
	if wait := rl.GetWaitTime(bucket, 1); wait > 0 && !sleep(ctx, wait) {
		return fmt.Errorf("waiting %v for the rate limit: %w", wait.Round(time.Millisecond), ctx.Err())
	}
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
