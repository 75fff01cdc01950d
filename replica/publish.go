package replica

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus"
	"github.com/briefbot/briefbot/index"
)

// The message size rule. A log message is one index.Change as JSON, at
// most the server's max_payload (1 MiB by default) less room for headers.
// A change that does not fit is cut, in order, into several changes that
// each apply on their own: files gone in chunks, articles upserted in
// chunks, and a file too big for one message into parts (index.FileChange
// More), every part's articles written as it comes and the file recorded
// with its last part, which carries the file's full id list. Repeated ids
// in what is cut are dropped before cutting (the first is kept, with the
// warning Ingest gives). One article that does not fit in a message alone
// is refused: Publish returns an error naming it and sends nothing of the
// change.
const headerRoom = 4 << 10

// jsonRoom is what a message's JSON spends beyond its elements: keys,
// brackets, a file part's path and hash are counted separately.
const jsonRoom = 1 << 10

// spaceSep is the index's space separator, which it refuses in ids.
const spaceSep = "\x1f"

// messageLimit is the body size Publish allows under maxPayload.
func messageLimit(maxPayload int64) int {
	return int(maxPayload) - headerRoom
}

// Publish sends ch to the log, cut into messages as the size rule says,
// and waits for each message's PubAck. seq is the sequence of the last
// message: WaitApplied(seq) reports what applying it did here.
func (n *Node) Publish(ctx context.Context, ch index.Change) (seq uint64, err error) {
	pub := &publication{}
	if err := n.publishAll(ctx, pub, func(p *packer) error { return p.add(ch) }); err != nil {
		return pub.last, err
	}
	return pub.last, nil
}

// Ingest prepares an ingest of paths on ix (index.Prepare: this replica's
// manifest decides which files are unchanged and which are gone) and
// publishes its changes. It returns the last sequence sent (0 if nothing
// changed) and Prepare's report; WaitApplied(seq) adds what applying did.
// It first waits until this replica has applied the log as far as it
// went when called (Follow must be running on ix): prepared against an
// older manifest, the ingest would not know the files the log added
// meanwhile, so it would not remove those that are gone. Two ingests
// through two replicas at the same moment can still miss each other's
// files that way: send a folder's ingests through one replica.
func (n *Node) Ingest(ctx context.Context, ix *index.Index, paths []string, opts index.IngestOptions) (uint64, index.IngestReport, error) {
	pub := &publication{}
	var rep index.IngestReport
	if err := n.catchUp(ctx, ix); err != nil {
		return 0, rep, err
	}
	err := n.publishAll(ctx, pub, func(p *packer) error {
		var err error
		rep, err = ix.Prepare(ctx, paths, opts, p.add)
		return err
	})
	return pub.last, rep, err
}

// catchUp waits until Follow has applied the log up to the stream's last
// sequence now.
func (n *Node) catchUp(ctx context.Context, ix *index.Index) error {
	last, err := n.lastSeq(ctx)
	if err != nil {
		return err
	}
	if ix.AppliedSeq() >= last {
		return nil
	}
	if n.following.Load() == 0 {
		return fmt.Errorf("replica: this index has applied the article log up to %d of %d and no Follow is applying the rest: an ingest prepared now would miss removals",
			ix.AppliedSeq(), last)
	}
	if err := n.waitSeq(ctx, last); err != nil {
		return fmt.Errorf("replica: catching up before an ingest: %w", err)
	}
	return nil
}

