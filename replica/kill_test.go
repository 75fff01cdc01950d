package replica

import (
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/briefbot/briefbot/internal/natstest"
)

// killSwitch stops a replica's Follow at the at-th call of a test seam:
// the seam blocks there until the test has cancelled Follow's context, so
// the replica stops exactly at that point (between two batches for
// afterBatch; after an entry, before the rest of its batch, for
// afterEntry).
type killSwitch struct {
	at     int32
	calls  atomic.Int32
	hit    chan uint64
	resume chan struct{}
}

func newKillSwitch(at int) *killSwitch {
	return &killSwitch{at: int32(at), hit: make(chan uint64, 1), resume: make(chan struct{})}
}

func (k *killSwitch) fire(seq uint64) {
	if k.calls.Add(1) == k.at {
		k.hit <- seq
		<-k.resume
	}
}

// kill waits for the switch, stops the replica there and returns the
// sequence the seam reported.
func (k *killSwitch) kill(t *testing.T, r *testReplica) uint64 {
	t.Helper()
	seq := <-k.hit
	r.cancel()
	close(k.resume)
	r.stop()
	return seq
}

// checkIndex compares the replica's paragraphs with a clean ingest of
// paths and looks for repeated ids.
func checkIndex(t *testing.T, what string, r *testReplica, paths ...string) {
	t.Helper()
	got := paragraphIDs(t, r.ix)
	if len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("%s: repeated paragraph ids", what)
	}
	sameIDs(t, what, got, cleanIDs(t, paths...))
}

// TestReplicaKilled is issue 15's crash case: a replica stopped between
// two batches, or after an entry in the middle of a batch (its Follow
// cancelled there, as a process stopping), restarts on the same index
// directory and ends with exactly the paragraphs of a clean single-process
// ingest of the same files: none twice, none missing. The writes cover
// additions, updates of every article, removals of articles and of a file,
// and a file deleted then written back; the JSONL file travels in several
// parts, so stops fall inside a file too.
func TestReplicaKilled(t *testing.T) {
	ns := natstest.Single(t)
	corpusDir, vdir := t.TempDir(), t.TempDir()
	small := func(n *Node) { n.limit = 8 << 10 }
	w := startReplica(t, ns.URL(), "writer", 1, t.TempDir(), small)
	victim := func(ks *killSwitch, seam string) *testReplica {
		return startReplica(t, ns.URL(), "victim", 1, vdir, func(n *Node) {
			n.batchMsgs = 2 // many batches, so that stops fall between them
			if seam == "batch" {
				n.afterBatch = ks.fire
			} else {
				n.afterEntry = ks.fire
			}
		})
	}
	restart := func(what string, seq uint64) {
		t.Helper()
		v := startReplica(t, ns.URL(), "victim", 1, vdir, nil)
		v.waitApplied(seq)
		checkIndex(t, what, v, corpusDir)
		v.stop()
	}

	// Additions, stopped between the second and third batch.
	writeCorpus(t, corpusDir, 36, 4, "first edition")
	ks := newKillSwitch(2)
	v := victim(ks, "batch")
	v.following()
	seq := w.ingest(corpusDir)
	at := ks.kill(t, v)
	t.Logf("additions: stopped at %d of %d", at, seq)
	if at == 0 || at >= seq {
		t.Fatalf("stopped at sequence %d: not in the middle of 1..%d", at, seq)
	}
	restart("additions, stopped between batches", seq)

	// Every article updated, some gone, a file gone: stopped after the
	// third entry, in the middle of a batch.
	writeCorpus(t, corpusDir, 30, 4, "second edition")
	if err := os.Remove(filepath.Join(corpusDir, "notes", "note-1.md")); err != nil {
		t.Fatal(err)
	}
	seq = w.ingest(corpusDir)
	ks = newKillSwitch(3) // all of it waits: batches are full, the third entry begins the second
	v = victim(ks, "entry")
	at = ks.kill(t, v)
	t.Logf("updates: stopped after entry %d of %d", at, seq)
	if at >= seq {
		t.Fatalf("stopped at sequence %d, the last (%d)", at, seq)
	}
	restart("updates and removals, stopped mid-batch", seq)

	// A file written back after its removal, and another updated, both
	// in the log before the replica comes back; stopped after the first
	// batch of them.
	writeFile(t, filepath.Join(corpusDir, "notes", "note-1.md"),
		"---\nid: note-1\ntitle: Note on the ferry\n---\n\nThe ferry and the harbour were discussed again.\n")
	writeCorpus(t, corpusDir, 33, 4, "third edition")
	ks = newKillSwitch(1)
	v = victim(ks, "batch")
	v.following()
	seq = w.ingest(corpusDir)
	at = ks.kill(t, v)
	t.Logf("a file back: stopped at %d of %d", at, seq)
	restart("a file back, stopped between batches", seq)
}
