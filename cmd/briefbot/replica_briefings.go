package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot/bot"
	"github.com/briefbot/briefbot/replica"
)

// The servers' daily briefing settings (/briefing set, off) among
// replicas. Every replica keeps its store and settings file, as a single
// instance does; a change goes to the briefingsBucket first (briefingSync,
// the store's bot.BriefingSync), and every replica, the one that made it
// included, applies what the bucket's watch brings, by revision. "Off" is
// a put of an empty setting, not a delete, so that a replica started after
// it still learns of it. The scheduler's state (last post, refusals) stays
// per replica; the post claims decide who posts.

// briefingsBucket holds one key per server id, its value a
// bot.BriefingSetting in JSON (Channel "" = off).
const briefingsBucket = "briefbot_briefings"

// briefingsLoadWait bounds how long serve waits, at start, for the bucket
// to be read whole before answering: past it, /briefing show may miss a
// setting until the watch catches up.
var briefingsLoadWait = 10 * time.Second

// briefingSync shares one replica's store through the bucket.
type briefingSync struct {
	kv     jetstream.KeyValue
	store  *bot.BriefingStore
	log    *slog.Logger
	loaded chan struct{} // closed once the bucket has been read whole
}

func newBriefingSync(ctx context.Context, js jetstream.JetStream, replicas int, store *bot.BriefingStore, log *slog.Logger) (*briefingSync, error) {
	kv, err := replica.OpenBucket(ctx, js, briefingsBucket, replicas)
	if err != nil {
		return nil, err
	}
	s := &briefingSync{kv: kv, store: store, log: log, loaded: make(chan struct{})}
	store.Share(s)
	return s, nil
}

// Publish puts guild's setting in the bucket (bot.BriefingSync).
func (s *briefingSync) Publish(ctx context.Context, guild string, b bot.BriefingSetting) (uint64, error) {
	v, err := json.Marshal(b)
	if err != nil {
		return 0, err
	}
	rev, err := s.kv.Put(ctx, guild, v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", briefingsBucket, err)
	}
	return rev, nil
}

// watch follows the bucket until ctx ends. Started again after a failure
// (keepWatching), it reads the bucket whole again: the store passes over
// the revisions it has.
func (s *briefingSync) watch(ctx context.Context) error {
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watching %s: %w", briefingsBucket, err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("the bucket watch ended")
			}
			if e == nil { // read whole
				s.offerUnshared(ctx)
				s.markLoaded()
				continue
			}
			s.apply(e)
		}
	}
}

func (s *briefingSync) markLoaded() {
	select {
	case <-s.loaded:
	default:
		close(s.loaded)
	}
}

// apply gives the store one entry of the bucket. An entry this version
// cannot read is logged and left alone.
func (s *briefingSync) apply(e jetstream.KeyValueEntry) {
	var b bot.BriefingSetting
	if e.Operation() == jetstream.KeyValuePut {
		if err := json.Unmarshal(e.Value(), &b); err != nil {
			s.log.Warn("unreadable shared briefing setting; passed over", "server", e.Key(), "err", err)
			return
		}
	} // a delete or purge (by hand): off
	if err := s.store.ApplyShared(e.Key(), b, e.Revision()); err != nil {
		s.log.Warn("applying a shared briefing setting", "server", e.Key(), "err", err)
	}
}

// offerUnshared puts in the bucket the settings this replica held before
// it shared them (a single instance turned replica), unless the bucket has
// one for that server already: the deployment's wins.
func (s *briefingSync) offerUnshared(ctx context.Context) {
	for guild, b := range s.store.Unshared() {
		v, err := json.Marshal(b)
		if err != nil {
			continue
		}
		rev, err := s.kv.Create(ctx, guild, v)
		switch {
		case errors.Is(err, jetstream.ErrKeyExists):
		case err != nil:
			s.log.Warn("sharing this replica's briefing setting; tried again on the next watch", "server", guild, "err", err)
		default:
			if err := s.store.ApplyShared(guild, b, rev); err != nil {
				s.log.Warn("applying a shared briefing setting", "server", guild, "err", err)
			}
		}
	}
}

// shareBriefings opens the briefing settings in stateDir, shared with the
// other replicas in the background until the replica is closed. It waits
// (up to briefingsLoadWait) until the bucket has been read, so that the
// first /briefing show already knows the deployment's settings.
func (d *replicaRun) shareBriefings(ctx context.Context, stateDir string) (*bot.BriefingStore, error) {
	store, err := bot.NewBriefingStore(stateDir)
	if err != nil {
		return nil, err
	}
	s, err := newBriefingSync(ctx, d.node.JetStream(), d.cfg.replicas, store, d.log)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	d.bg.run(func(ctx context.Context) { keepWatching(ctx, s.log, "the briefing settings", s.watch) })
	select {
	case <-s.loaded:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(briefingsLoadWait):
		d.log.Warn("the shared briefing settings are not read yet; serving meanwhile", "bucket", briefingsBucket)
	}
	return store, nil
}
