package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/feeds"
	"github.com/briefbot/briefbot/internal/atomicfile"
	"github.com/briefbot/briefbot/replica"
)

// Feed subscriptions among replicas. Each replica keeps its subscriptions
// file (the poller's list, with each feed's polling state), written by
// `briefbot feeds add` on its host and by /feeds on whichever replica the
// balancer sent the command to; only the holder of the feeds lease polls,
// its own file. So the subscriptions themselves (not the polling state)
// are shared through the feedsBucket, and each replica merges its file
// with the bucket every feedSyncEvery and whenever the bucket changes: a
// three-way merge against the keys both held at the last merge (kept in
// a file beside the subscriptions), so that a removal on one side is told
// from an addition on the other.

// feedsBucket holds one key per subscription (feedKey), its value a
// sharedFeed.
const feedsBucket = "briefbot_feeds"

// feedSyncEvery is how often the file is merged with the bucket when the
// bucket does not change: local edits reach the others within it.
var feedSyncEvery = 5 * time.Second

// sharedFeed is a subscription as shared: what to poll, not how it went.
type sharedFeed struct {
	URL   string         `json:"url"`
	Space string         `json:"space,omitempty"`
	Every feeds.Interval `json:"every"`
	Added time.Time      `json:"added"`
}

// feedKey is a subscription's key in the bucket: a hash, as URLs hold
// characters keys may not.
func feedKey(url, space string) string {
	sum := sha256.Sum256([]byte(space + "\n" + url))
	return hex.EncodeToString(sum[:16])
}

// feedSync merges one replica's subscriptions file with the bucket.
type feedSync struct {
	kv     jetstream.KeyValue
	file   string // the subscriptions file
	synced string // the keys held on both sides at the last merge

	mu     sync.Mutex
	remote map[string]sharedFeed // the bucket, as watched
}

func newFeedSync(ctx context.Context, js jetstream.JetStream, replicas int, file string) (*feedSync, error) {
	kv, err := replica.OpenBucket(ctx, js, feedsBucket, replicas)
	if err != nil {
		return nil, err
	}
	return &feedSync{kv: kv, file: file, synced: strings.TrimSuffix(file, ".json") + "-synced.json", remote: map[string]sharedFeed{}}, nil
}

// keepWatching runs watch (a bucket's watch) until ctx ends, starting it
// again after feedSyncEvery when it fails (NATS gone); what names the
// sharing for the log.
func keepWatching(ctx context.Context, log *slog.Logger, what string, watch func(context.Context) error) {
	for ctx.Err() == nil {
		if err := watch(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sharing "+what+" with the other replicas; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(feedSyncEvery):
		}
	}
}

// watch follows the bucket, merging once it has been read whole, after
// each change, and every feedSyncEvery.
func (s *feedSync) watch(ctx context.Context) error {
	return watchAndSync(ctx, s.kv, feedsBucket, s.see, s.merge)
}

// watchAndSync watches bucket kv whole, giving each entry to see, and runs
// sync once the bucket has been read whole, after each change, and every
// feedSyncEvery, until ctx ends or sync fails.
func watchAndSync(ctx context.Context, kv jetstream.KeyValue, bucket string, see func(jetstream.KeyValueEntry), sync func(context.Context) error) error {
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watching %s: %w", bucket, err)
	}
	defer w.Stop()
	tick := time.NewTicker(feedSyncEvery)
	defer tick.Stop()
	loaded := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("the bucket watch ended")
			}
			if e != nil {
				see(e)
			} else {
				loaded = true
			}
			if !loaded {
				continue
			}
		case <-tick.C:
			if !loaded {
				continue
			}
		}
		if err := sync(ctx); err != nil {
			return err
		}
	}
}

// see records one entry of the bucket.
func (s *feedSync) see(e jetstream.KeyValueEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var f sharedFeed
	// An entry this version cannot read, or naming no valid space, is
	// left alone: never added to the file, never removed from the bucket.
	if e.Operation() != jetstream.KeyValuePut || json.Unmarshal(e.Value(), &f) != nil || f.URL == "" ||
		(f.Space != briefbot.SharedSpace && briefbot.CheckServerID(f.Space) != nil) {
		delete(s.remote, e.Key())
		return
	}
	s.remote[e.Key()] = f
}

func (s *feedSync) remoteCopy() map[string]sharedFeed {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.remote)
}

