package index

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// BenchmarkEvalSpaces measures what spaces cost (issue #11 §5) on the news
// set: ingest rate and Ask latency with every article in the shared space,
// against the same articles with every tenth moved to server A's space,
// asked from A (which sees all of them) and from server B (which sees the
// shared 90 %). Run it alone, without -race:
//
//	go test -run '^$' -bench BenchmarkEvalSpaces -benchtime 1x ./index/
func BenchmarkEvalSpaces(b *testing.B) {
	path := evalArticles(b)
	qs := evalQuestions(b)
	shared, server := splitEvalSet(b, path)
	for i := 0; i < b.N; i++ {
		all := filepath.Join(b.TempDir(), "all")
		paras, cpu := ingestSpaces(b, all, map[string]string{briefbot.SharedSpace: path})
		b.ReportMetric(float64(paras)/cpu.Seconds(), "shared_paragraphs/cpu-s")
		spaced := filepath.Join(b.TempDir(), "spaced")
		// The server's share goes in after the shared 90 %, as an admin's
		// ingest would come after the operator's.
		paras, cpu = ingestSpaces(b, spaced, map[string]string{briefbot.SharedSpace: shared})
		p2, c2 := ingestSpaces(b, spaced, map[string]string{serverA: server})
		b.ReportMetric(float64(paras+p2)/(cpu+c2).Seconds(), "spaced_paragraphs/cpu-s")

		askSpaces(b, all, "shared", qs, briefbot.Scope{})
		askSpaces(b, spaced, "fromA", qs, scopeA)
		askSpaces(b, spaced, "fromB", qs, scopeB)
	}
}

// askSpaces reports Ask's latency over the questions from sc, as the bot
// asks (k 3, as of today) and as the quality benchmarks do (k 10, as of
// each question's day), with recall@5 to show what the scope sees.
func askSpaces(b *testing.B, dir, name string, qs []evalQuestion, sc briefbot.Scope) {
	ix, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	today := runEvalIn(b, ix, qs, 3, false, sc)
	b.ReportMetric(float64(today.p50.Microseconds())/1000, name+"_p50_ms_today")
	b.ReportMetric(float64(today.p99.Microseconds())/1000, name+"_p99_ms_today")
	asOf := runEvalIn(b, ix, qs, 10, true, sc)
	b.ReportMetric(float64(asOf.p50.Microseconds())/1000, name+"_p50_ms_k10")
	b.ReportMetric(float64(asOf.p99.Microseconds())/1000, name+"_p99_ms_k10")
	b.ReportMetric(asOf.r5, name+"_recall@5")
}

// ingestSpaces ingests each space's path into the index in dir and returns
// the paragraphs written and the CPU time taken (steadier than wall time
// on a shared machine).
func ingestSpaces(b *testing.B, dir string, paths map[string]string) (paras int, cpu time.Duration) {
	ix, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	cpu0 := cpuTime()
	for space, p := range paths {
		rep, err := ix.Ingest(context.Background(), []string{p}, IngestOptions{Space: space})
		if err != nil {
			b.Fatal(err)
		}
		paras += rep.Paragraphs
	}
	cpu = cpuTime() - cpu0
	// One segment, as Bleve's merger leaves an index that has rested: an
	// ingest under compactAfter paragraphs (the server's 10 %) leaves
	// several, whose cost is not the spaces'. Not counted in the ingest.
	ix.compact()
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	return paras, cpu
}

// splitEvalSet writes the news set's articles as two JSONL files: every
// tenth article in server, the rest in shared. Article ids are in the
// lines, so they stay what the questions cite.
func splitEvalSet(b *testing.B, path string) (shared, server string) {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var sh, sv strings.Builder
	n := 0
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if n%10 == 9 {
			sv.WriteString(line)
		} else {
			sh.WriteString(line)
		}
		n++
	}
	dir := b.TempDir()
	shared, server = filepath.Join(dir, "shared.jsonl"), filepath.Join(dir, "server.jsonl")
	if err := os.WriteFile(shared, []byte(sh.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(server, []byte(sv.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return shared, server
}
