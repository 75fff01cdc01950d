package index

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
)

var (
	killChild  = flag.String("killchild", "", "internal: ingest -killcorpus into this index, reporting each progress commit (used by TestIngestKilled)")
	killCorpus = flag.String("killcorpus", "", "internal: the corpus of -killchild")
)

// The corpus has killFiles files (fewer under -race, which CI runs and
// which slows ingestion several times over). Commits in the child come
// often, so that a kill lands between many of them; batches are small, so
// that several are in flight at a kill.
var (
	killFiles       = 2000
	killCommitEvery = 150
	killBatchDocs   = 100
)

func init() {
	if raceDetector {
		killFiles, killCommitEvery, killBatchDocs = 500, 40, 30
	}
}

// writeKillCorpus writes files small articles in 40 folders.
func writeKillCorpus(t testing.TB, dir string, files int) {
	words := []string{"harbour", "bridge", "council", "budget", "river", "election", "school", "railway", "festival", "storm"}
	for i := 0; i < files; i++ {
		w := func(k int) string { return words[(i*7+k)%len(words)] }
		text := fmt.Sprintf("Report %d on the %s\n\nThe %s and the %s were discussed in meeting %d of the town.\n\nResidents said the %s mattered more than the %s this year.\n",
			i, w(0), w(1), w(2), i, w(3), w(4))
		if i%3 == 0 {
			text += fmt.Sprintf("\nA third paragraph notes item %d about the %s.\n", i, w(5))
		}
		writeFile(t, filepath.Join(dir, fmt.Sprintf("folder%02d", i%40), fmt.Sprintf("report%05d.txt", i)), text)
	}
}

// killChildIngest is the child's side: it ingests and prints a line after
// opening the index and after each durable progress commit.
func killChildIngest() error {
	commitEvery, commitAfter, batchDocs = killCommitEvery, time.Hour, killBatchDocs
	onCommit = func(m *manifest) { fmt.Printf("COMMITTED %d\n", len(m.Articles)) }
	ix, err := Open(*killChild, Options{})
	if err != nil {
		return err
	}
	defer ix.Close()
	fmt.Println("OPENED")
	_, err = ix.Ingest(context.Background(), []string{*killCorpus}, IngestOptions{})
	fmt.Println("DONE")
	return err
}

// killResult is what a killed child reported.
type killResult struct {
	committed int  // articles in the last manifest it reported durable
	done      bool // it finished before the kill
}

// ingestAndKill runs a child ingesting corpus into ixDir and kills it with
// SIGKILL after waitCommits progress commits and then delay (with none, from
// its start, so that the kill may come while the index is being created).
func ingestAndKill(t testing.TB, corpus, ixDir string, waitCommits int, delay time.Duration) killResult {
	cmd := exec.Command(os.Args[0], "-test.run=^TestIngestKilled$", "-test.count=1",
		"-killchild="+ixDir, "-killcorpus="+corpus)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var res killResult // written by the reader until lines is closed
	reached := make(chan struct{})
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		opened, commits, signalled := false, 0, false
		signal := func() {
			if !signalled {
				close(reached)
				signalled = true
			}
		}
		defer signal()
		if waitCommits == 0 {
			signal() // the kill may land while the index is being created
		}
		for sc.Scan() {
			line := sc.Text()
			if n, ok := strings.CutPrefix(line, "COMMITTED "); ok {
				res.committed, _ = strconv.Atoi(n)
				commits++
			}
			opened = opened || line == "OPENED"
			res.done = res.done || line == "DONE"
			if opened && (commits == waitCommits || res.done) {
				signal()
			}
		}
	}()
	<-reached
	time.Sleep(delay)
	cmd.Process.Kill()
	<-lines
	cmd.Wait()
	if strings.Contains(stderr.String(), "panic") {
		t.Fatalf("child panicked:\n%s", stderr.String())
	}
	return res
}

