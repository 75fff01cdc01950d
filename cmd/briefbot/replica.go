package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/bot"
	"github.com/briefbot/briefbot/feeds"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/localapi"
	"github.com/briefbot/briefbot/metrics"
	"github.com/briefbot/briefbot/replica"
)

// articleWriter is the one way serve writes articles: the command line's
// ingest through the socket, /ingest url:, /reindex, the corpus watch and
// the feed poller all go through it. It is chosen once, at start: the
// index itself (*index.Index) for a single instance, replicaWriter for a
// replica, whose writes go to the log first and reach every replica's
// index, this one's included, from there.
type articleWriter interface {
	Ingest(ctx context.Context, paths []string, opts index.IngestOptions) (index.IngestReport, error)
	Upsert(ctx context.Context, space string, arts []briefbot.Article) (index.IngestReport, error)
}

// servedIndex is what the command line's socket serves: the index's reads,
// and the writes of the articleWriter serve chose.
type servedIndex interface {
	localapi.Index
	articleWriter
}

// replicaWriter publishes writes to the article log and waits until this
// replica has applied them, so that the report it returns says what the
// write did (and an /ask right after it, here, sees it). Reads go to the
// local index, embedded; only Ingest and Upsert are replaced.
type replicaWriter struct {
	*index.Index
	node *replica.Node
}

// Ingest prepares the ingest against this replica's manifest (unchanged
// files are not sent) and publishes what changed. Prepare's report (what
// reading found: skipped files, warnings, unchanged) is completed with
// what applying did here.
func (w replicaWriter) Ingest(ctx context.Context, paths []string, opts index.IngestOptions) (index.IngestReport, error) {
	seq, rep, err := w.node.Ingest(ctx, w.Index, paths, opts)
	if err != nil {
		return rep, err
	}
	return w.wait(ctx, seq, rep)
}

// Upsert publishes articles built in memory (/ingest url:, feed items).
// The space is checked here: the log's appliers pass over a change to an
// invalid space, which would leave the caller without an error.
func (w replicaWriter) Upsert(ctx context.Context, space string, arts []briefbot.Article) (index.IngestReport, error) {
	if space != briefbot.SharedSpace {
		if err := briefbot.CheckServerID(space); err != nil {
			return index.IngestReport{}, fmt.Errorf("ingest: %w", err)
		}
	}
	if len(arts) == 0 {
		return index.IngestReport{}, nil
	}
	seq, err := w.node.Publish(ctx, index.Change{Space: space, Articles: arts})
	if err != nil {
		return index.IngestReport{}, err
	}
	return w.wait(ctx, seq, index.IngestReport{})
}

// wait adds what applying the publication ending at seq did here to rep.
func (w replicaWriter) wait(ctx context.Context, seq uint64, rep index.IngestReport) (index.IngestReport, error) {
	if seq == 0 { // nothing changed: nothing was sent
		return rep, nil
	}
	applied, err := w.node.WaitApplied(ctx, seq)
	if err != nil {
		return rep, fmt.Errorf("sent to the other replicas, but not yet applied here: %w", err)
	}
	rep.Add(applied)
	return rep, nil
}

// How long the standing jobs' leases last without renewal: a replica that
// dies leaves its job to another after about this long.
var (
	feedsLeaseTTL    = 30 * time.Second
	registerLeaseTTL = 30 * time.Second
)

// Lease names, as they appear in the leases bucket.
const (
	feedsLease    = "feeds"
	registerLease = "register"
)

// replicaRun is this process's part in a deployment of replicas: its node
// on the article log, the background tasks that follow the log and read
// its lag, and the lease on feed polling.
type replicaRun struct {
	cfg   natsConfig
	node  *replica.Node
	ix    *index.Index
	log   *slog.Logger
	lag   *lagWatch
	feeds *replica.Lease
	bg    *background
	once  sync.Once
}

// joinDeployment connects to NATS (creating or updating the article
// stream), and starts following the log into ix and watching the lag.
// Call close before ix is closed.
func joinDeployment(ctx context.Context, cfg natsConfig, ix *index.Index, m *metrics.Metrics, log *slog.Logger) (*replicaRun, error) {
	node, err := replica.Connect(ctx, cfg.replica(), log)
	if err != nil {
		return nil, err
	}
	// An index the log can no longer bring up to date would serve without
	// what was trimmed: refused at start, not found out from answers.
	if err := node.CheckResume(ctx, ix.AppliedSeq()); err != nil {
		node.Close()
		return nil, err
	}
	fl, err := replica.NewLease(ctx, node.JetStream(), feedsLease, cfg.name, feedsLeaseTTL, replica.KVReplicas(cfg.replicas))
	if err != nil {
		node.Close()
		return nil, fmt.Errorf("replica: %w", err)
	}
	// The log is followed until close, not until ctx ends: a write still
	// being answered while serve drains (an /ingest waiting to be applied
	// here) must see its change applied.
	d := &replicaRun{cfg: cfg, node: node, ix: ix, log: log, feeds: fl, bg: newBackground(context.WithoutCancel(ctx)),
		lag: &lagWatch{lag: node.Lag, metrics: m, log: log}}
	warnUnlogged(ctx, ix, log)
	d.bg.run(d.follow)
	d.bg.run(d.lag.run)
	log.Info("serving as a replica", "replica", cfg.describe(), "applied", ix.AppliedSeq())
	return d, nil
}

