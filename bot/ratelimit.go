package bot

import (
	"sync"
	"time"
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
