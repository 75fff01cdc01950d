package replica

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/briefbot/briefbot/internal/natstest"
)

// freshness is issue 15's requirement: every replica answers from a write
// within 2 s of its acknowledgement.
const freshness = 2 * time.Second

// waitAllWithin waits until every replica has applied seq, with the issue's
// 2 s as the deadline, counted from now: the caller has just had the
// write's last PubAck. Under -race too: there the replicas took 0.4-0.5 s
// for the first write of TestClusterReplicas on the 2-core machine, well
// inside the 2 s.
func waitAllWithin(t *testing.T, seq uint64, rs ...*testReplica) {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), freshness)
	defer cancel()
	for _, r := range rs {
		if _, err := r.node.WaitApplied(ctx, seq); err != nil {
			t.Fatalf("%s: not at sequence %d within %v of the write's acknowledgement: %v", r.name, seq, freshness, err)
		}
	}
	t.Logf("all %d replicas at sequence %d %v after the acknowledgement", len(rs), seq, time.Since(start).Round(time.Millisecond))
}

// agree checks that every replica holds exactly the paragraphs a clean
// single-process ingest of paths holds, and answers qs with the same
// paragraphs in the same order.
func agree(t *testing.T, what string, qs []string, rs []*testReplica, paths ...string) {
	t.Helper()
	want := cleanIDs(t, paths...)
	if len(want) == 0 {
		t.Fatalf("%s: the clean ingest holds nothing", what)
	}
	var first [][]passage
	for i, r := range rs {
		sameIDs(t, what+": "+r.name, paragraphIDs(t, r.ix), want)
		got := answers(t, r.ix, qs)
		if i == 0 {
			first = got
			continue
		}
		for j := range qs {
			if !sameAnswer(got[j], first[j]) {
				t.Errorf("%s: %q: %s answers %v,\n%s answers %v", what, qs[j], r.name, got[j], rs[0].name, first[j])
			}
		}
	}
	answered := 0
	for _, a := range first {
		if len(a) > 0 {
			answered++
		}
	}
	if answered < len(qs)/2 {
		t.Errorf("%s: only %d of %d questions answered: the comparison proves little", what, answered, len(qs))
	}
}

// sameAnswer reports whether two replicas' answers are the same: the same
// paragraphs, in the same order, with the same scores.
func sameAnswer(a, b []passage) bool { return slices.Equal(a, b) }

// TestClusterReplicas is issue 15 §1-2: three replicas on a three-node
// JetStream cluster hold the same paragraphs and give the same answers
// within 2 s of a write; writes and answers go on with a NATS node down;
// a replica started later on an empty directory rebuilds from the stream.
func TestClusterReplicas(t *testing.T) {
	ns := natstest.Cluster(t, 3)
	corpusDir := t.TempDir()
	writeCorpus(t, corpusDir, 36, 4, "first edition")
	small := func(n *Node) { n.limit = 16 << 10 } // the JSONL file goes in several parts
	var rs []*testReplica
	for _, name := range []string{"r0", "r1", "r2"} {
		rs = append(rs, startReplica(t, ns.URL(), name, 3, t.TempDir(), small))
	}
	for _, r := range rs {
		r.following() // the 2 s is for replicas that run, not ones starting
	}
	qs := questions(50)

	seq := rs[0].ingest(corpusDir)
	if seq == 0 {
		t.Fatal("the ingest published nothing")
	}
	waitAllWithin(t, seq, rs...)
	agree(t, "first edition", qs, rs, corpusDir)

	// A NATS node goes: the stream keeps a majority, the replicas whose
	// connection it held reconnect to another.
	ns.Stop(streamLeader(t, rs[0].node, ns))
	writeCorpus(t, corpusDir, 30, 4, "second edition") // every story changes, 6 go
	if err := os.Remove(filepath.Join(corpusDir, "notes", "note-1.md")); err != nil {
		t.Fatal(err)
	}
	seq = rs[1].ingest(corpusDir)
	for _, r := range rs {
		r.waitApplied(seq) // a leader election first: no 2 s here
	}
	agree(t, "after a node loss", qs, rs, corpusDir)

	// Fresh writes with the node still down meet the 2 s again.
	writeFile(t, filepath.Join(corpusDir, "notes", "note-1.md"),
		"---\nid: note-1\ntitle: Note on the ferry\n---\n\nThe ferry and the harbour were discussed again.\n")
	seq = rs[2].ingest(corpusDir)
	waitAllWithin(t, seq, rs...)
	agree(t, "a file back, a node down", qs, rs, corpusDir)

	late := startReplica(t, ns.URL(), "late", 3, t.TempDir(), nil)
	late.waitApplied(seq)
	agree(t, "a replica started later", qs, append(rs, late), corpusDir)
}

// streamLeader is the index in ns of the node leading the article stream.
func streamLeader(t *testing.T, n *Node, ns *natstest.Servers) int {
	t.Helper()
	s, err := n.js.Stream(context.Background(), StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info := s.CachedInfo()
	if info.Cluster == nil {
		t.Fatal("the stream reports no cluster")
	}
	for i := range ns.URLs() {
		if ns.Server(i).Name() == info.Cluster.Leader {
			return i
		}
	}
	t.Fatalf("stream leader %q is none of the nodes", info.Cluster.Leader)
	return 0
}
