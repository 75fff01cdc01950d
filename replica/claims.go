package replica

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ClaimsBucket is the key-value bucket of the daily-post claims.
const ClaimsBucket = "briefbot_claims"

// claimsKeep is how long a claim stays in the bucket (its TTL): long enough
// that a day's claim outlives the day in every zone, short enough that the
// bucket holds a week of servers, not every day since the first.
const claimsKeep = 7 * 24 * time.Hour

// casAttempts bounds the read-then-compare-and-set rounds of one call: a
// conflict means another replica wrote the key in between, which is
// re-read; losing that many rounds in a row is reported as not granted.
const casAttempts = 3

// KVOption adjusts a Claims or a Lease.
type KVOption func(*kvOptions)

type kvOptions struct {
	bucket   string
	replicas int
	now      func() time.Time
}

// KVReplicas sets the bucket's replica count (1 on a single NATS node, 3 on
// a three-node cluster so that a node loss keeps it).
func KVReplicas(n int) KVOption { return func(o *kvOptions) { o.replicas = n } }

// KVClock replaces the clock that times staleness and expiry (tests drive a
// fake one). It must be monotonic in the way time.Now is: every comparison
// is between two readings of this one process's clock, never another
// replica's, so clock skew between hosts does not matter.
func KVClock(now func() time.Time) KVOption { return func(o *kvOptions) { o.now = now } }

func applyKVOptions(bucket string, opts []KVOption) kvOptions {
	o := kvOptions{bucket: bucket, replicas: 1, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// OpenBucket creates or updates a bucket of the deployment that keeps
// each key's latest value for good (settings, subscriptions, votes), in
// replicas copies (at least one).
func OpenBucket(ctx context.Context, js jetstream.JetStream, bucket string, replicas int) (jetstream.KeyValue, error) {
	return openBucket(ctx, js, kvOptions{bucket: bucket, replicas: replicas}, 0)
}

// openBucket creates or updates the bucket (one revision per key: a claim or
// a lease only ever needs its latest state).
func openBucket(ctx context.Context, js jetstream.JetStream, o kvOptions, ttl time.Duration) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   o.bucket,
		History:  1,
		TTL:      ttl,
		Storage:  jetstream.FileStorage,
		Replicas: max(o.replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("key-value bucket %s: %w", o.bucket, err)
	}
	return kv, nil
}

// newToken names one process's claims and leases: two processes started
// with the same holder name (a restart, or a configuration mistake) are
// still two holders.
func newToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sighting is the revision of a key another holder wrote, as first seen by
// this process, and when: a holder is stale once its revision has stood
// unchanged for the timeout on this process's own clock.
type sighting struct {
	rev   uint64
	since time.Time
}

// claimRecord is a claim's value in the bucket (JSON, readable with
// `nats kv get`).
type claimRecord struct {
	Holder    string    `json:"holder"`
	Token     string    `json:"token"`
	Nonce     string    `json:"nonce"`
	At        time.Time `json:"at"` // the holder's clock: for people, never compared
	Done      bool      `json:"done,omitempty"`
	Outcome   string    `json:"outcome,omitempty"`
	Takeovers int       `json:"takeovers,omitempty"`
}

// ClaimResult is the answer to a claim.
type ClaimResult struct {
	// Granted: this replica does the work.
	Granted bool
	// PrevNonce, when granted over an earlier unfinished claim (a holder
	// that died or stalled, or this process's own earlier attempt), is the
	// nonce that attempt posted with: look for it in the channel before
	// posting again.
	PrevNonce string
	// Done: the key was already settled (by this replica or another), with
	// Outcome as recorded by Done.
	Done    bool
	Outcome string
	// Holder is who holds or settled the key when not granted.
	Holder string
}

// Claims makes one replica of many do each piece of work (the daily post
// of a server and day) by creating its key in a key-value bucket: the
// create succeeds for one replica only. A claim that is not marked done
// within the stale timeout, as seen by the replica asking, is taken over by
// compare-and-set, which again only one replica wins. A done claim is never
// taken over. Safe for concurrent use.
type Claims struct {
	kv     jetstream.KeyValue
	holder string
	token  string
	stale  time.Duration
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]sighting
}

// NewClaims opens (creating it if needed) the claims bucket with the given
// replica count. holder names this replica in the records (for people);
// stale is how long another holder's unfinished claim must stand unchanged,
// as seen from here, before this replica takes it over: longer than a post
// can take, Discord's retries included.
func NewClaims(ctx context.Context, js jetstream.JetStream, holder string, replicas int, stale time.Duration, opts ...KVOption) (*Claims, error) {
	if stale <= 0 {
		return nil, errors.New("claims: the stale timeout must be positive")
	}
	o := applyKVOptions(ClaimsBucket, append([]KVOption{KVReplicas(replicas)}, opts...))
	kv, err := openBucket(ctx, js, o, claimsKeep)
	if err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	return &Claims{kv: kv, holder: holder, token: newToken(), stale: stale, now: o.now, seen: map[string]sighting{}}, nil
}

