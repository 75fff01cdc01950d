package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/briefbot/briefbot/eval"
	"github.com/briefbot/briefbot/internal/discordtest"
	"github.com/briefbot/briefbot/internal/natstest"
)

// BenchmarkServeFreshnessReplicas is issue 15 §2: BenchmarkServeFreshness's
// healthy live-feeds load with serve as replica a on an embedded NATS
// JetStream server (one node, BRIEFBOT_NATS_REPLICAS=1), and a second
// `serve` process, replica b (its own home and index, no subscriptions of
// its own: it gets them from the feeds bucket), started once a holds the
// feeds lease, so a polls and publishes and b only applies. Each
// replica's /metrics is scraped every second for
// briefbot_replica_lag_messages, reported as p50/p99/max per replica;
// serve updates that gauge only every lagEvery (2 s), so the 1 s samples
// repeat values. Freshness (item appearing to answerable) is reported as
// the harness does, asked through a's socket, and through b's too.
//
//	BRIEFBOT_FRESHNESS_MINUTES=20 go test -run '^$' -bench ServeFreshnessReplicas -benchtime 1x -timeout 1h ./cmd/briefbot/
//
// The same variables as BenchmarkServeFreshness apply.
func BenchmarkServeFreshnessReplicas(b *testing.B) {
	cfg := freshBenchConfig(b)
	bin := buildBriefbot(b)
	b.Run("healthy", func(b *testing.B) {
		for b.Loop() {
			reportReplicaFresh(b, runReplicaFresh(b, bin, cfg))
		}
	})
}

// replicaFresh is what a replicated run saw besides the harness's run.
type replicaFresh struct {
	a, b         *freshRun // b's: the same items, found through b's socket
	lagA, lagB   []float64 // lag samples, messages
	bPollsFeeds  bool      // b, not a, took the feeds lease
	scrapeErrors int
}

// runReplicaFresh runs the live feeds against replica a (the harness's
// serve) and replica b, started alongside.
func runReplicaFresh(b *testing.B, bin string, cfg freshConfig) *replicaFresh {
	ns := natstest.Single(b)
	out := &replicaFresh{b: &freshRun{found: map[*liveItem]time.Time{}}}
	askB := newAsker(out.b)
	addrA := freeAddr(b)
	cfg.env = append(cfg.env, "BRIEFBOT_NATS_URL="+ns.URL(), "BRIEFBOT_REPLICA=a",
		"BRIEFBOT_NATS_REPLICAS=1", "BRIEFBOT_METRICS_ADDR="+addrA)
	cfg.onDeliver = askB.add
	cfg.alongside = func(ctx context.Context, r *freshRun) func() {
		waitLease(b, r.serveLog)
		out.b.src = r.src
		root := b.TempDir()
		indexB := filepath.Join(root, "index")
		fake := discordtest.New(b)
		addrB := freeAddr(b)
		vars := []string{
			"HOME=" + root, "DISCORD_TOKEN=" + strings.TrimPrefix(fake.Token, "Bot "), "DISCORD_APP_ID=" + fake.AppID,
			"DISCORD_API_BASE=" + fake.URL, "BRIEFBOT_INDEX=" + indexB,
			"BRIEFBOT_NATS_URL=" + ns.URL(), "BRIEFBOT_REPLICA=b", "BRIEFBOT_NATS_REPLICAS=1",
			"BRIEFBOT_METRICS_ADDR=" + addrB,
		}
		logB := filepath.Join(root, "serve.log")
		cmdB := startServe(b, bin, root, vars, logB)
		client := dialServe(b, indexB, cmdB, logB)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { askB.run(ctx, client) })
		}
		var errA, errB int
		wg.Go(func() { out.lagA, errA = scrapeLag(ctx, addrA) })
		wg.Go(func() { out.lagB, errB = scrapeLag(ctx, addrB) })
		return func() {
			wg.Wait()
			client.Close()
			out.bPollsFeeds = strings.Contains(tailAll(logB), "this replica polls the feeds")
			stopServe(b, cmdB, logB)
			out.scrapeErrors = errA + errB
			keepReplicaLog(b, logB)
		}
	}
	out.a = runFresh(b, bin, cfg)
	out.b.cfg, out.b.start, out.b.end = out.a.cfg, out.a.start, out.a.end
	out.b.published, out.b.askErrors = out.a.published, askB.errors
	return out
}

