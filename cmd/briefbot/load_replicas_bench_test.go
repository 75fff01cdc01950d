package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/briefbot/briefbot/eval"
	"github.com/briefbot/briefbot/internal/discordtest"
	"github.com/briefbot/briefbot/internal/natstest"
	"github.com/briefbot/briefbot/replica"
)

// BenchmarkServeHTTPLoadReplicas is issue 15 §3's load against two
// replicas: an embedded NATS JetStream server (BRIEFBOT_LOAD_NATS_NODES=3
// for a three-node cluster, the stream replicated 3 times), two `serve
// --http` replicas in this process, each on its own index with
// BRIEFBOT_NATS_URL set, the bundled sample ingested once, through
// replica a's start-up ingest (so published to the log and applied by
// both), and a round-robin reverse proxy in front of them. The same 200
// workers and interaction mix as BenchmarkServeHTTPLoad post through the
// proxy for BRIEFBOT_LOAD_DURATION (default 60s). Besides that
// benchmark's figures it reports how many requests each replica got and
// each one's p99 as the proxy saw it; any 5xx fails it. RSS and the live
// heap are the whole process's: NATS, both replicas, the proxy, the fake
// Discord and the clients.
//
//	go test -run '^$' -bench 'ServeHTTPLoad' -benchtime 1x -timeout 20m ./cmd/briefbot/
func BenchmarkServeHTTPLoadReplicas(b *testing.B) {
	dur := loadDuration(b)
	const workers = 200
	widenDefaultTransport(b, workers)
	ns, copies := loadNATS(b)
	fake := discordtest.New(b)
	root := b.TempDir()
	corpusDir := filepath.Join(root, "corpus")
	if err := writeSample(corpusDir); err != nil {
		b.Fatal(err)
	}
	// a ingests at start, through the log; b has no corpus of its own and
	// gets the articles from the log only.
	varsA := loadReplicaVars(fake, root, "a", ns.URL(), copies)
	varsA["BRIEFBOT_CORPUS"] = corpusDir
	urlA := startServeHTTP(b, varsA, "a", slog.LevelWarn)
	urlB := startServeHTTP(b, loadReplicaVars(fake, root, "b", ns.URL(), copies), "b", slog.LevelWarn)
	waitReplicasApplied(b, ns, "a", "b")
	for _, u := range []string{urlA, urlB} {
		checkAnswers(b, fake, u)
	}
	rr := startRoundRobin(b, workers, urlA, urlB)
	b.Logf("NATS: %d node(s), the stream replicated %d times", len(ns.URLs()), copies)
	for n := 0; n < b.N; n++ {
		runProxiedLoad(b, fake, rr, workers, dur)
	}
}

// BenchmarkServeHTTPLoadProxied is BenchmarkServeHTTPLoad's single
// instance behind the same proxy, with one backend: what the proxy's hop
// costs, apart from what two replicas on the same cores cost.
func BenchmarkServeHTTPLoadProxied(b *testing.B) {
	dur := loadDuration(b)
	const workers = 200
	widenDefaultTransport(b, workers)
	fake, url := startLoadDeployment(b)
	rr := startRoundRobin(b, workers, url)
	for n := 0; n < b.N; n++ {
		runProxiedLoad(b, fake, rr, workers, dur)
	}
}

// runProxiedLoad runs the load through the proxy rr and reports it, with
// the requests and the p99 (as the proxy saw it) of each backend, named
// a, b, … in the order given to startRoundRobin. A 5xx fails the
// benchmark. BRIEFBOT_LOAD_HEAPPROFILE=file writes the heap profile to
// file.ServeHTTPLoadReplicas (or …Proxied) after the load.
func runProxiedLoad(b *testing.B, fake *discordtest.Server, rr *roundRobin, workers int, dur time.Duration) {
	b.Helper()
	rr.reset()
	res := runLoad(b, fake, rr.url+"/interactions", workers, dur)
	if p := os.Getenv("BRIEFBOT_LOAD_HEAPPROFILE"); p != "" {
		writeHeapProfile(b, p+"."+strings.TrimPrefix(b.Name(), "Benchmark"))
	}
	reportLoad(b, res, dur)
	total := 0
	var split []string
	for i := range rr.backends {
		ms, name := rr.ms(i), string(rune('a'+i))
		total += len(ms)
		b.ReportMetric(float64(len(ms)), "req-"+name)
		b.ReportMetric(eval.Percentile(ms, 99), "p99-ms-"+name)
		split = append(split, fmt.Sprintf("%s %d", name, len(ms)))
	}
	b.Logf("requests per backend: %s", strings.Join(split, ", "))
	if total != res.count {
		b.Errorf("the proxy passed %d requests to the backends; the workers sent %d", total, res.count)
	}
	if res.status5xx > 0 {
		b.Fatalf("%d replies with a 5xx status", res.status5xx)
	}
}