// Claim asks for key, recording nonce as the one this attempt will post
// with. An error (NATS unreachable) grants nothing: the caller retries
// later rather than risk a second post.
func (c *Claims) Claim(ctx context.Context, key, nonce string) (ClaimResult, error) {
	for range casAttempts {
		res, again, err := c.try(ctx, key, nonce)
		if !again {
			return res, err
		}
	}
	return ClaimResult{}, nil
}

// try is one round of Claim; again reports a lost compare-and-set race.
func (c *Claims) try(ctx context.Context, key, nonce string) (res ClaimResult, again bool, err error) {
	e, err := c.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		_, err := c.kv.Create(ctx, key, c.record(nonce, claimRecord{}))
		switch {
		case errors.Is(err, jetstream.ErrKeyExists):
			return ClaimResult{}, true, nil
		case err != nil:
			return ClaimResult{}, false, fmt.Errorf("claiming %s: %w", key, err)
		}
		c.forget(key)
		return ClaimResult{Granted: true}, false, nil
	}
	if err != nil {
		return ClaimResult{}, false, fmt.Errorf("reading the claim %s: %w", key, err)
	}
	var old claimRecord
	if err := json.Unmarshal(e.Value(), &old); err != nil {
		return ClaimResult{}, false, fmt.Errorf("the claim %s is not a claim record: %w", key, err)
	}
	switch {
	case old.Done:
		c.forget(key)
		return ClaimResult{Done: true, Outcome: old.Outcome, Holder: old.Holder}, false, nil
	case old.Token != c.token && !c.staleAt(key, e.Revision()):
		return ClaimResult{Holder: old.Holder}, false, nil
	}
	// Ours from an earlier attempt, or stale: take it over, telling the
	// caller which nonce the earlier attempt used.
	rec := c.record(nonce, old)
	_, err = c.kv.Update(ctx, key, rec, e.Revision())
	switch {
	case errors.Is(err, jetstream.ErrKeyRevisionMismatch):
		return ClaimResult{}, true, nil
	case err != nil:
		return ClaimResult{}, false, fmt.Errorf("taking over the claim %s: %w", key, err)
	}
	c.forget(key)
	return ClaimResult{Granted: true, PrevNonce: old.Nonce, Holder: old.Holder}, false, nil
}

// record is the JSON of this replica's claim with nonce, counting a
// takeover of old when old had a holder.
func (c *Claims) record(nonce string, old claimRecord) []byte {
	r := claimRecord{Holder: c.holder, Token: c.token, Nonce: nonce, At: c.now().UTC(), Takeovers: old.Takeovers}
	if old.Token != "" && old.Token != c.token {
		r.Takeovers++
	}
	b, _ := json.Marshal(r)
	return b
}

// staleAt reports whether key's revision rev has stood unchanged for the
// stale timeout since this process first saw it.
func (c *Claims) staleAt(key string, rev uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for k, s := range c.seen {
		// A key that vanished (the bucket's TTL) is never asked about
		// again: drop what was seen of it.
		if now.Sub(s.since) > claimsKeep {
			delete(c.seen, k)
		}
	}
	s, ok := c.seen[key]
	if !ok || s.rev != rev {
		c.seen[key] = sighting{rev: rev, since: now}
		return false
	}
	return now.Sub(s.since) >= c.stale
}

func (c *Claims) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.seen, key)
}

// Done settles key with outcome (e.g. "posted", "failed"): it is never
// taken over again, and every replica that claims it learns the outcome.
func (c *Claims) Done(ctx context.Context, key, outcome string) error {
	for range casAttempts {
		rec := claimRecord{Holder: c.holder, Token: c.token, At: c.now().UTC(), Done: true, Outcome: outcome}
		e, err := c.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			b, _ := json.Marshal(rec)
			if _, err = c.kv.Create(ctx, key, b); errors.Is(err, jetstream.ErrKeyExists) {
				continue
			}
			return wrapDone(key, err)
		}
		if err != nil {
			return wrapDone(key, err)
		}
		var old claimRecord
		if json.Unmarshal(e.Value(), &old) == nil {
			if old.Done {
				return nil
			}
			rec.Nonce, rec.Takeovers = old.Nonce, old.Takeovers
		}
		b, _ := json.Marshal(rec)
		if _, err = c.kv.Update(ctx, key, b, e.Revision()); errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		c.forget(key)
		return wrapDone(key, err)
	}
	return fmt.Errorf("marking the claim %s done: it kept changing under us", key)
}

func wrapDone(key string, err error) error {
	if err != nil {
		return fmt.Errorf("marking the claim %s done: %w", key, err)
	}
	return nil
}
