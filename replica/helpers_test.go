package replica

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/index"
)

// testReplica is one briefbot process of a test: an index of its own and
// a Node following the log into it.
type testReplica struct {
	t      testing.TB
	name   string
	dir    string
	url    string
	nrep   int
	ix     *index.Index
	node   *Node
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// startReplica opens (or reopens) the index in dir and follows the log
// into it; setup, when set, adjusts the node before Follow starts.
func startReplica(t testing.TB, url, name string, replicas int, dir string, setup func(*Node)) *testReplica {
	t.Helper()
	ix, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := Connect(context.Background(), Config{URL: url, Name: name, Replicas: replicas}, testLog(t, name))
	if err != nil {
		ix.Close()
		t.Fatal(err)
	}
	if setup != nil {
		setup(n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &testReplica{t: t, name: name, dir: dir, url: url, nrep: replicas, ix: ix, node: n, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- n.Follow(ctx, ix) }()
	t.Cleanup(r.stop)
	return r
}

// stop ends Follow (as a process would on SIGTERM or a kill between
// commits), closes the node and the index.
func (r *testReplica) stop() {
	r.once.Do(func() {
		r.cancel()
		if err := <-r.done; err != nil {
			r.t.Errorf("%s: Follow: %v", r.name, err)
		}
		r.node.Close()
		r.ix.Close()
	})
}

// waitApplied waits until the replica has applied seq. The deadline is
// generous: -race on a shared machine is slow; the time it takes is
// measured in BenchmarkReplicaApply, not asserted here.
func (r *testReplica) waitApplied(seq uint64) index.IngestReport {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := r.node.WaitApplied(ctx, seq)
	if err != nil {
		r.t.Fatalf("%s: %v", r.name, err)
	}
	return rep
}

func (r *testReplica) ingest(paths ...string) uint64 {
	r.t.Helper()
	seq, _, err := r.node.Ingest(context.Background(), r.ix, paths, index.IngestOptions{})
	if err != nil {
		r.t.Fatalf("%s: ingest: %v", r.name, err)
	}
	return seq
}

func paragraphIDs(t testing.TB, ix *index.Index) []string {
	t.Helper()
	ids, err := ix.ParagraphIDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// cleanIDs is what a single-process Ingest of paths holds.
func cleanIDs(t testing.TB, paths ...string) []string {
	t.Helper()
	ix, err := index.Open(filepath.Join(t.TempDir(), "clean"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Ingest(context.Background(), paths, index.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	return paragraphIDs(t, ix)
}

func sameIDs(t testing.TB, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: %d paragraphs, want %d; extra %.300v; missing %.300v", what, len(got), len(want), minus(got, want), minus(want, got))
	}
}

// minus lists the ids of a not in b.
func minus(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, id := range b {
		in[id] = true
	}
	var out []string
	for _, id := range a {
		if !in[id] {
			out = append(out, id)
		}
	}
	return out
}

// vocabulary for the synthetic corpus: answers need words that several
// articles share, in different amounts.
var vocabulary = strings.Fields(`harbour senate budget drought wheat railway election ministry
	pipeline glacier vaccine refinery tariff strike museum satellite bridge
	coalition flood monsoon reactor court verdict festival border ceasefire
	shipyard copper lithium airport protest inflation orchard volcano ferry
	treaty census stadium library subway cathedral laboratory quarry`)

func word(i int) string { return vocabulary[i%len(vocabulary)] }

// filler pads paragraphs: short words no question asks about.
var filler = strings.Fields(`north south east west early late local daily brief plain`)

// writeCorpus writes articles of paragraphs each into dir: most in one
// JSONL file (so that a small message limit cuts it into parts), a few as
// Markdown files. Each paragraph of the file is padded to a length of its
// own (up to articles×paragraphs words: keep that under 150, so that no
// paragraph is cut into parts of equal length). Paragraphs of equal length
// and equal counts of the question's words score exactly alike, and Ask
// breaks such ties by Bleve's internal document numbers, which differ
// between two indexes of the same articles (see docs/architecture.md,
// "Replicas"): without the padding, replicas would disagree on ties.
func writeCorpus(t testing.TB, dir string, articles, paragraphs int, edition string) {
	t.Helper()
	var b strings.Builder
	for i := range articles {
		var paras []string
		for j := range paragraphs {
			pad := make([]string, 1+i*paragraphs+j)
			for k := range pad {
				pad[k] = filler[(i+j+k)%len(filler)]
			}
			paras = append(paras, fmt.Sprintf("%q", fmt.Sprintf("The %s of %s met the %s on day %d; officials said the %s would follow the %s (%s). %s.",
				word(i*3+j), word(i+2*j+1), word(i*j+5), i+j, word(i+7), word(3*i+2*j+11), edition, strings.Join(pad, " "))))
		}
		fmt.Fprintf(&b, `{"id":"story-%03d","title":"%s and %s","author":"Desk %d","published":"2026-03-%02d","source":"wire.example","url":"https://wire.example/%d","paragraphs":[%s]}`+"\n",
			i, word(i), word(i+4), i%5, 1+i%27, i, strings.Join(paras, ","))
	}
	writeFile(t, filepath.Join(dir, "wire.jsonl"), b.String())
	for i := range 3 {
		writeFile(t, filepath.Join(dir, "notes", fmt.Sprintf("note-%d.md", i)),
			fmt.Sprintf("---\nid: note-%d\ntitle: Note on the %s\npublished: 2026-03-0%d\n---\n\nThe %s and the %s were discussed (%s).\n\nA second paragraph about the %s.\n",
				i, word(i*5), i+1, word(i*5), word(i*5+1), edition, word(i*5+2)))
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// questions are n questions over the vocabulary.
func questions(n int) []string {
	var qs []string
	for i := range n {
		qs = append(qs, fmt.Sprintf("What happened to the %s and the %s?", word(i*7+1), word(i*3+2)))
	}
	return qs
}

// passage is one passage of an answer: its paragraph id and score.
type passage struct {
	ID    string
	Score float64
}

// answers asks every question, as of a fixed day (so that the recency
// part of the scores is the same for every replica, whenever asked), and
// lists the passages of each answer, in order.
func answers(t testing.TB, ix *index.Index, qs []string) [][]passage {
	t.Helper()
	asOf := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	var out [][]passage
	for _, q := range qs {
		a, err := ix.Ask(context.Background(), q, briefbot.AskOptions{K: 5, AsOf: asOf})
		if err != nil {
			t.Fatalf("ask %q: %v", q, err)
		}
		var ps []passage
		for _, p := range a.Passages {
			ps = append(ps, passage{p.ID, p.Score})
		}
		out = append(out, ps)
	}
	return out
}

// testLog sends a node's log to the test's log, until the test ends (the
// NATS client may report a closed connection after that).
func testLog(t testing.TB, name string) *slog.Logger {
	w := &tlogWriter{t: t, name: name}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tlogWriter struct {
	t    testing.TB
	name string
	mu   sync.Mutex
	done bool
}

func (w *tlogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(w.name + ": " + strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// following waits until the replica's durable consumer exists: Follow has
// started reading the log.
func (r *testReplica) following() {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := r.node.js.Consumer(ctx, StreamName, r.name)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: no consumer: %v", r.name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
