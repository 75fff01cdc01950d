package replica

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus"
	"github.com/briefbot/briefbot/eval"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/natstest"
	"github.com/briefbot/briefbot/internal/sharedtest"
)

// BenchmarkReplicaApply measures a replica applying the news evaluation
// set (2,092 articles, ~100k paragraphs) from the article stream, against
// a direct local Ingest of the same file in the same run, then the lag of
// that replica while a steady publisher writes a few articles a second.
// Run it alone, without -race:
//
//	go test ./replica -run '^$' -bench ReplicaApply -benchtime 1x
//
// NATS is one embedded JetStream node in the same process (it shares the
// two cores with the replica); BRIEFBOT_BENCH_NATS_NODES=3 makes it a
// three-node cluster keeping three copies of the stream, as production
// would. Figures: docs/performance.md, "Replicas".
func BenchmarkReplicaApply(b *testing.B) {
	sharedtest.SkipEvalIfShort(b)
	path := sharedtest.Path(b, "eval/news/articles.jsonl")
	for range b.N {
		ns, copies := benchNATS(b)
		pub := startReplica(b, ns.URL(), "publisher", copies, filepath.Join(b.TempDir(), "pub"), nil)
		seq, _, err := pub.node.Ingest(context.Background(), pub.ix, []string{path}, index.IngestOptions{})
		if err != nil {
			b.Fatal(err)
		}
		benchLogSize(b, ns, pub.node, path)
		pub.stop()
		b.ReportMetric(float64(seq), "log_messages")

		// The machine is shared: each side runs benchRounds times,
		// alternating, and the best of each is compared.
		var direct, applied benchRun
		var r *testReplica
		for round := range benchRounds {
			direct = direct.best(benchDirectIngest(b, path))
			run, rr := benchReplica(b, ns.URL(), fmt.Sprintf("replica%d", round), copies, seq)
			applied = applied.best(run)
			if r != nil {
				r.stop()
			}
			r = rr
		}
		if applied.paras != direct.paras {
			b.Fatalf("the replica holds %d paragraphs, the direct ingest %d", applied.paras, direct.paras)
		}
		b.ReportMetric(direct.rate(), "direct_paragraphs/s")
		b.ReportMetric(applied.rate(), "replica_paragraphs/s")
		b.ReportMetric(applied.rate()/direct.rate(), "replica/direct")
		b.ReportMetric(direct.cpuRate(), "direct_paragraphs/cpu-s")
		b.ReportMetric(applied.cpuRate(), "replica_paragraphs/cpu-s")

		benchLiveLag(b, ns.URL(), copies, r, path)
	}
}

// benchNATS is the benchmark's NATS and how many copies of the stream it
// keeps: one node, or BRIEFBOT_BENCH_NATS_NODES=3 nodes on loopback.
func benchNATS(b *testing.B) (*natstest.Servers, int) {
	switch v := os.Getenv("BRIEFBOT_BENCH_NATS_NODES"); v {
	case "", "1":
		return natstest.Single(b), 1
	case "3":
		return natstest.Cluster(b, 3), 3
	default:
		b.Fatalf("BRIEFBOT_BENCH_NATS_NODES=%q: want 1 or 3", v)
		return nil, 0
	}
}

// benchRounds is how many times each side of the comparison runs.
const benchRounds = 2

// benchRun is one timed write of the news set.
type benchRun struct {
	took, cpu time.Duration
	paras     int
}

func (r benchRun) rate() float64    { return float64(r.paras) / r.took.Seconds() }
func (r benchRun) cpuRate() float64 { return float64(r.paras) / r.cpu.Seconds() }

// best keeps the faster of r and o (the one less disturbed by the rest of
// the machine), and the lower CPU time of the two.
func (r benchRun) best(o benchRun) benchRun {
	if r.paras == 0 {
		return o
	}
	if o.took < r.took {
		r.took = o.took
	}
	r.cpu = min(r.cpu, o.cpu)
	return r
}

