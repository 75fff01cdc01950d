// Package replica makes several briefbot processes serve one corpus (issue
// #15): every write to the articles goes to a NATS JetStream stream first,
// and every replica applies that stream, in order, to its own local Bleve
// index through its own durable consumer. The index records the sequence of
// the last change applied with the paragraphs it wrote (index.ApplyBatch),
// so a replica that restarts resumes exactly where it stopped and a new
// one rebuilds from the stream.
//
// It knows nothing of Discord; the bot and the command line reach it
// through cmd.
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/index"
)

// The article log: one stream, one subject per space, so that a replica
// group can later follow a subset of servers with a subject filter.
const (
	// StreamName is the JetStream stream of article changes.
	StreamName = "BRIEFBOT_ARTICLES"
	// SubjectPrefix starts every article subject: SubjectPrefix + space.
	SubjectPrefix = "briefbot.articles."
	// SharedToken is the subject token of the shared space (whose id is
	// the empty string, which a subject cannot hold).
	SharedToken = "shared"
)

// dedupWindow is how long the stream remembers message ids: a publish
// retried within it (after a lost PubAck) is stored once.
const dedupWindow = 2 * time.Minute

// Subject is the subject of changes to space (briefbot.SharedSpace or a
// server id).
func Subject(space string) string {
	if space == briefbot.SharedSpace {
		return SubjectPrefix + SharedToken
	}
	return SubjectPrefix + space
}

// Config says how to reach NATS and who this replica is.
type Config struct {
	// URL is one NATS server URL or several, comma-separated (one per
	// cluster node is best: the client reconnects to another when one
	// goes).
	URL string
	// Creds is the path of a NATS credentials file; "" for none.
	Creds string
	// Name is this replica's durable consumer name: unique among the
	// replicas, and the same across restarts of this one. Letters,
	// digits, '-' and '_'.
	Name string
	// Replicas is the stream's replication factor: 1 for a single
	// server, 3 for a three-node cluster (0 counts as 1).
	Replicas int
}

// Node is one replica's connection to the article log.
type Node struct {
	cfg   Config
	log   *slog.Logger
	nc    *nats.Conn
	js    jetstream.JetStream
	limit int // the largest message body Publish sends

	applied atomic.Uint64 // what Follow has applied (and committed)
	mu      sync.Mutex
	changed chan struct{}           // closed and replaced when applied advances
	byID    map[string]*publication // messages this node published, by id, until applied
	bySeq   map[uint64]*publication // publications by last sequence, until WaitApplied

	batchMsgs int          // maxBatchMsgs; tests make batches smaller
	following atomic.Int32 // Follow calls running

	// Test seams: called by Follow after each entry of a batch is applied
	// (not yet committed), and after each batch is committed.
	afterEntry func(seq uint64)
	afterBatch func(applied uint64)
}

// publication is what one Publish (or Ingest) sent: the reports of its
// messages add up as they are applied here.
type publication struct {
	rep  index.IngestReport
	last uint64
}

