package main

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot/bot"
	"github.com/briefbot/briefbot/internal/atomicfile"
	"github.com/briefbot/briefbot/replica"
)

// Slash-command registration among replicas. bot.Serve registers the
// commands when their definitions differ from those its state file (one
// per replica, next to its index) remembers; alone, every replica would
// register every new version. Instead, before bot.Serve, a replica takes
// the "register" lease, registers unless the deployment already has these
// definitions (the commandsBucket says which it has), records them there,
// and writes its own state file either way, so that bot.Serve finds
// nothing to do. Discord gets one bulk overwrite per version.

// commandsBucket holds, under commandsKey, the hash (bot.CommandsHash) of
// the command definitions last registered by any replica.
const (
	commandsBucket = "briefbot_commands"
	commandsKey    = "registered"
)

// registerWait bounds how long a replica waits for the register lease
// before leaving registration to bot.Serve (one extra overwrite, harmless:
// it replaces the list with the same list).
var registerWait = 2*registerLeaseTTL + 10*time.Second

// registerCommands registers the commands for the deployment, once per
// version of their definitions. Failures are logged: bot.Serve then
// registers as a single instance would (and reports a rejected token).
func (d *replicaRun) registerCommands(ctx context.Context, cfg bot.ServeConfig) {
	if cfg.StateDir == "" {
		return
	}
	if err := d.registerOnce(ctx, cfg); err != nil && ctx.Err() == nil {
		d.log.Warn("registering the commands for the replicas; serve registers them itself", "err", err)
	}
}

func (d *replicaRun) registerOnce(ctx context.Context, cfg bot.ServeConfig) error {
	hash, err := bot.CommandsHash(cfg.AppID, cfg.GuildID, bot.Commands())
	if err != nil {
		return err
	}
	js := d.node.JetStream()
	kv, err := replica.OpenBucket(ctx, js, commandsBucket, d.cfg.replicas)
	if err != nil {
		return err
	}
	lease, err := replica.NewLease(ctx, js, registerLease, d.cfg.name, registerLeaseTTL, replica.KVReplicas(d.cfg.replicas))
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, registerWait)
	defer cancel()
	for {
		if registered(wctx, kv) == hash {
			return markRegistered(cfg, hash)
		}
		held, err := lease.Try(wctx)
		if held {
			defer releaseLease(ctx, lease)
			return d.registerHeld(wctx, cfg, kv, hash)
		}
		if err != nil {
			d.log.Warn("register lease", "err", err)
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("another replica held the register lease for %s", registerWait)
		case <-time.After(registerLeaseTTL / 10):
		}
	}
}

// registerHeld registers under the lease, unless a replica did it just
// before it was taken.
func (d *replicaRun) registerHeld(ctx context.Context, cfg bot.ServeConfig, kv jetstream.KeyValue, hash string) error {
	if registered(ctx, kv) == hash {
		return markRegistered(cfg, hash)
	}
	s, err := bot.NewSession(cfg.Token, cfg.APIBase)
	if err != nil {
		return err
	}
	if _, err := bot.Register(ctx, s, cfg.AppID, cfg.GuildID, bot.RegisterStatePath(cfg.StateDir), true); err != nil {
		return err
	}
	d.log.Info("registered commands for the replicas (definitions changed)", "guild", cfg.GuildID)
	if _, err := kv.Put(ctx, commandsKey, []byte(hash)); err != nil {
		return fmt.Errorf("registered, but recording it for the other replicas failed: %w", err)
	}
	return nil
}

// registered is the hash the deployment last registered, "" when none or
// unreadable (which costs a registration, no more).
func registered(ctx context.Context, kv jetstream.KeyValue) string {
	e, err := kv.Get(ctx, commandsKey)
	if err != nil {
		return ""
	}
	return string(e.Value())
}

// markRegistered writes this replica's registration state file as
// bot.Register would after registering these definitions: the same fields
// (bot's registerState), so that bot.Serve sees them as registered.
func markRegistered(cfg bot.ServeConfig, hash string) error {
	st := struct {
		Hash         string    `json:"hash"`
		AppID        string    `json:"app_id"`
		GuildID      string    `json:"guild_id,omitempty"`
		RegisteredAt time.Time `json:"registered_at"`
	}{hash, cfg.AppID, cfg.GuildID, time.Now().UTC()}
	if err := atomicfile.WriteJSON(bot.RegisterStatePath(cfg.StateDir), st); err != nil {
		return fmt.Errorf("remembering the registration: %w", err)
	}
	return nil
}

func releaseLease(ctx context.Context, l *replica.Lease) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = l.Release(rctx)
}
