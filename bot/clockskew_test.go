package bot

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// logRecorder keeps the records logged at Warn and above, and passes every
// record on to the test log.
type logRecorder struct {
	next  slog.Handler
	mu    *sync.Mutex
	warns *[]string
}

func newLogRecorder(t *testing.T) (*slog.Logger, func() []string) {
	var mu sync.Mutex
	var warns []string
	h := logRecorder{next: testLogger(t).Handler(), mu: &mu, warns: &warns}
	return slog.New(h), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), warns...)
	}
}

func (h logRecorder) Enabled(ctx context.Context, l slog.Level) bool { return true }
func (h logRecorder) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		var b strings.Builder
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			b.WriteString(" " + a.String())
			return true
		})
		h.mu.Lock()
		*h.warns = append(*h.warns, b.String())
		h.mu.Unlock()
	}
	return h.next.Handle(ctx, r)
}
func (h logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	h.next = h.next.WithAttrs(as)
	return h
}
func (h logRecorder) WithGroup(g string) slog.Handler {
	h.next = h.next.WithGroup(g)
	return h
}

func countContaining(lines []string, sub string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}

// aboutMinus20s matches an offset of 20 s give or take one: Discord's Date
// header and the signature timestamp count whole seconds, so the measured
// offset of a clock 20 s off can round to 19 or 21 s on a busy machine.
var aboutMinus20s = regexp.MustCompile(`offset=-(19|20|21)s`)

func countMatching(lines []string, re *regexp.Regexp) int {
	n := 0
	for _, l := range lines {
		if re.MatchString(l) {
			n++
		}
	}
	return n
}

// A host clock 20 s ahead of Discord's makes every interaction's snowflake
// look 20 s old. The offset measured from Discord's Date header at start
// corrects that: interactions are answered, and the skew is logged.
func TestGatewayClockSkewCorrectedByDateHeader(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	fake.Advance(-20 * time.Second) // Discord's clock is 20 s behind ours
	cfg := baseConfig(t, fake)
	log, warns := newLogRecorder(t)
	cfg.Logger = log
	run := startServe(t, cfg, NewHandler(&stubEngine{}, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	cb := fake.WaitRequests(5*time.Second, 1, "POST", callbackRE)[0]
	if cb.Status != 204 {
		t.Errorf("callback %d", cb.Status)
	}
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	if n := countContaining(warns(), "clock"); n != 1 {
		t.Errorf("%d clock-skew warnings, want 1: %q", n, warns())
	}
	if n := countMatching(warns(), aboutMinus20s); n != 1 {
		t.Errorf("the warning does not give the measured offset (about -20s): %q", warns())
	}
}

// Over HTTP the interaction's age is judged by its signed timestamp: a host
// clock 20 s off still answers (200, not 400 or 500), and the skew is
// logged once a minute at most.
func TestEndpointClockSkewJudgedBySignatureTimestamp(t *testing.T) {
	t.Parallel()
	g := newEndpointRig(t, &stubEngine{})
	log, warns := newLogRecorder(t)
	g.ep.log = log
	g.r.log = log
	g.r.skew = newClockSkew(log)
	g.r.deferAfter = 2 * time.Second
	discordNow := g.now.Add(-20 * time.Second)
	for n := range 2 {
		i := g.fake.NewCommand("ask", discordtest.StringOption("question", "reactor?"))
		i.ID = discordtest.Snowflake(discordNow, int64(n))
		w := g.serve(g.request(interactionJSON(t, i), discordNow, g.priv))
		if w.Code != 200 || !strings.Contains(w.Body.String(), "reactor was shut down") {
			t.Errorf("interaction %d with the host clock 20 s ahead: %d %s", n, w.Code, w.Body.String())
		}
	}
	// The documentation's example id, from 2020, signed now: a valid
	// request, answered.
	w := g.serve(g.request(`{"type":2,"id":"786008729715212338","token":"x","data":{"name":"ask","options":[{"type":3,"name":"question","value":"reactor?"}]}}`, g.now, g.priv))
	if w.Code != 200 {
		t.Errorf("an old snowflake with a fresh signature: %d %s, want 200", w.Code, w.Body.String())
	}
	if n := countContaining(warns(), "clock"); n != 1 {
		t.Errorf("%d clock-skew warnings for 2 skewed requests within a minute, want 1: %q", n, warns())
	}
	if n := countMatching(warns(), aboutMinus20s); n != 1 {
		t.Errorf("the warning does not give the measured offset: %q", warns())
	}
}