// benchReplica starts a replica on an empty directory and times it from
// start until it has applied the log up to seq; the replica goes on
// following.
func benchReplica(b *testing.B, url, name string, copies int, seq uint64) (benchRun, *testReplica) {
	cpu0, start := cpuTime(), time.Now()
	r := startReplica(b, url, name, copies, filepath.Join(b.TempDir(), name), nil)
	r.waitApplied(seq)
	run := benchRun{took: time.Since(start), cpu: cpuTime() - cpu0}
	run.paras = len(paragraphIDs(b, r.ix))
	return run, r
}

// benchDirectIngest ingests path into a new index, as one process does.
func benchDirectIngest(b *testing.B, path string) benchRun {
	ix, err := index.Open(filepath.Join(b.TempDir(), "direct"), index.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	cpu0, start := cpuTime(), time.Now()
	rep, err := ix.Ingest(context.Background(), []string{path}, index.IngestOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return benchRun{took: time.Since(start), cpu: cpuTime() - cpu0, paras: rep.Paragraphs}
}

// Live load: liveRate articles a second (200 feeds polled every few
// minutes give about that at peak), for liveFor.
const (
	liveRate = 4
	liveFor  = 30 * time.Second
)

// benchLiveLag runs a publisher of liveRate new articles a second (the
// news set's, under new ids) while r follows, sampling r's lag in
// messages (stream last sequence minus applied) every 50 ms and each
// write's time from PubAck to applied on r.
func benchLiveLag(b *testing.B, url string, copies int, r *testReplica, path string) {
	arts := benchArticles(b, path)
	pub, err := Connect(context.Background(), Config{URL: url, Name: "live", Replicas: copies}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), liveFor)
	defer cancel()
	type acked struct {
		seq uint64
		at  time.Time
	}
	acks := make(chan acked, 1024)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the publisher
		defer wg.Done()
		defer close(acks)
		tick := time.NewTicker(time.Second / liveRate)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			a := arts[i%len(arts)]
			a.ID = fmt.Sprintf("live-%d-%s", i, a.ID)
			seq, err := pub.Publish(context.Background(), index.Change{Articles: []briefbot.Article{a}})
			if err != nil {
				b.Error(err)
				return
			}
			acks <- acked{seq, time.Now()}
		}
	}()
	var delays []time.Duration
	go func() { // the applied-time tracker
		defer wg.Done()
		for a := range acks {
			r.waitApplied(a.seq)
			delays = append(delays, time.Since(a.at))
		}
	}()
	var lags []float64
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
			lag, err := r.node.Lag(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			lags = append(lags, float64(lag))
		}
	}
	wg.Wait()
	ms := make([]float64, len(delays))
	for i, d := range delays {
		ms[i] = float64(d.Microseconds()) / 1000
	}
	b.ReportMetric(eval.Percentile(lags, 50), "lag_p50_msgs")
	b.ReportMetric(eval.Percentile(lags, 99), "lag_p99_msgs")
	b.ReportMetric(eval.Percentile(ms, 50), "applied_p50_ms")
	b.ReportMetric(eval.Percentile(ms, 99), "applied_p99_ms")
	b.ReportMetric(float64(len(delays)), "live_writes")
}

func benchArticles(b *testing.B, path string) []briefbot.Article {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	arts, _ := corpus.Parse(filepath.Base(path), data)
	if len(arts) == 0 {
		b.Fatal("no articles in the news set")
	}
	return arts
}

// cpuTime is the user+system CPU time this process has used: on a shared
// machine a steadier measure of cost than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchLogSize reports how much the log holds for the news set, against
// the file it came from: the messages' own sizes (the stream's State.Bytes)
// and what the NATS node's store takes on disk (S2-compressed blocks),
// for docs/operations.md's growth figures.
func benchLogSize(b *testing.B, ns *natstest.Servers, n *Node, path string) {
	s, err := n.js.Stream(context.Background(), StreamName)
	if err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	var disk int64
	err = filepath.WalkDir(ns.Server(0).StoreDir(), func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			disk += info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	const mb = 1 << 20
	b.ReportMetric(float64(fi.Size())/mb, "corpus_file_MB")
	b.ReportMetric(float64(s.CachedInfo().State.Bytes)/mb, "log_MB")
	b.ReportMetric(float64(disk)/mb, "nats_store_MB")
}
