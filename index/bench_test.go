package index

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/sharedtest"
)

// Benchmarks over the news evaluation set (2,092 articles, ~100k
// paragraphs). Run them alone, without -race:
//
//	go test -run '^$' -bench BenchmarkEval -benchtime 1x ./index/
//
// They report paragraphs/s, Ask latency percentiles over the 207 questions
// (asked as of their day), reopen-to-first-answer time and peak RSS.

// resetPeakRSS restarts the kernel's high-water mark of this process's
// resident memory (Linux; a no-op elsewhere).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMB is the process's resident-memory high-water mark, or 0 when unknown.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// cpuTime is the user+system CPU time this process has used: on a shared
// machine it is a steadier measure of ingest cost than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func evalArticles(tb testing.TB) string {
	sharedtest.SkipEvalIfShort(tb)
	return sharedtest.Path(tb, "eval/news/articles.jsonl")
}

// evalQuestion is one line of eval/news/questions.jsonl. The eval package
// reads these too; it is not imported here so that index tests depend on
// nothing but corpus and Bleve.
type evalQuestion struct {
	QID      string   `json:"qid"`
	Question string   `json:"question"`
	AsOf     string   `json:"asof"`
	Relevant []string `json:"relevant"`
}

func evalQuestions(tb testing.TB) []evalQuestion {
	b, err := os.ReadFile(sharedtest.Path(tb, "eval/news/questions.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	var qs []evalQuestion
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var q evalQuestion
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			tb.Fatal(err)
		}
		qs = append(qs, q)
	}
	return qs
}

// evalMetrics are retrieval quality and latency over the questions.
type evalMetrics struct {
	r1, r3, r5, r10, mrr10 float64
	answered               float64 // share of questions with any passage
	p50, p99               time.Duration
}

// runEval asks every question (as of its day) for k passages, twice: the
// first pass warms the index, the second is timed.
func runEval(tb testing.TB, ix *Index, qs []evalQuestion, k int) evalMetrics {
	return runEvalAsOf(tb, ix, qs, k, true)
}

// runEvalAsOf is runEval, optionally asking every question as of today
// (no date filter: how the bot asks), where recall means little.
func runEvalAsOf(tb testing.TB, ix *Index, qs []evalQuestion, k int, useAsOf bool) evalMetrics {
	return runEvalIn(tb, ix, qs, k, useAsOf, briefbot.Scope{})
}

// runEvalIn is runEvalAsOf asking from scope sc.
func runEvalIn(tb testing.TB, ix *Index, qs []evalQuestion, k int, useAsOf bool, sc briefbot.Scope) evalMetrics {
	var m evalMetrics
	var times []time.Duration
	for pass := 0; pass < 2; pass++ {
		m = evalMetrics{}
		times = times[:0]
		for _, q := range qs {
			opts := briefbot.AskOptions{K: k, Scope: sc}
			if q.AsOf != "" && useAsOf {
				opts.AsOf, _ = time.Parse(time.DateOnly, q.AsOf)
			}
			start := time.Now()
			ans, err := ix.Ask(context.Background(), q.Question, opts)
			times = append(times, time.Since(start))
			if err != nil {
				tb.Fatalf("%s: %v", q.QID, err)
			}
			if len(ans.Passages) > 0 {
				m.answered++
			}
			rank := 0
			for i, p := range ans.Passages {
				if slices.Contains(q.Relevant, p.ID) {
					rank = i + 1
					break
				}
			}
			for _, r := range []struct {
				n int
				v *float64
			}{{1, &m.r1}, {3, &m.r3}, {5, &m.r5}, {10, &m.r10}} {
				if rank > 0 && rank <= r.n {
					*r.v++
				}
			}
			if rank > 0 && rank <= 10 {
				m.mrr10 += 1 / float64(rank)
			}
		}
	}
	n := float64(len(qs))
	m.r1, m.r3, m.r5, m.r10, m.mrr10, m.answered = m.r1/n, m.r3/n, m.r5/n, m.r10/n, m.mrr10/n, m.answered/n
	slices.Sort(times)
	m.p50 = times[(len(times)-1)*50/100]
	m.p99 = times[(len(times)-1)*99/100]
	return m
}