// Connect connects to NATS and creates the article stream, or updates its
// settings. Close the Node when done.
func Connect(ctx context.Context, cfg Config, log *slog.Logger) (*Node, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkConfig(&cfg); err != nil {
		return nil, err
	}
	opts := []nats.Option{
		nats.Name("briefbot " + cfg.Name),
		nats.Timeout(5 * time.Second),
		nats.MaxReconnects(-1), // a replica outlives any one NATS node
		nats.ReconnectWait(250 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("replica: disconnected from NATS", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("replica: reconnected to NATS", "server", nc.ConnectedUrlRedacted())
		}),
	}
	if cfg.Creds != "" {
		opts = append(opts, nats.UserCredentials(cfg.Creds))
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("replica: connecting to NATS at %s: %w", redact(cfg.URL), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("replica: %w", err)
	}
	sc := streamConfig(cfg.Replicas)
	switch s, err := js.Stream(ctx, StreamName); {
	case err == nil:
		keepLimits(&sc, s.CachedInfo().Config)
	case !errors.Is(err, jetstream.ErrStreamNotFound):
		// Not "absent": updating the stream blind could undo its limits.
		nc.Close()
		return nil, fmt.Errorf("replica: reading stream %s: %w", StreamName, err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
		nc.Close()
		return nil, fmt.Errorf("replica: creating stream %s (%d replicas): %w", StreamName, cfg.Replicas, err)
	}
	n := &Node{cfg: cfg, log: log, nc: nc, js: js, limit: messageLimit(nc.MaxPayload()),
		batchMsgs: maxBatchMsgs, changed: make(chan struct{}), byID: map[string]*publication{}, bySeq: map[uint64]*publication{}}
	return n, nil
}

func checkConfig(cfg *Config) error {
	if strings.TrimSpace(cfg.URL) == "" {
		return errors.New("replica: no NATS URL")
	}
	if cfg.Name == "" {
		return errors.New("replica: no replica name (the durable consumer's name)")
	}
	for _, r := range cfg.Name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("replica: name %q: use letters, digits, '-' and '_' only", cfg.Name)
		}
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	return nil
}

// streamConfig is the article stream: kept on disk for good unless the
// operator limits it (keepLimits: it is the corpus, and a new replica
// rebuilds from it), stored compressed.
func streamConfig(replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamName,
		Description: "briefbot article changes, one subject per space",
		Subjects:    []string{SubjectPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    replicas,
		Duplicates:  dedupWindow,
		Compression: jetstream.S2Compression,
	}
}

// keepLimits carries the limits an operator set on the stream (`nats
// stream edit --max-age 180d`, docs/operations.md) over to cfg: serve
// updating the stream at start must not undo them.
func keepLimits(cfg *jetstream.StreamConfig, set jetstream.StreamConfig) {
	cfg.MaxAge, cfg.MaxBytes, cfg.MaxMsgs = set.MaxAge, set.MaxBytes, set.MaxMsgs
}

// ErrLogTrimmed says the article log no longer holds changes an index
// has not applied: its first messages were removed by a limit on the
// stream or a purge. Applying what is left would leave the index without
// them, silently; the index must be replaced by a copy of a caught-up
// replica's instead.
var ErrLogTrimmed = errors.New("the article log no longer holds changes this index lacks")

// ErrLogBehind says the article log ends before the last change an index
// has applied: NATS lost changes (its store reset, or restored from an
// older backup). The changes written next would get sequences the index
// takes for ones it has applied, and be passed over, silently.
var ErrLogBehind = errors.New("the article log ends before this index's last change")

// CheckResume returns ErrLogTrimmed or ErrLogBehind (wrapped, with what
// to do) when the index that has applied the log up to applied (its
// AppliedSeq; 0 for a new replica) cannot follow the stream as it is.
func (n *Node) CheckResume(ctx context.Context, applied uint64) error {
	s, err := n.js.Stream(ctx, StreamName)
	if err != nil {
		return fmt.Errorf("replica: stream %s: %w", StreamName, err)
	}
	return resumeGap(applied, s.CachedInfo().State)
}

// resumeGap is CheckResume's rule: the log must start at or before the
// first change not applied, and end at or after the last one applied. (An
// empty new stream reports its first and last sequences as 0; a stream
// purged whole keeps its last one and reports the next as its first.)
func resumeGap(applied uint64, st jetstream.StreamState) error {
	switch {
	case applied > st.LastSeq:
		return fmt.Errorf("replica: %w: the index has applied changes up to %d, and the log ends at %d: "+
			"NATS lost changes (its store was reset, or restored from an older backup). Move this index directory away "+
			"and start again (the replica rebuilds from the log), then ingest what the log lacks through any replica "+
			"(docs/operations.md, \"The article log over time\")", ErrLogBehind, applied, st.LastSeq)
	case st.FirstSeq > applied+1:
		return fmt.Errorf("replica: %w: the index has applied changes up to %d, and the log now starts at %d "+
			"(changes %d to %d were trimmed or purged). Replace this index with a copy of a caught-up replica's "+
			"index directory, taken while that replica is stopped, and start again (docs/operations.md, \"The article log over time\")",
			ErrLogTrimmed, applied, st.FirstSeq, applied+1, st.FirstSeq-1)
	}
	return nil
}

// redact drops user information from NATS URLs for messages.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if at := strings.LastIndex(p, "@"); at >= 0 {
			if s := strings.Index(p, "://"); s >= 0 && s < at {
				parts[i] = p[:s+3] + "…" + p[at:]
			}
		}
	}
	return strings.Join(parts, ",")
}

// Close closes the connection to NATS. Follow returns once its context
// ends; call Close after.
func (n *Node) Close() { n.nc.Close() }

// JetStream is the node's JetStream handle, for the key-value buckets
// other packages keep beside the article log (claims, leases).
func (n *Node) JetStream() jetstream.JetStream { return n.js }

// Name is the replica's name.
func (n *Node) Name() string { return n.cfg.Name }

// Check reports whether NATS answers and the article stream is there, for
// `briefbot doctor`: the error says what is wrong.
func (n *Node) Check(ctx context.Context) error {
	if !n.nc.IsConnected() {
		return fmt.Errorf("not connected to NATS at %s (status %v)", redact(n.cfg.URL), n.nc.Status())
	}
	if _, err := n.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("JetStream not available on the account: %w", err)
	}
	s, err := n.js.Stream(ctx, StreamName)
	if err != nil {
		return fmt.Errorf("stream %s: %w", StreamName, err)
	}
	info := s.CachedInfo()
	if info.Cluster != nil && info.Cluster.Leader == "" {
		return fmt.Errorf("stream %s has no leader (a majority of its %d replicas is down?)", StreamName, info.Config.Replicas)
	}
	return nil
}

// Lag is how many changes the log holds that this replica has not applied
// yet: the stream's last sequence minus what Follow has applied (all of
// the stream before Follow starts).
func (n *Node) Lag(ctx context.Context) (uint64, error) {
	s, err := n.js.Stream(ctx, StreamName)
	if err != nil {
		return 0, fmt.Errorf("replica: stream %s: %w", StreamName, err)
	}
	last, applied := s.CachedInfo().State.LastSeq, n.applied.Load()
	if applied >= last {
		return 0, nil
	}
	return last - applied, nil
}

// WaitApplied waits until this replica has applied the log up to seq (as
// Publish or Ingest returned it) and returns what applying this node's
// publication ending at seq did here. It needs Follow running on this
// node; for a sequence this node did not publish the report is empty.
func (n *Node) WaitApplied(ctx context.Context, seq uint64) (index.IngestReport, error) {
	if err := n.waitSeq(ctx, seq); err != nil {
		return index.IngestReport{}, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	pub := n.bySeq[seq]
	delete(n.bySeq, seq)
	if pub == nil {
		return index.IngestReport{}, nil
	}
	return pub.rep, nil
}

// waitSeq waits until Follow has applied the log up to seq.
func (n *Node) waitSeq(ctx context.Context, seq uint64) error {
	for {
		n.mu.Lock()
		ch := n.changed
		n.mu.Unlock()
		if n.applied.Load() >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("replica: waiting for sequence %d to be applied (at %d): %w", seq, n.applied.Load(), ctx.Err())
		}
	}
}
