package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot/feeds"
	"github.com/briefbot/briefbot/replica"
)

// The feeds' polling state among replicas. Only the holder of the feeds
// lease polls, and its subscriptions file keeps each feed's state: ETag,
// when it is next due, its backoff, last success and error, the items seen
// and the week's count. The holder puts each state that changed in the
// feedStateBucket, and every other replica writes what the bucket holds
// into its own file. So `/feeds list` and `feeds list` say the same on
// every replica, and a replica that takes the lease over goes on where the
// last holder stopped (no item fetched or ingested again, backoffs kept)
// instead of starting every feed afresh.

// feedStateBucket holds one key per subscription (feedKey), its value the
// feed's feeds.State in JSON.
const feedStateBucket = "briefbot_feed_state"

// feedStateSync shares one replica's polling states through the bucket.
type feedStateSync struct {
	kv   jetstream.KeyValue
	file string      // the subscriptions file
	held func() bool // whether this replica polls (holds the feeds lease)

	mu     sync.Mutex
	remote map[string][]byte // the bucket, as watched
	sent   map[string][]byte // what this replica put last, by key (watch's goroutine only)
}

func newFeedStateSync(ctx context.Context, js jetstream.JetStream, replicas int, file string, held func() bool) (*feedStateSync, error) {
	kv, err := replica.OpenBucket(ctx, js, feedStateBucket, replicas)
	if err != nil {
		return nil, err
	}
	return &feedStateSync{kv: kv, file: file, held: held, remote: map[string][]byte{}, sent: map[string][]byte{}}, nil
}

// watch follows the bucket and, once it has been read whole, after each
// change and every feedSyncEvery, puts this replica's states (holder) or
// takes the bucket's (the others).
func (s *feedStateSync) watch(ctx context.Context) error {
	return watchAndSync(ctx, s.kv, feedStateBucket, s.see, func(ctx context.Context) error {
		if s.held() {
			return s.publish(ctx)
		}
		return s.take(ctx)
	})
}

// see records one entry of the bucket.
func (s *feedStateSync) see(e jetstream.KeyValueEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(s.remote, e.Key())
		return
	}
	s.remote[e.Key()] = e.Value()
}

func (s *feedStateSync) remoteCopy() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.remote)
}

// publish puts the state of each feed of the file that differs from the
// bucket's, and deletes the states of feeds the file no longer has.
func (s *feedStateSync) publish(ctx context.Context) error {
	l, err := feeds.Load(s.file)
	if err != nil {
		return err
	}
	remote := s.remoteCopy()
	have := map[string]bool{}
	var errs []error
	for _, sub := range l.Feeds {
		k := feedKey(sub.URL, sub.Space)
		have[k] = true
		b, err := json.Marshal(sub.State)
		if err != nil {
			return fmt.Errorf("feed state of %s: %w", sub.URL, err)
		}
		if bytes.Equal(b, remote[k]) || bytes.Equal(b, s.sent[k]) {
			continue
		}
		if _, err := s.kv.Put(ctx, k, b); err != nil {
			errs = append(errs, fmt.Errorf("sharing the polling state of %s: %w", sub.URL, err))
			continue
		}
		s.sent[k] = b
	}
	for k := range remote {
		if have[k] {
			continue
		}
		if err := s.kv.Delete(ctx, k); err != nil {
			errs = append(errs, fmt.Errorf("removing a shared polling state: %w", err))
		}
		delete(s.sent, k)
	}
	return errors.Join(errs...)
}

// take writes the bucket's states into the file, for the feeds it has;
// the file is rewritten only when one differs.
func (s *feedStateSync) take(ctx context.Context) error {
	remote := s.remoteCopy()
	l, err := feeds.Load(s.file)
	if err != nil {
		return err
	}
	if !takeStates(&l, remote) {
		return nil
	}
	clear(s.sent) // the holder's now: put again if this replica holds the lease later
	return feeds.Update(ctx, s.file, func(l *feeds.List) error {
		takeStates(l, remote)
		return nil
	})
}

// takeStates sets the state of each feed of l that remote holds a
// different one for, and reports whether any changed. A state this
// version cannot read is left alone.
func takeStates(l *feeds.List, remote map[string][]byte) bool {
	changed := false
	for i, sub := range l.Feeds {
		b, ok := remote[feedKey(sub.URL, sub.Space)]
		if !ok {
			continue
		}
		if mine, err := json.Marshal(sub.State); err == nil && bytes.Equal(mine, b) {
			continue
		}
		var st feeds.State
		if json.Unmarshal(b, &st) != nil {
			continue
		}
		l.Feeds[i].State = st
		changed = true
	}
	return changed
}
