package replica

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot/index"
)

// How a replica reads the log: up to maxBatchMsgs messages or
// maxBatchBytes of them are applied at once, as one index batch with one
// manifest commit (a commit per message would cost a manifest write per
// message). batchLinger is how long it waits for more messages once one
// has come: a writer's messages come a PubAck apart.
const (
	maxBatchMsgs  = 64
	maxBatchBytes = 8 << 20
	batchLinger   = 20 * time.Millisecond
	// ackWait must exceed the time to apply a batch, or messages are sent
	// again while they are being applied (harmless, as Apply skips them by
	// sequence, but wasted). An 8 MiB batch applies in seconds.
	ackWait = 5 * time.Minute
	// pullExpiry and pullHeartbeat bound how long a pull waits on a NATS
	// node that went away before the client asks again.
	pullExpiry    = 5 * time.Second
	pullHeartbeat = time.Second
)

// Follow applies the article log to ix until ctx ends, then returns nil.
// It resumes after ix.AppliedSeq(), through this replica's durable
// consumer (recreated at that position each time: the index, not the
// consumer, knows what is applied), applies in stream order, in batches,
// and acknowledges after each batch is committed. A NATS node lost,
// a leader moving or the connection dropping only pauses it; it gives up
// only when the index is closed or the log cannot bring it up to date
// (ErrLogTrimmed, ErrLogBehind).
func (n *Node) Follow(ctx context.Context, ix *index.Index) error {
	n.following.Add(1)
	defer n.following.Add(-1)
	n.advance(ix.AppliedSeq(), nil, nil)
	wait := 100 * time.Millisecond
	for {
		before := ix.AppliedSeq()
		err := n.follow(ctx, ix)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrLogTrimmed) || errors.Is(err, ErrLogBehind) {
			return err // says what to do; already "replica: "
		}
		if errors.Is(err, bleve.ErrorIndexClosed) || errors.Is(err, index.ErrReadOnly) {
			return fmt.Errorf("replica: following the log: %w", err)
		}
		if ix.AppliedSeq() > before {
			wait = 100 * time.Millisecond
		}
		n.log.Warn("replica: following the log stopped; resuming", "applied", ix.AppliedSeq(), "err", err, "in", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// follow is one session of Follow, from the index's position on.
func (n *Node) follow(ctx context.Context, ix *index.Index) error {
	if err := n.CheckResume(ctx, ix.AppliedSeq()); err != nil {
		return err
	}
	cons, err := n.consumer(ctx, ix.AppliedSeq()+1)
	if err != nil {
		return err
	}
	it, err := cons.Messages(jetstream.PullMaxMessagesWithBytesLimit(2*maxBatchMsgs, 2*maxBatchBytes),
		jetstream.PullExpiry(pullExpiry), jetstream.PullHeartbeat(pullHeartbeat))
	if err != nil {
		return fmt.Errorf("reading consumer %s: %w", n.cfg.Name, err)
	}
	defer it.Stop()
	for {
		msgs, full, err := n.nextBatch(ctx, it)
		if err != nil {
			return err
		}
		if err := n.applyBatch(ctx, ix, msgs, full); err != nil {
			return err
		}
	}
}

// consumer recreates this replica's durable consumer to deliver from
// sequence start on.
func (n *Node) consumer(ctx context.Context, start uint64) (jetstream.Consumer, error) {
	err := n.js.DeleteConsumer(ctx, StreamName, n.cfg.Name)
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("resetting consumer %s: %w", n.cfg.Name, err)
	}
	cons, err := n.js.CreateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable:       n.cfg.Name,
		Description:   "briefbot replica " + n.cfg.Name,
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   start,
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       ackWait,
		FilterSubject: SubjectPrefix + ">",
	})
	if err != nil {
		return nil, fmt.Errorf("creating consumer %s at sequence %d: %w", n.cfg.Name, start, err)
	}
	return cons, nil
}

