package replica

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/natstest"
)

var (
	childDir   = flag.String("replicachild", "", "internal: follow the log into this index as replica \"victim\" (TestReplicaProcessKilled)")
	childURL   = flag.String("replicaurl", "", "internal: the NATS URL of -replicachild")
	childHold  = flag.Int("replicahold", 0, "internal: after this many entries applied, -replicachild says HOLD and stops (until killed)")
	childStray = flag.Bool("replicastrays", false, "internal: -replicachild holds only once a Bleve batch beyond the manifest has landed (up to a minute)")
)

// TestReplicaChild is the child's side of TestReplicaProcessKilled: it
// follows the log and, after -replicahold entries applied but not yet
// committed (and with -replicastrays once documents the manifest does not
// know are on disk), says so and waits to be killed.
func TestReplicaChild(t *testing.T) {
	if *childDir == "" {
		t.Skip("run by TestReplicaProcessKilled")
	}
	ix, err := index.Open(*childDir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := Connect(context.Background(), Config{URL: *childURL, Name: "victim"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.batchMsgs = 4
	entries := 0
	n.afterEntry = func(seq uint64) {
		entries++
		if entries == *childHold {
			// A Bleve batch in flight lands on its own time: waited for
			// when the kill is to find it, as a loaded machine is slow.
			time.Sleep(time.Second)
			for deadline := time.Now().Add(time.Minute); *childStray && time.Now().Before(deadline) && strayDocs(t, ix) <= 0; {
				time.Sleep(20 * time.Millisecond)
			}
			fmt.Printf("HOLD %d %d\n", seq, ix.AppliedSeq())
			select {} // killed here, mid-batch, with entries uncommitted
		}
	}
	fmt.Println("FOLLOWING")
	t.Fatal(n.Follow(context.Background(), ix))
}

// TestReplicaProcessKilled kills a replica process (SIGKILL) in the middle
// of a batch: some entries applied in memory, a Bleve batch of them on
// disk already (the log's batch holds more than the 2,000 documents of a
// Bleve batch), none committed with the manifest. Restarted
// on the same directory, the replica holds exactly a clean ingest's
// paragraphs.
func TestReplicaProcessKilled(t *testing.T) {
	ns := natstest.Single(t)
	corpusDir, vdir := t.TempDir(), t.TempDir()
	writeCorpus(t, corpusDir, 36, 4, "first edition")
	writeBulk(t, filepath.Join(corpusDir, "bulk.jsonl"), 900)
	w := startReplica(t, ns.URL(), "writer", 1, t.TempDir(), func(n *Node) { n.limit = 128 << 10 })
	w.ingest(corpusDir)
	writeCorpus(t, corpusDir, 30, 4, "second edition")
	writeBulk(t, filepath.Join(corpusDir, "bulk.jsonl"), 800)
	if err := os.Remove(filepath.Join(corpusDir, "notes", "note-2.md")); err != nil {
		t.Fatal(err)
	}
	seq := w.ingest(corpusDir)

	orphans := 0
	if seq < 7 {
		t.Fatalf("the log holds %d messages: too few for the kills below", seq)
	}
	// Batches are 4 messages: the first child stops after 2 of its first
	// batch (once a Bleve batch of them is on disk), the second (starting
	// where the first committed) after 6.
	for _, hold := range []int{2, 6} {
		hold := runAndKill(t, ns.URL(), vdir, hold, hold == 2)
		t.Logf("killed after entry %d, committed up to %d (log: %d)", hold[0], hold[1], seq)
		if hold[0] <= hold[1] || hold[0] >= seq {
			t.Fatalf("the kill was not mid-batch: entry %d, committed %d, last %d", hold[0], hold[1], seq)
		}
		orphans += strays(t, vdir)
	}
	if orphans == 0 {
		t.Error("no kill left documents the manifest does not know: the test misses the case it is for")
	}
	v := startReplica(t, ns.URL(), "victim", 1, vdir, nil)
	v.waitApplied(seq)
	checkIndex(t, "restarted after SIGKILL", v, corpusDir)
}

// strays is how many paragraph documents the index in dir holds beyond
// those its committed manifest counts: written by a batch that landed
// before the kill, with no manifest naming them.
func strays(t *testing.T, dir string) int {
	t.Helper()
	ix, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	n := strayDocs(t, ix)
	t.Logf("after the kill: %d paragraph documents beyond the manifest's", n)
	return n
}

// strayDocs is how many paragraph documents ix holds beyond those its
// committed manifest counts.
func strayDocs(t *testing.T, ix *index.Index) int {
	st, err := ix.Stats(context.Background(), briefbot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	return len(paragraphIDs(t, ix)) - st.Paragraphs
}

// runAndKill runs TestReplicaChild on vdir until it holds after hold
// entries (with strays, once a Bleve batch beyond the manifest landed), kills it, and returns the entry it held at and what its index
// had committed.
func runAndKill(t *testing.T, url, vdir string, hold int, strays bool) [2]uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReplicaChild$", "-test.count=1",
		"-replicachild="+vdir, "-replicaurl="+url, fmt.Sprintf("-replicahold=%d", hold), fmt.Sprintf("-replicastrays=%v", strays))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	hang := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() }) // then the scan ends
	defer hang.Stop()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var at [2]uint64
		if _, err := fmt.Sscanf(sc.Text(), "HOLD %d %d", &at[0], &at[1]); err == nil {
			cmd.Process.Kill()
			return at
		}
	}
	cmd.Wait()
	t.Fatalf("the child ended without holding:\n%s", stderr.String())
	return [2]uint64{}
}

// writeBulk writes n short articles of 4 paragraphs into one JSONL file:
// many documents, so that a batch of the log holds more than one Bleve
// batch.
func writeBulk(t *testing.T, path string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"bulk-%04d","title":"Bulk %d","published":"2026-02-%02d","paragraphs":["The %s report %d.","The %s follow-up %d.","A %s note %d.","The %s close %d."]}`+"\n",
			i, i, 1+i%27, word(i), i, word(i+1), i, word(i+2), i, word(i+3), i)
	}
	writeFile(t, path, b.String())
}
