package feeds

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// maxBackoff caps the wait after failures, and the pacing a feed or a
	// server may ask for: a feed is looked at at least once a day.
	maxBackoff = 24 * time.Hour
	// maxRetryAfter caps a server's Retry-After, which could otherwise
	// silence a feed for good.
	maxRetryAfter = 7 * 24 * time.Hour
	// jitter spreads retries by up to ±10 % so that feeds failing together
	// (one host down) do not come back together.
	jitter = 0.1
)

// pace is the wait until the next poll after a success: the subscription's
// interval, or longer when the server (Cache-Control: max-age) or the feed
// (<ttl>, sy:updatePeriod) asks for less frequent polling. Nobody can ask
// for more frequent polling than the operator set, nor for less than once
// a day.
func pace(every time.Duration, header http.Header, feedInterval time.Duration) time.Duration {
	wait := max(every, maxAge(header), feedInterval)
	return max(min(wait, maxBackoff), every)
}

// maxAge reads Cache-Control: max-age; 0 when absent or unreadable.
func maxAge(header http.Header) time.Duration {
	for _, v := range header.Values("Cache-Control") {
		for _, part := range strings.Split(v, ",") {
			name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || !strings.EqualFold(name, "max-age") {
				continue
			}
			if secs, err := strconv.Atoi(strings.Trim(value, `"`)); err == nil && secs > 0 {
				return time.Duration(secs) * time.Second
			}
		}
	}
	return 0
}

// retryAfter reads Retry-After as seconds or as an HTTP date; 0 when absent
// or unreadable.
func retryAfter(header http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return min(max(time.Duration(secs)*time.Second, 0), maxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter)
	}
	return 0
}

// backoff is the wait after the n-th consecutive failure (n ≥ 1): the
// interval, doubling with each failure up to a day, spread by the jitter.
// r is a random number in [0, 1).
func backoff(every time.Duration, n int, r float64) time.Duration {
	wait := every
	for i := 1; i < n && wait < maxBackoff; i++ {
		wait *= 2
	}
	wait = min(wait, maxBackoff)
	spread := time.Duration(float64(wait) * jitter * (2*r - 1))
	return min(wait+spread, maxBackoff)
}