// waitLease waits (up to 60 s) for a's log to say it polls the feeds, so
// that b, started next, is the replica that only applies.
func waitLease(b *testing.B, logPath string) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if strings.Contains(tailAll(logPath), "this replica polls the feeds") {
			return
		}
	}
	b.Logf("replica a did not take the feeds lease within 60 s; starting b anyway")
}

func tailAll(path string) string {
	raw, _ := os.ReadFile(path)
	return string(raw)
}

// freeAddr is a loopback address nothing listens on (for a moment).
func freeAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// scrapeLag reads briefbot_replica_lag_messages from addr's /metrics
// every second until ctx ends; it returns the samples and the failed
// scrapes (before the gauge is first set, it is absent: not a sample).
func scrapeLag(ctx context.Context, addr string) ([]float64, int) {
	var lags []float64
	errs := 0
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return lags, errs
		case <-tick.C:
		}
		v, ok, err := readLag(ctx, "http://"+addr+"/metrics")
		if err != nil && ctx.Err() == nil {
			errs++
		} else if ok {
			lags = append(lags, v)
		}
	}
}

// readLag scrapes the lag gauge once.
func readLag(ctx context.Context, u string) (float64, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false, fmt.Errorf("scraping %s: %w", u, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, found := strings.CutPrefix(sc.Text(), "briefbot_replica_lag_messages "); found {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil, err
		}
	}
	return 0, false, sc.Err()
}

// lagFigures are p50, p99 and max of lag samples.
func lagFigures(s []float64) (p50, p99, mx float64) {
	if len(s) == 0 {
		return 0, 0, 0
	}
	return eval.Percentile(s, 50), eval.Percentile(s, 99), slices.Max(s)
}

// reportReplicaFresh reports the harness's figures (a) and the replicas'.
func reportReplicaFresh(b *testing.B, r *replicaFresh) {
	reportFresh(b, r.a)
	viaB := r.b.figures(everyFeed)
	b.ReportMetric(viaB.p50, "b-p50-s")
	b.ReportMetric(viaB.p99, "b-p99-s")
	for _, x := range []struct {
		name string
		s    []float64
	}{{"a", r.lagA}, {"b", r.lagB}} {
		p50, p99, mx := lagFigures(x.s)
		b.ReportMetric(p50, x.name+"-lag-p50-msgs")
		b.ReportMetric(p99, x.name+"-lag-p99-msgs")
		b.ReportMetric(mx, x.name+"-lag-max-msgs")
		b.Logf("replica %s lag: %d samples (1 s apart; the gauge updates every %v): p50 %.0f, p99 %.0f, max %.0f messages",
			x.name, len(x.s), lagEvery, p50, p99, mx)
		b.Logf("replica %s lag, max by minute: %s", x.name, maxByMinute(x.s))
	}
	b.Logf("through b's socket: %v (%d ask errors)", viaB, r.b.askErrors)
	b.Logf("b polled the feeds (took the lease): %v; failed scrapes: %d", r.bPollsFeeds, r.scrapeErrors)
}

// keepReplicaLog copies b's log into BRIEFBOT_FRESHNESS_LOGDIR, when set.
func keepReplicaLog(b *testing.B, logPath string) {
	if dir := os.Getenv("BRIEFBOT_FRESHNESS_LOGDIR"); dir != "" {
		name := strings.ReplaceAll(b.Name(), "/", "_") + "-b.log"
		if raw, err := os.ReadFile(logPath); err == nil {
			err = os.WriteFile(filepath.Join(dir, name), raw, 0o644)
			if err != nil {
				b.Logf("keeping b's log: %v", err)
			}
		}
	}
}

// maxByMinute is the largest of each 60 one-second samples: where in the
// run the lag was (the start holds b's catch-up with the stream).
func maxByMinute(s []float64) string {
	var parts []string
	for i := 0; i < len(s); i += 60 {
		parts = append(parts, fmt.Sprintf("%.0f", slices.Max(s[i:min(i+60, len(s))])))
	}
	return strings.Join(parts, " ")
}
