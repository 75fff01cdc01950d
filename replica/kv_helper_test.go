package replica

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot/internal/natstest"
)

// kvTestJS starts a single JetStream node inside the test process (loopback,
// a random port, storage in t.TempDir()) and returns a client of it. The
// claims and lease tests need nothing more; the three-node cluster is the
// replica tests' business.
func kvTestJS(t *testing.T) jetstream.JetStream { return natstest.Single(t).JetStream(t) }

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
