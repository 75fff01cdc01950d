package replica

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/natstest"
)

// TestIngestCatchesUp: an ingest through a replica that has not yet
// applied another replica's write first catches up, so that the files
// that write added and that are gone now are removed. The second replica
// applies slowly (a pause after each entry), so without the catching up
// its manifest would not know the file and no removal would be sent.
func TestIngestCatchesUp(t *testing.T) {
	ns := natstest.Single(t)
	corpusDir := t.TempDir()
	writeCorpus(t, corpusDir, 36, 4, "first edition")
	small := func(n *Node) { n.limit = 8 << 10 }
	a := startReplica(t, ns.URL(), "a", 1, t.TempDir(), small)
	b := startReplica(t, ns.URL(), "b", 1, t.TempDir(), func(n *Node) {
		small(n)
		n.afterEntry = func(uint64) { time.Sleep(20 * time.Millisecond) }
	})
	a.ingest(corpusDir)
	if err := os.Remove(filepath.Join(corpusDir, "notes", "note-2.md")); err != nil {
		t.Fatal(err)
	}
	seq := b.ingest(corpusDir)
	a.waitApplied(seq)
	b.waitApplied(seq)
	checkIndex(t, "a", a, corpusDir)
	checkIndex(t, "b", b, corpusDir)
}

// TestIngestNotFollowing: a node whose index is behind the log and that
// does not follow it refuses to prepare an ingest rather than send one
// that misses removals.
func TestIngestNotFollowing(t *testing.T) {
	ns := natstest.Single(t)
	corpusDir := t.TempDir()
	writeCorpus(t, corpusDir, 5, 2, "first edition")
	a := startReplica(t, ns.URL(), "a", 1, t.TempDir(), nil)
	a.waitApplied(a.ingest(corpusDir))

	ix, err := index.Open(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	n, err := Connect(context.Background(), Config{URL: ns.URL(), Name: "idle"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	_, _, err = n.Ingest(context.Background(), ix, []string{corpusDir}, index.IngestOptions{})
	if err == nil || !strings.Contains(err.Error(), "no Follow") {
		t.Fatalf("Ingest on an index behind the log, not following: %v", err)
	}
}