// paragraphIDs lists every paragraph document the index holds.
func paragraphIDs(t testing.TB, ix *Index) []string {
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), docCount(t, ix)+10, 0, false)
	res, err := ix.bl.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	sort.Strings(out)
	return out
}

// checkKilled opens an index whose ingest was killed and checks it: every
// commit reported is there whole, and a re-ingest gives the clean result.
func checkKilled(t testing.TB, ixDir, corpus string, res killResult, clean []string) {
	ix, err := Open(ixDir, Options{})
	if err != nil {
		t.Fatalf("the index of a killed ingest does not open: %v", err)
	}
	defer ix.Close()
	man := ix.snapshot()
	if len(man.Articles) < res.committed {
		t.Errorf("%d articles after the kill, but %d were reported committed", len(man.Articles), res.committed)
	}
	have := map[string]bool{}
	for _, id := range paragraphIDs(t, ix) {
		have[id] = true
	}
	for id, a := range man.Articles {
		for _, k := range a.keys(id) {
			if !have[k] {
				t.Fatalf("article %s is committed but its paragraph %s is missing", id, k)
			}
		}
	}
	if _, err := ix.Ingest(context.Background(), []string{corpus}, IngestOptions{}); err != nil {
		t.Fatalf("re-ingest after the kill: %v", err)
	}
	got := paragraphIDs(t, ix)
	if strings.Join(got, " ") != strings.Join(clean, " ") {
		t.Errorf("re-ingest after the kill holds %d paragraphs, a clean ingest %d", len(got), len(clean))
	}
	if man := ix.snapshot(); man.paragraphs != len(clean) || len(man.Files) != killFiles {
		t.Errorf("re-ingest after the kill: manifest of %d paragraphs and %d files, want %d and %d",
			man.paragraphs, len(man.Files), len(clean), killFiles)
	}
}

// killRuns kills runs ingests at random points and checks each index.
func killRuns(t testing.TB, runs int) {
	tmp := t.TempDir()
	corpus := filepath.Join(tmp, "corpus")
	writeKillCorpus(t, corpus, killFiles)
	cleanIx, err := Open(filepath.Join(tmp, "clean"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := cleanIx.Ingest(context.Background(), []string{corpus}, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	full := time.Since(start)
	clean := paragraphIDs(t, cleanIx)
	cleanIx.Close()

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	commits := killFiles / killCommitEvery
	done, reported := 0, 0
	for run := 0; run < runs; run++ {
		wait := rng.IntN(commits + 1)
		delay := time.Duration(rng.Int64N(int64(full / time.Duration(commits))))
		ixDir := filepath.Join(tmp, fmt.Sprintf("run%d", run))
		res := ingestAndKill(t, corpus, ixDir, wait, delay)
		t.Logf("run %d (seed %d): killed after %d commits + %s: %d articles reported committed, finished %v",
			run, seed, wait, delay.Round(time.Millisecond), res.committed, res.done)
		checkKilled(t, ixDir, corpus, res, clean)
		if res.done {
			done++
		}
		if res.committed > 0 {
			reported++
		}
		os.RemoveAll(ixDir)
	}
	if reported == 0 {
		t.Errorf("no run was killed after a reported commit: the test checks nothing")
	}
	t.Logf("%d runs, %d finished before the kill; clean ingest of %d files took %s", runs, done, killFiles, full.Round(time.Millisecond))
}

// TestIngestKilled kills a fresh ingest with SIGKILL at random points (after
// a random number of progress commits, then a random delay): the index
// opens, every commit the child reported is there whole, and ingesting
// again gives the same paragraphs as a clean ingest.
func TestIngestKilled(t *testing.T) {
	if *killChild != "" {
		if err := killChildIngest(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		return
	}
	killRuns(t, 10)
}

// BenchmarkIngestKilled is TestIngestKilled with b.N runs, for a longer
// hunt than CI affords: go test -run=^$ -bench=IngestKilled -benchtime=100x ./index/
func BenchmarkIngestKilled(b *testing.B) {
	killRuns(b, b.N)
}
