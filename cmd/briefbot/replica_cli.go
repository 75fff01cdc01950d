package main

import (
	"context"
	"log/slog"

	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/metrics"
)

// openWriter opens the index in dir for a write from the command line
// while no serve holds it. On a replica's host (BRIEFBOT_NATS_URL set, as
// for its serve) the write must still go to the log, or this index would
// hold articles the other replicas never get, and the log would later
// disagree with it: the command then runs as the replica for its
// duration (same name, same durable consumer; serve is not running),
// catches up with the log, and writes through it. close releases all.
func (a *app) openWriter(ctx context.Context, dir string) (w articleWriter, close func(), err error) {
	nc, err := loadNATSConfig(a.getenv)
	if err != nil {
		return nil, nil, err
	}
	ix, err := index.Open(dir, index.Options{})
	if err != nil {
		return nil, nil, err
	}
	if !nc.enabled() {
		return ix, func() { ix.Close() }, nil
	}
	log := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := joinDeployment(ctx, nc, ix, metrics.New(nil), log)
	if err != nil {
		ix.Close()
		return nil, nil, err
	}
	close = func() { d.close(); ix.Close() }
	if err := d.catchUp(ctx); err != nil {
		close()
		return nil, nil, err
	}
	return d.writer(), close, nil
}