// buildEvalIndex ingests the news set into a new index under dir and
// closes it.
func buildEvalIndex(tb testing.TB, dir string) IngestReport {
	ix, err := Open(dir, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer ix.Close()
	rep, err := ix.Ingest(context.Background(), []string{evalArticles(tb)}, IngestOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

// openEvalIndex ingests the news set into a new index and opens it again
// read-only, as a server answering from it would; it is closed when the
// test ends.
func openEvalIndex(tb testing.TB) *Index {
	dir := filepath.Join(tb.TempDir(), "ix")
	buildEvalIndex(tb, dir)
	ix, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

var benchBatch = flag.Int("batchdocs", 0, "documents per batch in BenchmarkEvalIngest (0 = default)")

func BenchmarkEvalIngest(b *testing.B) {
	path := evalArticles(b)
	if *benchBatch > 0 {
		old := batchDocs
		batchDocs = *benchBatch
		defer func() { batchDocs = old }()
	}
	var paras int
	var took, cpu time.Duration
	var rss float64
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(b.TempDir(), "ix")
		resetPeakRSS()
		cpu0 := cpuTime()
		start := time.Now()
		ix, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := ix.Ingest(context.Background(), []string{path}, IngestOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		took += time.Since(start)
		cpu += cpuTime() - cpu0
		paras += rep.Paragraphs
		rss = max(rss, peakRSSMB())

		// Re-ingesting the unchanged corpus skips it by hash.
		ix, err = Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		again, err := ix.Ingest(context.Background(), []string{path}, IngestOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "reingest_ms")
		ix.Close()
		if again.Paragraphs != 0 {
			b.Fatalf("unchanged re-ingest wrote %d paragraphs", again.Paragraphs)
		}
	}
	b.ReportMetric(float64(paras)/took.Seconds(), "paragraphs/s")
	b.ReportMetric(float64(paras)/cpu.Seconds(), "paragraphs/cpu-s")
	b.ReportMetric(float64(paras)/float64(b.N), "paragraphs")
	b.ReportMetric(rss, "peakRSS_MB")
}

func BenchmarkEvalAsk(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "ix")
	buildEvalIndex(b, dir)
	qs := evalQuestions(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Measure answering alone: hand the ingest's memory back first.
		runtime.GC()
		debug.FreeOSMemory()
		resetPeakRSS()
		start := time.Now()
		ix, err := Open(dir, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		q := qs[0]
		asOf, _ := time.Parse(time.DateOnly, q.AsOf)
		if _, err := ix.Ask(context.Background(), q.Question, briefbot.AskOptions{AsOf: asOf}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "reopen+first_ms")

		for _, k := range []int{3, 10} {
			m := runEval(b, ix, qs, k)
			kk := strconv.Itoa(k)
			b.ReportMetric(float64(m.p50.Microseconds())/1000, "p50_ms_k"+kk)
			b.ReportMetric(float64(m.p99.Microseconds())/1000, "p99_ms_k"+kk)
			if k == 10 {
				b.ReportMetric(m.r1, "recall@1")
				b.ReportMetric(m.r5, "recall@5")
				b.ReportMetric(m.mrr10, "mrr@10")
			}
		}
		m := runEvalAsOf(b, ix, qs, 3, false)
		b.ReportMetric(float64(m.p50.Microseconds())/1000, "p50_ms_today")
		b.ReportMetric(float64(m.p99.Microseconds())/1000, "p99_ms_today")
		b.ReportMetric(peakRSSMB(), "peakRSS_MB")
		ix.Close()
	}
}

// TestEvalIngestNews ingests the news set and checks what the ingest
// promises at that size: every article read, an unchanged re-ingest skipped
// by hash within seconds, and a reopened index answering at once.
func TestEvalIngestNews(t *testing.T) {
	path := evalArticles(t)
	dir := filepath.Join(t.TempDir(), "ix")
	start := time.Now()
	rep := buildEvalIndex(t, dir)
	t.Logf("ingest: %d articles, %d paragraphs in %v (%d skipped, %d warnings, %d duplicates)",
		rep.Added, rep.Paragraphs, time.Since(start).Round(time.Millisecond), len(rep.Skipped), len(rep.Warnings), len(rep.Duplicates))
	if rep.Added < 2000 || rep.Paragraphs < 80000 {
		t.Errorf("ingest report %d articles, %d paragraphs", rep.Added, rep.Paragraphs)
	}

	start = time.Now()
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ans, err := ix.Ask(context.Background(), "Which show was green lit for a new season?", briefbot.AskOptions{AsOf: day("2022-06-17")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reopen + first answer: %v", time.Since(start).Round(time.Millisecond))
	if len(ans.Passages) == 0 {
		t.Errorf("no answer: %v", ans.NoMatch)
	}
	st, err := ix.Stats(context.Background(), briefbot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Articles != rep.Added || st.Paragraphs != rep.Paragraphs {
		t.Errorf("stats %+v vs report %+v", st, rep)
	}

	start = time.Now()
	again, err := ix.Ingest(context.Background(), []string{path}, IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("unchanged re-ingest took %v", d)
	}
	if again.Unchanged != rep.Added || again.Paragraphs != 0 || again.Added+again.Updated+again.Removed != 0 {
		t.Errorf("unchanged re-ingest: %+v", again)
	}
	days, _ := ix.Days(context.Background(), briefbot.Scope{}, nil, 0)
	if len(days) == 0 {
		t.Fatal("no days")
	}
	arts, err := ix.ArticlesBetween(context.Background(), briefbot.Scope{}, days[0], days[0].AddDate(0, 0, 1))
	if err != nil || len(arts) == 0 || len(arts[0].Paragraphs) == 0 {
		t.Errorf("ArticlesBetween(%v): %d articles, %v", days[0], len(arts), err)
	}
}

// BenchmarkEvalNearestTerm measures the spelling correction of one absent
// question term against the news set's dictionary (about 100k paragraphs):
// a typo one edit away, one a swap away, one two edits away, and a word
// with no near spelling, which pays for the two-edit walk and finds
// nothing.
//
//	go test -run '^$' -bench BenchmarkEvalNearestTerm ./index/
func BenchmarkEvalNearestTerm(b *testing.B) {
	ix := openEvalIndex(b)
	r, err := ix.reader()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for _, c := range []struct{ name, term, want string }{
		{"one-edit", "goverment", "government"},
		{"swap", "kardashain", "kardashian"},
		{"two-edits", "percentag", "percent"}, // the stem of "percentage"
		{"none", "zqxwvutsrq", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				got, err := nearestTerm(context.Background(), r, c.term)
				if err != nil || got != c.want {
					b.Fatalf("nearestTerm(%q) = %q, %v; want %q", c.term, got, err, c.want)
				}
			}
		})
	}
}