// shareFeeds merges the subscriptions file with the other replicas' in
// the background, until the replica is closed, and shares the polling
// state of the feeds (replica_feedstate.go).
func (d *replicaRun) shareFeeds(ctx context.Context, file string) error {
	s, err := newFeedSync(ctx, d.node.JetStream(), d.cfg.replicas, file)
	if err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	st, err := newFeedStateSync(ctx, d.node.JetStream(), d.cfg.replicas, file, d.feeds.Held)
	if err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	d.bg.run(func(ctx context.Context) { keepWatching(ctx, d.log, "feed subscriptions", s.watch) })
	d.bg.run(func(ctx context.Context) { keepWatching(ctx, d.log, "the feeds' polling state", st.watch) })
	return nil
}

// mergePlan is what one merge does.
type mergePlan struct {
	local   []feeds.Subscription  // the file's new list
	changed bool                  // local differs from the file's
	puts    map[string]sharedFeed // added here: to the bucket
	deletes []string              // removed here: from the bucket
	synced  map[string]bool       // the keys on both sides afterwards
}

// planMerge merges the file's list with the bucket: a subscription on one
// side only is added to the other, unless the last merge (base) saw it on
// both, in which case the side lacking it removed it, and it goes from the
// other side too. The polling state of the feeds kept stays as it is.
func planMerge(local []feeds.Subscription, remote map[string]sharedFeed, base map[string]bool) mergePlan {
	p := mergePlan{puts: map[string]sharedFeed{}, synced: map[string]bool{}}
	here := map[string]bool{}
	for _, f := range local {
		k := feedKey(f.URL, f.Space)
		here[k] = true
		_, there := remote[k]
		switch {
		case there:
			p.synced[k] = true
		case base[k]: // removed by another replica
			p.changed = true
			continue
		default: // added here
			p.puts[k] = sharedFeed{URL: f.URL, Space: f.Space, Every: f.Every, Added: f.Added}
			p.synced[k] = true
		}
		p.local = append(p.local, f)
	}
	for k, f := range remote {
		switch {
		case here[k]:
		case base[k]: // removed here
			p.deletes = append(p.deletes, k)
		default: // added by another replica: due at once here
			p.local = append(p.local, feeds.Subscription{URL: f.URL, Space: f.Space, Every: f.Every, Added: f.Added})
			p.changed = true
			p.synced[k] = true
		}
	}
	return p
}

// merge merges the file with the bucket once (planMerge). The file is
// rewritten only when it changes, under its lock, planned again on what
// it holds then (a `feeds add` may have come in between).
func (s *feedSync) merge(ctx context.Context) error {
	base, err := s.loadSynced()
	if err != nil {
		return err
	}
	remote := s.remoteCopy()
	l, err := feeds.Load(s.file)
	if err != nil {
		return err
	}
	p := planMerge(l.Feeds, remote, base)
	if p.changed {
		err := feeds.Update(ctx, s.file, func(l *feeds.List) error {
			p = planMerge(l.Feeds, remote, base)
			l.Feeds = p.local
			return nil
		})
		if err != nil {
			return err
		}
	}
	var errs []error
	for k, f := range p.puts {
		b, _ := json.Marshal(f)
		if _, err := s.kv.Create(ctx, k, b); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			delete(p.synced, k) // sent again next time
			errs = append(errs, fmt.Errorf("sharing the feed %s: %w", f.URL, err))
		}
	}
	for _, k := range p.deletes {
		if err := s.kv.Delete(ctx, k); err != nil {
			p.synced[k] = true // deleted again next time
			errs = append(errs, fmt.Errorf("removing a shared feed: %w", err))
		}
	}
	if !maps.Equal(p.synced, base) {
		errs = append(errs, s.saveSynced(p.synced))
	}
	return errors.Join(errs...)
}

func (s *feedSync) loadSynced() (map[string]bool, error) {
	var keys []string
	b, err := os.ReadFile(s.synced)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("feeds: %w", err)
	default:
		if err := json.Unmarshal(b, &keys); err != nil {
			// Unreadable: merged as a first time, which adds and never removes.
			keys = nil
		}
	}
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m, nil
}

func (s *feedSync) saveSynced(m map[string]bool) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if err := atomicfile.WriteJSON(s.synced, keys); err != nil {
		return fmt.Errorf("feeds: %w", err)
	}
	return nil
}
