package bot

import (
	"sync"
	"testing"
	"time"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// recordingObserver counts what it is told.
type recordingObserver struct {
	mu                            sync.Mutex
	interactions                  []string // "command outcome"
	deferred, failed, rateLimited int
	latencies                     []time.Duration
}

func (o *recordingObserver) Interaction(command, outcome string, latency time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.interactions = append(o.interactions, command+" "+outcome)
	o.latencies = append(o.latencies, latency)
}
func (o *recordingObserver) Deferred()    { o.mu.Lock(); o.deferred++; o.mu.Unlock() }
func (o *recordingObserver) ReplyFailed() { o.mu.Lock(); o.failed++; o.mu.Unlock() }
func (o *recordingObserver) RateLimited() { o.mu.Lock(); o.rateLimited++; o.mu.Unlock() }

// A slow answer is reported deferred, the 429 on its edit rate-limited,
// and the interaction once, with its outcome; nothing failed.
func TestObserverSeesDeferralAnd429(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	fake.Script("PATCH", originalRE, discordtest.RateLimited(0.02))
	eng := &stubEngine{gate: make(chan struct{})}
	obs := &recordingObserver{}
	run := startServe(t, cfg, NewHandler(eng, HandlerOptions{Observer: obs}))
	fake.WaitReady(5*time.Second, 1)
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	fake.WaitRequests(5*time.Second, 1, "POST", callbackRE) // the deferral
	close(eng.gate)
	fake.WaitRequests(5*time.Second, 2, "PATCH", originalRE)
	if err := run.stop(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.interactions) != 1 || obs.interactions[0] != "ask ok" {
		t.Errorf("interactions %q, want [ask ok]", obs.interactions)
	}
	if len(obs.latencies) == 1 && obs.latencies[0] < 50*time.Millisecond {
		t.Errorf("latency %v, want at least the 50 ms defer point", obs.latencies[0])
	}
	if obs.deferred != 1 || obs.rateLimited != 1 || obs.failed != 0 {
		t.Errorf("deferred %d, rate limited %d, failed %d; want 1, 1, 0", obs.deferred, obs.rateLimited, obs.failed)
	}
}

// A callback Discord refuses is a failed reply.
func TestObserverSeesFailedReply(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	cfg.DeferAfter = 5 * time.Second
	fake.Script("POST", callbackRE, discordtest.APIError(404, 10062, "Unknown interaction"))
	obs := &recordingObserver{}
	run := startServe(t, cfg, NewHandler(&stubEngine{}, HandlerOptions{Observer: obs}))
	fake.WaitReady(5*time.Second, 1)
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	fake.WaitRequests(5*time.Second, 1, "POST", callbackRE)
	if err := run.stop(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.failed != 1 || obs.deferred != 0 || obs.rateLimited != 0 || len(obs.interactions) != 1 {
		t.Errorf("failed %d, deferred %d, rate limited %d, interactions %q; want 1, 0, 0, one", obs.failed, obs.deferred, obs.rateLimited, obs.interactions)
	}
}