// warnUnlogged warns when the index holds articles but never applied the
// log: a single instance's index turned replica keeps articles that the
// log, hence every other replica, lacks. Nothing is refused (they may be
// on the log too, and applying it is harmless), but answers may differ.
func warnUnlogged(ctx context.Context, ix *index.Index, log *slog.Logger) {
	if ix.AppliedSeq() != 0 {
		return
	}
	if st, err := ix.Totals(ctx); err == nil && st.Articles > 0 {
		log.Warn("this index holds articles written before it was a replica, which the other replicas lack unless they are on the log too: "+
			"start this replica from an empty index (it rebuilds from the log) and ingest what the log lacks through any replica", "articles", st.Articles)
	}
}

// close stops following the log and closes the connection to NATS.
func (d *replicaRun) close() {
	d.once.Do(func() {
		d.bg.stop()
		d.node.Close()
	})
}

// writer is the articleWriter of this replica.
func (d *replicaRun) writer() replicaWriter { return replicaWriter{Index: d.ix, node: d.node} }

// follow applies the log to the index until ctx ends. Follow itself rides
// out NATS trouble; it returns early only when the index cannot be
// written, which is logged and tried again (slowly): an operator who
// frees the disk should not have to restart the replica.
func (d *replicaRun) follow(ctx context.Context) {
	wait := time.Second
	for {
		err := d.node.Follow(ctx, d.ix)
		if ctx.Err() != nil {
			return
		}
		d.log.Error("replica: cannot apply the article log; retrying", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// catchUp waits until this replica has applied the log as far as it was
// when called: an ingest prepared before that would compare the files
// against an old manifest and send again what the log already holds.
func (d *replicaRun) catchUp(ctx context.Context) error {
	s, err := d.node.JetStream().Stream(ctx, replica.StreamName)
	if err != nil {
		return fmt.Errorf("replica: stream %s: %w", replica.StreamName, err)
	}
	last := s.CachedInfo().State.LastSeq
	if d.ix.AppliedSeq() < last {
		d.log.Info("replica: catching up with the article log before the start-up ingest", "applied", d.ix.AppliedSeq(), "last", last)
	}
	if _, err := d.node.WaitApplied(ctx, last); err != nil {
		return err
	}
	return nil
}

// pollFeeds polls the feeds while this replica holds the feeds lease, so
// that one replica at a time polls: every replica would otherwise fetch
// every feed and publish the same items. Returns when ctx ends.
func (d *replicaRun) pollFeeds(ctx context.Context, p *feeds.Poller) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.feeds.Run(ctx) }()
	d.feeds.WhileHeld(ctx, func(held context.Context) {
		d.log.Info("this replica polls the feeds (it holds the feeds lease)")
		pollFeeds(held, p, d.log)
		if ctx.Err() == nil {
			d.log.Info("feeds lease lost: another replica polls the feeds")
		}
	})
	wg.Wait()
}

// shareWithReplicas gives the handler what a replica shares with the
// others besides articles: the servers' briefing settings (opened here,
// in stateDir, and kept in step with the briefbot_briefings bucket), the
// votes (the briefbot_feedback bucket, which /stats counts; the feedback
// log's earlier votes are offered to it once, in the background), and this
// replica's name, so that /stats says which figures are its own.
func (d *replicaRun) shareWithReplicas(ctx context.Context, stateDir string, opts *bot.HandlerOptions) error {
	store, err := d.shareBriefings(ctx, stateDir)
	if err != nil {
		return err
	}
	fb, err := newFeedbackShare(ctx, d.node.JetStream(), d.cfg.replicas)
	if err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	opts.Briefings, opts.Feedback, opts.ReplicaName = store, fb, d.cfg.name
	logPath := opts.FeedbackLog
	d.bg.run(func(ctx context.Context) {
		n, err := bot.ShareFeedbackLog(ctx, logPath, fb)
		switch {
		case err != nil:
			d.log.Warn("replica: the votes this instance recorded before it was a replica are not shared yet; tried again at the next start", "err", err)
		case n > 0:
			d.log.Info("replica: shared the votes this instance recorded before it was a replica", "votes", n)
		}
	})
	return nil
}
