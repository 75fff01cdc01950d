package replica

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/natstest"
)

// TestTrimmedLog is the article log after an operator limited it: its
// first changes are gone. A new replica (empty index) cannot rebuild from
// what is left, and says so at once instead of serving without them; a
// replica seeded with a copy of a caught-up replica's index directory
// resumes from the sequence that copy recorded and ends like the others.
func TestTrimmedLog(t *testing.T) {
	ns := natstest.Single(t)
	corpusDir := t.TempDir()
	writeCorpus(t, corpusDir, 12, 3, "first edition")
	dirA := t.TempDir()
	a := startReplica(t, ns.URL(), "a", 1, dirA, nil)
	first := a.ingest(corpusDir)
	a.waitApplied(first)
	a.stop() // a copy is taken of a stopped replica's index
	seed := filepath.Join(t.TempDir(), "seed")
	copyDir(t, dirA, seed)

	a = startReplica(t, ns.URL(), "a", 1, dirA, nil)
	writeCorpus(t, corpusDir, 12, 3, "second edition")
	if err := os.Remove(filepath.Join(corpusDir, "notes", "note-1.md")); err != nil {
		t.Fatal(err)
	}
	last := a.ingest(corpusDir)
	a.waitApplied(last)

	trimThrough(t, ns, first)

	// A new replica: refused at once, by CheckResume and by Follow.
	ix, err := index.Open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	n, err := Connect(context.Background(), Config{URL: ns.URL(), Name: "fresh"}, testLog(t, "fresh"))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	err = n.CheckResume(context.Background(), ix.AppliedSeq())
	if !errors.Is(err, ErrLogTrimmed) || !strings.Contains(err.Error(), "copy of a caught-up replica's") {
		t.Errorf("CheckResume on an empty index, log trimmed: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Follow(ctx, ix); !errors.Is(err, ErrLogTrimmed) {
		t.Errorf("Follow on an empty index, log trimmed: %v, want ErrLogTrimmed", err)
	}
	if ix.AppliedSeq() != 0 {
		t.Errorf("the refused index applied up to %d", ix.AppliedSeq())
	}

	// The seeded replica resumes after first, which the log still follows.
	c := startReplica(t, ns.URL(), "c", 1, seed, nil)
	if err := c.node.CheckResume(context.Background(), c.ix.AppliedSeq()); err != nil {
		t.Errorf("CheckResume on the seeded copy: %v", err)
	}
	c.waitApplied(last)
	checkIndex(t, "seeded", c, corpusDir)
	qs := questions(20)
	if got, want := answers(t, c.ix, qs), answers(t, a.ix, qs); !reflect.DeepEqual(got, want) {
		t.Errorf("the seeded replica answers differently:\n got %v\nwant %v", got, want)
	}
}

// TestTrimmedUnderARunningReplica: a replica's consumer skips messages
// trimmed from the log's head without a word, so applying a batch that
// jumps past a missing sequence asks the stream: a message deleted by hand
// inside the log is passed over, a head trimmed past what the index holds
// stops the replica with ErrLogTrimmed, nothing of that batch applied.
func TestTrimmedUnderARunningReplica(t *testing.T) {
	ns := natstest.Single(t)
	ctx := context.Background()
	n, err := Connect(ctx, Config{URL: ns.URL(), Name: "a"}, testLog(t, "a"))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	js := ns.JetStream(t)
	for range 5 {
		if _, err := js.Publish(ctx, Subject(""), []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := index.Open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	s, err := js.Stream(ctx, StreamName)
	if err != nil {
		t.Fatal(err)
	}

	if err := s.DeleteMsg(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := n.applyBatch(ctx, ix, []jetstream.Msg{logMsg(1), logMsg(3)}, false); err != nil {
		t.Fatalf("a message deleted inside the log: %v", err)
	}
	if got := ix.AppliedSeq(); got != 3 {
		t.Fatalf("applied %d, want 3", got)
	}

	trimThrough(t, ns, 4)
	err = n.applyBatch(ctx, ix, []jetstream.Msg{logMsg(5)}, false)
	if !errors.Is(err, ErrLogTrimmed) || !strings.Contains(err.Error(), "changes 4 to 4") {
		t.Errorf("change 4 trimmed under the replica: %v", err)
	}
	if got := ix.AppliedSeq(); got != 3 {
		t.Errorf("applied %d after the gap, want 3", got)
	}
}

// logMsg is the log message of sequence seq as a consumer delivers it, an
// empty change (what a Publish of "{}" holds).
func logMsg(seq uint64) jetstream.Msg { return fakeMsg{seq: seq} }

type fakeMsg struct {
	jetstream.Msg // the methods applyBatch does not call
	seq           uint64
}

func (m fakeMsg) Metadata() (*jetstream.MsgMetadata, error) {
	return &jetstream.MsgMetadata{Sequence: jetstream.SequencePair{Stream: m.seq, Consumer: m.seq}}, nil
}
func (m fakeMsg) Data() []byte         { return []byte("{}") }
func (m fakeMsg) Headers() nats.Header { return nil }
func (m fakeMsg) Subject() string      { return Subject("") }
func (m fakeMsg) Ack() error           { return nil }

// TestConnectKeepsStreamLimits: a limit the operator set on the stream
// (nats stream edit --max-age) survives a replica's start, which updates
// the stream's other settings.
func TestConnectKeepsStreamLimits(t *testing.T) {
	ns := natstest.Single(t)
	n, err := Connect(context.Background(), Config{URL: ns.URL(), Name: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	js := ns.JetStream(t)
	ctx := context.Background()
	s, err := js.Stream(ctx, StreamName)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.MaxAge, cfg.MaxBytes = 180*24*time.Hour, 10<<30
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	n, err = Connect(ctx, Config{URL: ns.URL(), Name: "b"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	s, err = js.Stream(ctx, StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().Config; got.MaxAge != cfg.MaxAge || got.MaxBytes != cfg.MaxBytes {
		t.Errorf("after a replica's start: max age %v, max bytes %d; the operator set %v, %d", got.MaxAge, got.MaxBytes, cfg.MaxAge, cfg.MaxBytes)
	}
}

// TestResumeGap is CheckResume's rule at its edges.
func TestResumeGap(t *testing.T) {
	for _, c := range []struct {
		applied, first, last uint64
		want                 error
	}{
		{0, 0, 0, nil},             // a new, empty stream
		{0, 1, 40, nil},            // never trimmed
		{10, 11, 40, nil},          // trimmed up to what was applied
		{40, 41, 40, nil},          // purged whole, all of it applied
		{0, 11, 40, ErrLogTrimmed}, // a new replica on a trimmed log
		{9, 11, 40, ErrLogTrimmed}, // change 10 is gone
		{0, 41, 40, ErrLogTrimmed}, // purged whole, nothing applied
		{41, 1, 40, ErrLogBehind},  // restored from an older backup
		{41, 0, 0, ErrLogBehind},   // the stream made anew
		{41, 30, 40, ErrLogBehind}, // both: the index is ahead, which says more
	} {
		err := resumeGap(c.applied, jetstream.StreamState{FirstSeq: c.first, LastSeq: c.last})
		if (c.want == nil) != (err == nil) || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("applied %d, log %d..%d: %v, want %v", c.applied, c.first, c.last, err, c.want)
		}
	}
}

// TestLogLost: NATS lost the article log (the stream made anew, as after
// its store was reset) under a replica that had applied part of it. The
// replica refuses to follow the new log, whose first changes it would
// take for ones it has; on an empty directory it rebuilds from it.
func TestLogLost(t *testing.T) {
	ns := natstest.Single(t)
	corpusDir := t.TempDir()
	writeCorpus(t, corpusDir, 6, 2, "first edition")
	dirA := t.TempDir()
	a := startReplica(t, ns.URL(), "a", 1, dirA, nil)
	a.waitApplied(a.ingest(corpusDir))
	a.stop()
	ctx := context.Background()
	if err := ns.JetStream(t).DeleteStream(ctx, StreamName); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(dirA, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := Connect(ctx, Config{URL: ns.URL(), Name: "a"}, testLog(t, "a"))
	if err != nil {
		ix.Close()
		t.Fatal(err)
	}
	err = n.CheckResume(ctx, ix.AppliedSeq())
	if !errors.Is(err, ErrLogBehind) || !strings.Contains(err.Error(), "Move this index directory away") {
		t.Errorf("CheckResume after the log was lost: %v", err)
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := n.Follow(fctx, ix); !errors.Is(err, ErrLogBehind) {
		t.Errorf("Follow after the log was lost: %v, want ErrLogBehind", err)
	}
	n.Close()
	ix.Close()

	b := startReplica(t, ns.URL(), "b", 1, t.TempDir(), nil)
	b.waitApplied(b.ingest(corpusDir))
	checkIndex(t, "rebuilt on the new log", b, corpusDir)
}

// trimThrough removes the log's changes up to and including seq, as a
// limit on the stream's age would.
func trimThrough(t *testing.T, ns *natstest.Servers, seq uint64) {
	t.Helper()
	ctx := context.Background()
	s, err := ns.JetStream(t).Stream(ctx, StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx, jetstream.WithPurgeSequence(seq+1)); err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.FirstSeq != seq+1 {
		t.Fatalf("after the purge the log starts at %d, want %d", info.State.FirstSeq, seq+1)
	}
}

// copyDir copies the tree at src to dst, as an operator's cp -a would.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}