// lastSeq is the stream's last sequence, asked again (as send publishes
// again) while the stream has no leader: a NATS node lost makes the
// request time out until another is elected.
func (n *Node) lastSeq(ctx context.Context) (uint64, error) {
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		s, err := n.js.Stream(ctx, StreamName)
		if err == nil {
			return s.CachedInfo().State.LastSeq, nil
		}
		if ctx.Err() != nil || attempt == publishAttempts || errors.Is(err, jetstream.ErrStreamNotFound) {
			return 0, fmt.Errorf("replica: stream %s (attempt %d): %w", StreamName, attempt, err)
		}
		n.log.Warn("replica: reading the stream's last sequence failed, retrying", "attempt", attempt, "err", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// publishAll runs fill with a packer whose messages go to the log, and
// records pub for WaitApplied.
func (n *Node) publishAll(ctx context.Context, pub *publication, fill func(*packer) error) error {
	p := &packer{budget: n.limit - jsonRoom, send: func(ch index.Change) error {
		seq, err := n.send(ctx, ch, pub)
		if err == nil {
			pub.last = seq
		}
		return err
	}}
	err := fill(p)
	if err == nil {
		err = p.flush()
	}
	if pub.last != 0 {
		n.mu.Lock()
		n.bySeq[pub.last] = pub
		n.forget()
		n.mu.Unlock()
	}
	return err
}

// forget drops the oldest publications no one waited for, keeping the maps
// bounded. n.mu is held.
func (n *Node) forget() {
	const keep = 1024
	if len(n.bySeq) <= keep {
		return
	}
	applied := n.applied.Load()
	for seq := range n.bySeq {
		if seq <= applied {
			delete(n.bySeq, seq)
		}
	}
}

// publishAttempts bounds retries of one message: enough to ride out the
// election of a new stream leader when a NATS node goes (a few seconds).
const publishAttempts = 10

// send publishes one message and waits for its PubAck, retrying with the
// same message id so the stream stores it once.
func (n *Node) send(ctx context.Context, ch index.Change, pub *publication) (uint64, error) {
	data, err := json.Marshal(ch)
	if err != nil {
		return 0, fmt.Errorf("replica: encoding a change: %w", err)
	}
	if len(data) > n.limit {
		return 0, fmt.Errorf("replica: a change of %d bytes exceeds the %d-byte message limit (a bug in cutting it)", len(data), n.limit)
	}
	id := newID()
	n.mu.Lock()
	n.byID[id] = pub
	n.mu.Unlock()
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		msg := &nats.Msg{Subject: Subject(ch.Space), Data: data}
		ack, err := n.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(StreamName))
		if err == nil {
			return ack.Sequence, nil
		}
		var apiErr *jetstream.APIError
		if ctx.Err() != nil || attempt == publishAttempts || errors.As(err, &apiErr) || errors.Is(err, nats.ErrMaxPayload) {
			n.mu.Lock()
			delete(n.byID, id)
			n.mu.Unlock()
			return 0, fmt.Errorf("replica: publishing to %s (attempt %d): %w", msg.Subject, attempt, err)
		}
		n.log.Warn("replica: publish failed, retrying", "subject", msg.Subject, "attempt", attempt, "err", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait = min(2*wait, 2*time.Second)
	}
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// packer gathers changes into messages of at most budget bytes of
// elements, cutting what does not fit by the size rule.
type packer struct {
	budget int
	send   func(index.Change) error
	cur    index.Change
	size   int // bytes of cur's elements
}

func (p *packer) flush() error {
	if p.size == 0 {
		return nil
	}
	ch := p.cur
	p.cur, p.size = index.Change{Space: ch.Space}, 0
	return p.send(ch)
}

// room makes room for sz more bytes, sending the current message when it
// is too full; sz must fit an empty message.
func (p *packer) room(sz int) error {
	if p.size > 0 && p.size+sz > p.budget {
		return p.flush()
	}
	return nil
}

// add adds one change, which may end up cut over several messages.
func (p *packer) add(ch index.Change) error {
	if p.size > 0 && ch.Space != p.cur.Space {
		if err := p.flush(); err != nil {
			return err
		}
	}
	p.cur.Space = ch.Space
	if err := p.warnings(ch.Warnings); err != nil {
		return err
	}
	for _, g := range ch.Gone {
		sz := jsonSize(g) + 1
		if sz > p.budget {
			return fmt.Errorf("replica: path %s too long for a message", g)
		}
		if err := p.room(sz); err != nil {
			return err
		}
		p.cur.Gone = append(p.cur.Gone, g)
		p.size += sz
	}
	for i := range ch.Files {
		if err := p.file(&ch.Files[i]); err != nil {
			return err
		}
	}
	return p.articles(ch.Articles)
}

func (p *packer) warnings(ws []corpus.Warning) error {
	for _, w := range ws {
		sz := jsonSize(w) + 1
		if err := p.room(sz); err != nil {
			return err
		}
		p.cur.Warnings = append(p.cur.Warnings, w)
		p.size += sz
	}
	return nil
}

// articles adds articles upserted from memory, cut over messages if they
// do not fit in what is left of the current one.
func (p *packer) articles(arts []briefbot.Article) error {
	if len(arts) == 0 {
		return nil
	}
	if sz := jsonSize(arts); p.size+sz <= p.budget {
		p.cur.Articles = append(p.cur.Articles, arts...)
		p.size += sz
		return nil
	}
	arts, warns := dedupe(arts, "")
	if err := p.warnings(warns); err != nil {
		return err
	}
	for i := range arts {
		sz := jsonSize(&arts[i]) + 1
		if sz > p.budget {
			return tooBig(&arts[i], "", sz, p.budget)
		}
		if err := p.room(sz); err != nil {
			return err
		}
		p.cur.Articles = append(p.cur.Articles, arts[i])
		p.size += sz
	}
	return nil
}

// file adds one file: whole when it fits a message, else in parts.
func (p *packer) file(fc *index.FileChange) error {
	sz := jsonSize(fc) + 1
	if sz <= p.budget {
		if err := p.room(sz); err != nil {
			return err
		}
		p.cur.Files = append(p.cur.Files, *fc)
		p.size += sz
		return nil
	}
	ids := make([]string, len(fc.Articles))
	for i := range fc.Articles {
		ids[i] = fc.Articles[i].ID
	}
	base := jsonSize(index.FileChange{Path: fc.Path, Hash: fc.Hash, More: true}) + 1
	idsSize := jsonSize(ids)
	if base+idsSize > p.budget {
		return fmt.Errorf("replica: %s holds %d articles, whose ids alone (%d bytes) exceed the %d-byte message limit: split the file",
			fc.Path, len(ids), idsSize, p.budget)
	}
	arts, warns := dedupe(fc.Articles, fc.Path)
	if err := p.warnings(warns); err != nil {
		return err
	}
	part := index.FileChange{Path: fc.Path, Hash: fc.Hash, More: true}
	if err := p.room(base); err != nil {
		return err
	}
	p.size += base
	for i := range arts {
		asz := jsonSize(&arts[i]) + 1
		if base+asz > p.budget {
			return tooBig(&arts[i], fc.Path, asz, p.budget)
		}
		if p.size+asz > p.budget {
			if err := p.sendPart(&part, base); err != nil {
				return err
			}
		}
		part.Articles = append(part.Articles, arts[i])
		p.size += asz
	}
	if p.size+idsSize > p.budget {
		if err := p.sendPart(&part, base); err != nil {
			return err
		}
	}
	part.IDs, part.More = ids, false
	p.cur.Files = append(p.cur.Files, part)
	p.size += idsSize
	return nil
}

// sendPart sends the message holding part (a file part with More set) and
// starts the next part of the same file in a new message.
func (p *packer) sendPart(part *index.FileChange, base int) error {
	p.cur.Files = append(p.cur.Files, *part)
	if err := p.flush(); err != nil {
		return err
	}
	*part = index.FileChange{Path: part.Path, Hash: part.Hash, More: true}
	p.size = base
	return nil
}

// dedupe drops the articles whose id came earlier in arts, with the
// warning the index gives for them; file is where they came from ("" for
// articles built in memory). Ids the index refuses anyway (empty, or
// holding the space separator) are left for it to report.
func dedupe(arts []briefbot.Article, file string) ([]briefbot.Article, []corpus.Warning) {
	seen := make(map[string]bool, len(arts))
	out := make([]briefbot.Article, 0, len(arts))
	var warns []corpus.Warning
	for _, a := range arts {
		if a.ID != "" && !strings.Contains(a.ID, spaceSep) && seen[a.ID] {
			where := a.Path
			if where == "" {
				where = file
			}
			warns = append(warns, corpus.Warning{Path: where, Reason: fmt.Sprintf("article id %q repeated; the first is kept", a.ID)})
			continue
		}
		seen[a.ID] = true
		out = append(out, a)
	}
	return out, warns
}

func tooBig(a *briefbot.Article, file string, size, budget int) error {
	where := a.Path
	if where == "" {
		where = file
	}
	if where != "" {
		where = " (" + where + ")"
	}
	return fmt.Errorf("replica: article %q%s is %d bytes as a log message, over the %d-byte limit (the NATS server's max_payload): shorten it or raise max_payload",
		a.ID, where, size, budget)
}

// jsonSize is the length of v as JSON; v is always encodable (strings,
// numbers, times), so an error cannot happen.
func jsonSize(v any) int {
	b, _ := json.Marshal(v)
	return len(b)
}