// nextBatch waits for a message, then takes those that follow within
// batchLinger, up to the batch limits. full says a limit cut it short:
// more are waiting.
func (n *Node) nextBatch(ctx context.Context, it jetstream.MessagesContext) ([]jetstream.Msg, bool, error) {
	m, err := it.Next(jetstream.NextContext(ctx))
	if err != nil {
		return nil, false, fmt.Errorf("reading the log: %w", err)
	}
	msgs, size := []jetstream.Msg{m}, len(m.Data())
	for len(msgs) < n.batchMsgs && size < maxBatchBytes {
		m, err := it.Next(jetstream.NextMaxWait(batchLinger))
		if err != nil {
			return msgs, false, nil // none waiting (or the iterator ended: the next wait says so)
		}
		msgs = append(msgs, m)
		size += len(m.Data())
	}
	return msgs, true, nil
}

// entryReport is what applying one log entry did, for WaitApplied.
type entryReport struct {
	seq uint64
	rep index.IngestReport
}

// applyBatch applies msgs to ix and acknowledges what was committed.
func (n *Node) applyBatch(ctx context.Context, ix *index.Index, msgs []jetstream.Msg, full bool) error {
	entries := make([]index.Entry, 0, len(msgs))
	ids := make(map[uint64]string, len(msgs))
	prev := ix.AppliedSeq()
	for _, m := range msgs {
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("reading the log: %w", err)
		}
		seq := md.Sequence.Stream
		if seq > prev+1 {
			// A jump: messages deleted by hand (harmless), or the head of
			// the log trimmed while this replica was behind it, which the
			// consumer skips without a word.
			if err := n.CheckResume(ctx, prev); err != nil {
				return err
			}
		}
		prev = seq
		// More waiting in the stream: a batch cut short by the linger
		// while catching up (the next messages not yet fetched) must not
		// count as caught up, or ApplyBatch merges every segment each time.
		full = full || md.NumPending > 0 && m == msgs[len(msgs)-1]
		var ch index.Change
		if err := json.Unmarshal(m.Data(), &ch); err != nil {
			// Applied as nothing, so that one bad message does not stop
			// every replica for good; each replica logs it.
			n.log.Error("replica: a log message does not decode; skipped", "seq", seq, "subject", m.Subject(), "err", err)
			ch = index.Change{}
		}
		entries = append(entries, index.Entry{Seq: seq, Change: ch})
		ids[seq] = m.Headers().Get(jetstream.MsgIDHeader)
	}
	var reps []entryReport
	err := ix.ApplyBatch(ctx, entries, index.ApplyOptions{MoreWaiting: full,
		OnEntry: func(seq uint64, rep index.IngestReport) {
			reps = append(reps, entryReport{seq, rep})
			if n.afterEntry != nil {
				n.afterEntry(seq)
			}
		}})
	done := ix.AppliedSeq()
	for i := len(msgs) - 1; i >= 0; i-- {
		if entries[i].Seq <= done {
			// AckAll: acknowledges every message up to this one. A lost
			// ack only means a redelivery, which Apply skips.
			_ = msgs[i].Ack()
			break
		}
	}
	n.advance(done, reps, ids)
	if err != nil {
		return err
	}
	if n.afterBatch != nil {
		n.afterBatch(done)
	}
	return nil
}

// advance records that the index has committed the log up to done, adds
// the reports of the entries applied to the publications they belong to,
// and wakes WaitApplied.
func (n *Node) advance(done uint64, reps []entryReport, ids map[uint64]string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range reps {
		if r.seq > done {
			continue // applied in memory, not committed: applied again later
		}
		id := ids[r.seq]
		if pub := n.byID[id]; pub != nil {
			pub.rep.Add(r.rep)
			delete(n.byID, id)
		}
	}
	if done > n.applied.Load() {
		n.applied.Store(done)
		close(n.changed)
		n.changed = make(chan struct{})
	}
}