// loadNATS starts the embedded NATS: one node, or BRIEFBOT_LOAD_NATS_NODES
// (3 or 5) in a cluster, and returns it with the stream's replication
// factor (the number of nodes).
func loadNATS(b *testing.B) (*natstest.Servers, int) {
	b.Helper()
	v := os.Getenv("BRIEFBOT_LOAD_NATS_NODES")
	if v == "" || v == "1" {
		return natstest.Single(b), 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 3 || n > maxNATSReplicas {
		b.Fatalf("BRIEFBOT_LOAD_NATS_NODES=%q: want 1, or 3 to 5", v)
	}
	return natstest.Cluster(b, n), n
}

// loadReplicaVars is the environment of replica name: its own home and
// index under root, on the NATS servers at natsURL.
func loadReplicaVars(fake *discordtest.Server, root, name, natsURL string, copies int) map[string]string {
	dir := filepath.Join(root, name)
	vars := loadServeVars(fake, dir, filepath.Join(dir, "index"))
	vars["BRIEFBOT_NATS_URL"] = natsURL
	vars["BRIEFBOT_REPLICA"] = name
	vars["BRIEFBOT_NATS_REPLICAS"] = strconv.Itoa(copies)
	return vars
}

// waitReplicasApplied waits until each named replica's durable consumer
// has acknowledged the whole article stream: a replica acknowledges a
// message only once its index has committed it.
func waitReplicasApplied(b *testing.B, ns *natstest.Servers, names ...string) {
	b.Helper()
	js := ns.JetStream(b)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := js.Stream(ctx, replica.StreamName)
	if err != nil {
		b.Fatal(err)
	}
	last := s.CachedInfo().State.LastSeq
	if last == 0 {
		b.Fatal("the article stream is empty: the start-up ingest published nothing")
	}
	for _, name := range names {
		for acked := uint64(0); acked < last; {
			c, err := js.Consumer(ctx, replica.StreamName, name)
			if err == nil {
				acked = c.CachedInfo().AckFloor.Stream
			}
			if ctx.Err() != nil {
				b.Fatalf("replica %s: applied up to %d of %d (%v)", name, acked, last, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	b.Logf("both replicas applied the article stream (%d messages)", last)
}

// checkAnswers posts one interaction of each kind to the endpoint at u
// and fails unless each reply quotes the sample: the replica answers from
// what the log gave it.
func checkAnswers(b *testing.B, fake *discordtest.Server, u string) {
	b.Helper()
	for k := range 3 {
		i, want := loadInteraction(fake, k)
		in := fake.PostInteraction(u, i)
		if in.Status != http.StatusOK || !strings.Contains(string(in.Body), want) {
			b.Fatalf("%s: interaction %d: status %d, no %q in %s", u, k, in.Status, want, in.Body)
		}
	}
}

// roundRobin is the test's load balancer: a reverse proxy that sends each
// request to the next backend in turn, and records per backend the time
// from passing a request on to the reply's headers.
type roundRobin struct {
	url      string
	backends []*url.URL
	next     atomic.Uint64
	mu       sync.Mutex
	times    [][]float64 // ms, per backend
}

// startRoundRobin starts the proxy in front of the endpoints (URLs of
// serve's /interactions) until the benchmark ends.
func startRoundRobin(b *testing.B, workers int, endpoints ...string) *roundRobin {
	b.Helper()
	rr := &roundRobin{times: make([][]float64, len(endpoints))}
	for _, e := range endpoints {
		u, err := url.Parse(e)
		if err != nil {
			b.Fatal(err)
		}
		u.Path = ""
		rr.backends = append(rr.backends, u)
	}
	// A connection per worker to each backend, kept: as for the clients,
	// anything less opens connections per request.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 0, workers
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(rr.backends[int(rr.next.Add(1)-1)%len(rr.backends)])
		},
		Transport: rr.timed(tr),
	}
	srv := httptest.NewServer(p)
	b.Cleanup(func() { srv.Close(); tr.CloseIdleConnections() })
	rr.url = srv.URL
	return rr
}

// timed wraps tr to record each round trip's time under its backend.
func (rr *roundRobin) timed(tr http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		i := rr.backendOf(req.URL.Host)
		start := time.Now()
		resp, err := tr.RoundTrip(req)
		ms := float64(time.Since(start).Microseconds()) / 1000
		rr.mu.Lock()
		rr.times[i] = append(rr.times[i], ms)
		rr.mu.Unlock()
		return resp, err
	})
}

func (rr *roundRobin) backendOf(host string) int {
	for i, u := range rr.backends {
		if u.Host == host {
			return i
		}
	}
	panic(fmt.Sprintf("roundRobin: request to %s, not a backend", host))
}

// ms are backend i's round-trip times since the last reset.
func (rr *roundRobin) ms(i int) []float64 {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return append([]float64(nil), rr.times[i]...)
}

func (rr *roundRobin) reset() {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	for i := range rr.times {
		rr.times[i] = nil
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
