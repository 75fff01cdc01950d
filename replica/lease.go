package replica

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// LeasesBucket is the key-value bucket of the leases.
const LeasesBucket = "briefbot_leases"

// leaseRecord is a lease's value in the bucket.
type leaseRecord struct {
	Holder string    `json:"holder"`
	Token  string    `json:"token"`
	At     time.Time `json:"at"` // the holder's clock at the last renewal: for people, never compared
}

// Lease makes one replica at a time do a standing job (registering the
// commands, polling the feeds). The holder renews it by compare-and-set on
// its key; another replica takes it over once it has seen the key unchanged
// for the ttl on its own clock, so clock skew between hosts does not matter.
//
// Never two holders: the holder counts its lease from before the write that
// renewed it and holds it for three quarters of the ttl; a taker counts the
// ttl from after it read that write. Safe for concurrent use.
type Lease struct {
	kv     jetstream.KeyValue
	name   string
	holder string
	token  string
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	rev   uint64    // our revision of the key while we hold it, else 0
	until time.Time // Held until then
	seen  sighting  // another holder's revision, as first seen
}

// NewLease opens (creating it if needed) the leases bucket and returns the
// lease called name for holder (for people; each process is its own holder
// whatever the name). Nothing is acquired until Try or Run.
func NewLease(ctx context.Context, js jetstream.JetStream, name, holder string, ttl time.Duration, opts ...KVOption) (*Lease, error) {
	if ttl <= 0 {
		return nil, errors.New("lease: the ttl must be positive")
	}
	o := applyKVOptions(LeasesBucket, opts)
	kv, err := openBucket(ctx, js, o, 0)
	if err != nil {
		return nil, fmt.Errorf("lease %s: %w", name, err)
	}
	return &Lease{kv: kv, name: name, holder: holder, token: newToken(), ttl: ttl, now: o.now}, nil
}

// Held reports whether this process holds the lease now.
func (l *Lease) Held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rev != 0 && l.now().Before(l.until)
}

// Try acquires the lease when it is free or stale, or renews it when held;
// it reports whether this process holds it afterwards. An error leaves the
// lease as it was (held until it runs out).
func (l *Lease) Try(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := l.now()
	rec, _ := json.Marshal(leaseRecord{Holder: l.holder, Token: l.token, At: start.UTC()})
	e, err := l.kv.Get(ctx, l.name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		rev, err := l.kv.Create(ctx, l.name, rec)
		return l.settle(start, rev, err, jetstream.ErrKeyExists)
	}
	if err != nil {
		return l.heldLocked(), fmt.Errorf("lease %s: reading: %w", l.name, err)
	}
	var old leaseRecord
	_ = json.Unmarshal(e.Value(), &old) // unreadable: another holder's, stale in time
	if old.Token != l.token {
		l.rev = 0
		if l.seen.rev != e.Revision() {
			l.seen = sighting{rev: e.Revision(), since: start}
			return false, nil
		}
		if start.Sub(l.seen.since) < l.ttl {
			return false, nil
		}
	}
	rev, err := l.kv.Update(ctx, l.name, rec, e.Revision())
	return l.settle(start, rev, err, jetstream.ErrKeyRevisionMismatch)
}

// settle records the outcome of a create or update started at start; lost
// is the error of a lost race.
func (l *Lease) settle(start time.Time, rev uint64, err, lost error) (bool, error) {
	switch {
	case errors.Is(err, lost):
		l.rev = 0
		return false, nil
	case err != nil:
		return l.heldLocked(), fmt.Errorf("lease %s: writing: %w", l.name, err)
	}
	l.rev, l.until, l.seen = rev, start.Add(l.ttl*3/4), sighting{}
	return true, nil
}

func (l *Lease) heldLocked() bool { return l.rev != 0 && l.now().Before(l.until) }

// Release gives the lease up at once when this process holds it, so that
// another replica takes it without waiting for the ttl.
func (l *Lease) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rev == 0 {
		return nil
	}
	rev := l.rev
	l.rev = 0
	err := l.kv.Delete(ctx, l.name, jetstream.LastRevision(rev))
	if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("lease %s: releasing: %w", l.name, err)
	}
	return nil
}

// Run tries and renews the lease every third of the ttl until ctx ends,
// then releases it. Errors (NATS unreachable) are retried; the lease runs
// out meanwhile, as it must.
func (l *Lease) Run(ctx context.Context) {
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		_, _ = l.Try(ctx)
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_ = l.Release(rctx)
			cancel()
			return
		case <-t.C:
		}
	}
}

// WhileHeld runs fn whenever this process holds the lease, with a context
// that ends when the lease is lost (checked every eighth of the ttl, within
// the quarter the holder keeps in hand) or ctx ends; it returns when ctx
// ends. Run must be running for the lease to be acquired.
func (l *Lease) WhileHeld(ctx context.Context, fn func(context.Context)) {
	t := time.NewTicker(l.ttl / 8)
	defer t.Stop()
	for {
		if l.Held() {
			fctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); fn(fctx) }()
		wait:
			for l.Held() {
				select {
				case <-ctx.Done():
					break wait
				case <-done:
					break wait // fn ended on its own: run again next tick if still held
				case <-t.C:
				}
			}
			cancel()
			<-done
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
