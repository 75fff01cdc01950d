package main

import (
	"context"
	"io"
	"log/slog"
	"sync"

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
	// NATS calls its connection callbacks (which log) asynchronously, also
	// after Close: nothing is written to stderr once the command is done.
	out := &untilClosed{w: a.stderr}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := joinDeployment(ctx, nc, ix, metrics.New(nil), log)
	if err != nil {
		out.close()
		ix.Close()
		return nil, nil, err
	}
	close = func() { d.close(); ix.Close(); out.close() }
	if err := d.catchUp(ctx); err != nil {
		close()
		return nil, nil, err
	}
	return d.writer(), close, nil
}

// untilClosed writes to w until close is called, then drops what comes.
type untilClosed struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (u *untilClosed) Write(p []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return len(p), nil
	}
	return u.w.Write(p)
}

func (u *untilClosed) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
}
