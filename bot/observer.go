package bot

import (
	"net/http"
	"time"
)

// Observer is told what the bot does, for metrics. The bot knows nothing
// of how it is counted (cmd wires a Prometheus implementation); calls must
// be cheap and safe for concurrent use.
type Observer interface {
	// Interaction reports one handled interaction: the handler's name for
	// it ("ask", "ask:autocomplete", "page"…, "" for a PING), its outcome
	// ("ok", "no_match", "invalid", "rate_limited", "forbidden", "error")
	// and how long the handler took.
	Interaction(command, outcome string, latency time.Duration)
	// Deferred reports an interaction deferred because the handler was slow.
	Deferred()
	// ReplyFailed reports a reply (acknowledgement, edit, follow-up)
	// Discord did not take.
	ReplyFailed()
	// RateLimited reports a 429 from Discord's REST API.
	RateLimited()
}

// nopObserver is the default Observer: it ignores everything.
type nopObserver struct{}

func (nopObserver) Interaction(string, string, time.Duration) {}
func (nopObserver) Deferred()                                 {}
func (nopObserver) ReplyFailed()                              {}
func (nopObserver) RateLimited()                              {}

// observer is the Observer of the handler the responder runs: the
// HandlerOptions one for a *Handler, else (test fakes) one that ignores
// everything.
func (r *responder) observer() Observer {
	if h, ok := r.h.(*Handler); ok {
		return h.obs
	}
	return nopObserver{}
}

// rateLimitObserver tells obs about every 429 answer passing through the
// session's HTTP transport.
type rateLimitObserver struct {
	next http.RoundTripper
	obs  Observer
}

func (t rateLimitObserver) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.next.RoundTrip(req)
	if err == nil && res.StatusCode == http.StatusTooManyRequests {
		t.obs.RateLimited()
	}
	return res, err
}
