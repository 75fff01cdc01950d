package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/briefbot/briefbot/metrics"
)

// readyLag is the lag (stream messages not yet applied to the local index)
// at or under which a starting replica counts as caught up, and /readyz
// says ready. A replica that starts empty replays the whole stream first;
// until then its answers would differ from the others', so a load
// balancer must not send it questions. Under a steady stream of feed
// items a live replica is always a few messages behind, hence not 0.
const readyLag = 10

// lagEvery is how often a replica reads its lag, for the gauge and for
// readiness at start.
const lagEvery = 2 * time.Second

// lagWatch reads a replica's lag now and then: it sets the lag gauge, and
// caughtUp the first time the lag is at most readyLag. caughtUp stays set
// afterwards: a replica that falls behind under load still answers (from
// an index a few seconds old) rather than leaving the balancer's pool,
// which would move its load onto the others and make them fall behind too.
type lagWatch struct {
	lag      func(context.Context) (uint64, error)
	metrics  *metrics.Metrics
	log      *slog.Logger
	caughtUp atomic.Bool
	failing  bool // the last read failed: logged once per run of failures
}

// run reads the lag every lagEvery until ctx ends.
func (w *lagWatch) run(ctx context.Context) {
	tick := time.NewTicker(lagEvery)
	defer tick.Stop()
	for {
		w.poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// poll reads the lag once. A failed read (NATS unreachable) leaves the
// gauge at its last value and does not make a starting replica ready: it
// cannot know what it is missing.
func (w *lagWatch) poll(ctx context.Context) {
	n, err := w.lag(ctx)
	if err != nil {
		if !w.failing && ctx.Err() == nil {
			w.log.Warn("cannot read the replica's lag", "err", err)
		}
		w.failing = true
		return
	}
	if w.failing {
		w.log.Info("the replica's lag can be read again", "lag", n)
	}
	w.failing = false
	w.metrics.SetReplicaLag(n)
	if n <= readyLag && !w.caughtUp.Load() {
		w.caughtUp.Store(true)
		w.log.Info("replica caught up with the stream", "lag", n)
	}
}
