package replica

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

const testTTL = time.Minute

func newTestLeases(t *testing.T, n int, clock *testClock) []*Lease {
	t.Helper()
	js := kvTestJS(t)
	out := make([]*Lease, n)
	for i := range out {
		l, err := NewLease(testCtx(t), js, "feeds", fmt.Sprintf("replica-%d", i), testTTL, KVClock(clock.Now))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = l
	}
	return out
}

func holders(ls []*Lease) []int {
	var out []int
	for i, l := range ls {
		if l.Held() {
			out = append(out, i)
		}
	}
	return out
}

func try(t *testing.T, l *Lease) bool {
	t.Helper()
	ok, err := l.Try(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// The holder that stops renewing loses the lease to the other, which gets
// it only after the holder's own count has run out.
func TestLeaseTakenOverAfterTTL(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	ls := newTestLeases(t, 2, clock)
	a, b := ls[0], ls[1]
	if !try(t, a) || try(t, b) {
		t.Fatalf("first round: a %v b %v, want a only", a.Held(), b.Held())
	}
	// a renews; b keeps seeing a new revision, so a never goes stale.
	for range 5 {
		clock.Advance(testTTL / 3)
		if !try(t, a) || try(t, b) {
			t.Fatalf("while a renews: holders %v, want [0]", holders(ls))
		}
	}
	// a stops renewing. b takes over, and only once a no longer holds.
	tookAt, lostAt := -1, -1
	for step := range 12 {
		clock.Advance(testTTL / 8)
		if lostAt < 0 && !a.Held() {
			lostAt = step
		}
		if try(t, b) && tookAt < 0 {
			tookAt = step
		}
		if h := holders(ls); len(h) > 1 {
			t.Fatalf("step %d: both hold the lease", step)
		}
	}
	if tookAt < 0 || lostAt < 0 || tookAt < lostAt {
		t.Fatalf("a lost it at step %d, b took it at step %d; want a loss, then b", lostAt, tookAt)
	}
	// a comes back: it does not get the lease back while b renews.
	if try(t, a) {
		t.Fatal("a took the lease back from a live b")
	}
	// b releases: a gets it at once.
	if err := b.Release(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if b.Held() || !try(t, a) {
		t.Fatalf("after b's release: holders %v, want [0]", holders(ls))
	}
}

// Three holders renewing or not at random, the clock moving at random:
// never two holders at one instant, and the lease never stays free for long.
func TestLeaseNeverTwoHolders(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	ls := newTestLeases(t, 3, clock)
	rng := rand.New(rand.NewPCG(1, 2))
	free := 0
	changes := 0
	last := -1
	for step := range 400 {
		clock.Advance(time.Duration(rng.Int64N(int64(testTTL / 2))))
		for i, l := range ls {
			if rng.IntN(2) == 0 { // half the time a holder misses its turn
				try(t, l)
			}
			if h := holders(ls); len(h) > 1 {
				t.Fatalf("step %d after holder %d: holders %v", step, i, h)
			}
		}
		h := holders(ls)
		if len(h) == 0 {
			free++
			continue
		}
		if h[0] != last {
			changes++
			last = h[0]
		}
	}
	if free > 200 || changes < 2 {
		t.Errorf("the lease was free %d of 400 steps and changed hands %d times", free, changes)
	}
}

// Run with a short real ttl: one of two runners holds it; when it stops
// (releasing), the other one takes it; WhileHeld runs the job on the
// holder only.
func TestLeaseRunAndWhileHeld(t *testing.T) {
	t.Parallel()
	js := kvTestJS(t)
	const ttl = 400 * time.Millisecond
	var running atomic.Int32
	var overlap atomic.Bool
	var ran [2]atomic.Int32
	ctxs := make([]context.CancelFunc, 2)
	ls := make([]*Lease, 2)
	done := make([]chan struct{}, 2)
	for i := range ls {
		l, err := NewLease(testCtx(t), js, "register", fmt.Sprintf("replica-%d", i), ttl)
		if err != nil {
			t.Fatal(err)
		}
		ls[i] = l
		ctx, cancel := context.WithCancel(context.Background())
		ctxs[i], done[i] = cancel, make(chan struct{})
		go l.Run(ctx)
		go func() {
			defer close(done[i])
			l.WhileHeld(ctx, func(ctx context.Context) {
				if running.Add(1) > 1 {
					overlap.Store(true)
				}
				ran[i].Add(1)
				<-ctx.Done()
				running.Add(-1)
			})
		}()
	}
	waitFor(t, "a holder", func() bool { return len(holders(ls)) == 1 })
	first := holders(ls)[0]
	waitFor(t, "the job on the holder", func() bool { return ran[first].Load() == 1 })
	ctxs[first]()
	<-done[first]
	other := 1 - first
	waitFor(t, "the other holder", func() bool { return ls[other].Held() && ran[other].Load() == 1 })
	ctxs[other]()
	<-done[other]
	if overlap.Load() {
		t.Error("the job ran on both replicas at once")
	}
}

// waitFor polls cond; the bound only stops a hung test, it measures nothing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 20 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
