package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot/eval"
	"github.com/briefbot/briefbot/feeds"
)

// BenchmarkServeFreshness is issue 14 §5: the built briefbot binary's
// `serve`, as its own process, polling 200 feeds of 20 items on loopback
// (each its own host), every feed gaining an item a minute, subscribed with
// `briefbot feeds add URL --every 15m` (feeds.MinEvery, the shortest
// interval allowed; the default is 1 h). It reports the time from an item
// appearing on its feed to `ask` (serve's command-line socket) quoting it,
// p50 and p99; the requests per feed per hour counted at the feeds' server;
// serve's CPU and RSS from /proc every 10 s.
//
// "healthy" has every feed answer; "quarter-troubled" has feeds i%8 == 3
// answer after 10 s and feeds i%8 == 7 answer 500 (a quarter in all), and
// reports the other three quarters' freshness (q123-*, also reported by
// "healthy" for the comparison) and the troubled quarter's own figures.
//
// Freshness is measured over the items that appeared at least one interval
// and 90 s before the run's end, each of which had the time to be polled;
// one such item never answerable counts as infinitely late.
//
//	BRIEFBOT_FRESHNESS_MINUTES=30 go test -run '^$' -bench ServeFreshness -benchtime 1x -timeout 2h ./cmd/briefbot/
//
// BRIEFBOT_FRESHNESS_MINUTES (default 2: too short for an item to wait a
// whole interval, so only the run's own figures are meaningful),
// BRIEFBOT_FRESHNESS_FEEDS (200), BRIEFBOT_FRESHNESS_EVERY (15m),
// BRIEFBOT_FRESHNESS_LOGDIR (a folder to keep serve's logs in).
func BenchmarkServeFreshness(b *testing.B) {
	cfg := freshBenchConfig(b)
	bin := buildBriefbot(b)
	b.Run("healthy", func(b *testing.B) {
		for b.Loop() {
			reportFresh(b, runFresh(b, bin, cfg))
		}
	})
	troubled := cfg
	troubled.mode = troubledQuarter
	b.Run("quarter-troubled", func(b *testing.B) {
		for b.Loop() {
			reportFresh(b, runFresh(b, bin, troubled))
		}
	})
}

// freshBenchConfig is the healthy run the BRIEFBOT_FRESHNESS_* variables
// ask for (shared with BenchmarkServeFreshnessReplicas).
func freshBenchConfig(b *testing.B) freshConfig {
	cfg := freshConfig{
		feeds: freshEnvInt("BRIEFBOT_FRESHNESS_FEEDS", 200), items: 20,
		every: feeds.MinEvery, change: time.Minute, sample: 10 * time.Second,
		duration: time.Duration(freshEnvInt("BRIEFBOT_FRESHNESS_MINUTES", 2)) * time.Minute,
	}
	if v := os.Getenv("BRIEFBOT_FRESHNESS_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("BRIEFBOT_FRESHNESS_EVERY: %v", err)
		}
		cfg.every = d
	}
	return cfg
}

// troubledQuarter: feeds i%8 == 3 are slow, i%8 == 7 fail.
func troubledQuarter(i int) feedMode {
	switch i % 8 {
	case 3:
		return feedSlow
	case 7:
		return feedFailing
	}
	return feedHealthy
}

func inQ123(i int) bool    { return i%4 != 3 }
func isSlow(i int) bool    { return i%8 == 3 }
func isFailing(i int) bool { return i%8 == 7 }
func everyFeed(_ int) bool { return true }
func freshEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// freshFigures are one group of feeds' figures.
type freshFigures struct {
	measured, unfound int     // items in the population, of which never answerable
	p50, p99, max     float64 // seconds from appearing to answerable
	requests          int     // at the server, over the run
	full, notModified int
	perFeedHour       float64
}

// figures computes the figures of the feeds keep selects.
func (r *freshRun) figures(keep func(i int) bool) freshFigures {
	var fig freshFigures
	cutoff := r.end.Add(-r.cfg.every - 90*time.Second)
	var lags []float64
	r.src.mu.Lock()
	for _, it := range r.published {
		if !keep(it.feed) || it.appeared.After(cutoff) {
			continue
		}
		fig.measured++
		if at, ok := r.found[it]; ok {
			lags = append(lags, at.Sub(it.appeared).Seconds())
		} else {
			fig.unfound++
			lags = append(lags, math.Inf(1))
		}
	}
	r.src.mu.Unlock()
	if len(lags) > 0 {
		fig.p50, fig.p99, fig.max = eval.Percentile(lags, 50), eval.Percentile(lags, 99), slices.Max(lags)
	}
	n := 0
	for i := range r.cfg.feeds {
		if keep(i) {
			n++
		}
	}
	fig.requests, fig.full, fig.notModified = r.src.requestCounts(keep)
	fig.perFeedHour = float64(fig.requests) / float64(max(n, 1)) / r.end.Sub(r.start).Hours()
	return fig
}

func (f freshFigures) String() string {
	return fmt.Sprintf("%d items measured (%d never answerable): p50 %.0f s, p99 %.0f s, max %.0f s; %d requests (%d 200s, %d 304s), %.2f per feed per hour",
		f.measured, f.unfound, f.p50, f.p99, f.max, f.requests, f.full, f.notModified, f.perFeedHour)
}

// procFigures summarise serve's samples.
type procFigures struct {
	cpuSeconds, cpuPercent         float64
	rssStart, rssMedian, rssMax    float64
	rssEnd, slopeMBh, slopeMinutes float64
	loadMean, loadMax              float64
}

func (r *freshRun) procFigures() procFigures {
	var p procFigures
	s := r.samples
	if len(s) < 2 {
		return p
	}
	first, last := s[0], s[len(s)-1]
	p.cpuSeconds = (last.cpu - first.cpu).Seconds()
	p.cpuPercent = 100 * p.cpuSeconds / last.at.Sub(first.at).Seconds()
	var rss []float64
	for _, x := range s {
		rss = append(rss, x.rssMB)
		p.loadMean += x.load1 / float64(len(s))
		p.loadMax = max(p.loadMax, x.load1)
	}
	p.rssStart, p.rssEnd, p.rssMax, p.rssMedian = first.rssMB, last.rssMB, slices.Max(rss), eval.Percentile(rss, 50)
	// The slope over the last 20 minutes (the whole run when shorter),
	// least squares, in MB per hour.
	from := last.at.Add(-20 * time.Minute)
	var xs, ys []float64
	for _, x := range s {
		if !x.at.Before(from) {
			xs, ys = append(xs, x.at.Sub(first.at).Hours()), append(ys, x.rssMB)
		}
	}
	p.slopeMBh, p.slopeMinutes = slope(xs, ys), (xs[len(xs)-1]-xs[0])*60
	return p
}

// slope is the least-squares slope of ys over xs.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for k := range xs {
		sx, sy, sxx, sxy = sx+xs[k], sy+ys[k], sxx+xs[k]*xs[k], sxy+xs[k]*ys[k]
	}
	if d := n*sxx - sx*sx; d != 0 {
		return (n*sxy - sx*sy) / d
	}
	return 0
}

// reportFresh reports a run's figures and logs them in full.
func reportFresh(b *testing.B, r *freshRun) {
	all, q123 := r.figures(everyFeed), r.figures(inQ123)
	p := r.procFigures()
	if r.cfg.mode == nil {
		b.ReportMetric(all.p50, "p50-s")
		b.ReportMetric(all.p99, "p99-s")
		b.ReportMetric(all.perFeedHour, "req/feed/h")
	} else {
		slow, failing := r.figures(isSlow), r.figures(isFailing)
		b.ReportMetric(slow.perFeedHour, "slow-req/feed/h")
		b.ReportMetric(failing.perFeedHour, "failing-req/feed/h")
		b.Logf("slow eighth: %v", slow)
		b.Logf("failing eighth: %v", failing)
	}
	b.ReportMetric(q123.p50, "q123-p50-s")
	b.ReportMetric(q123.p99, "q123-p99-s")
	b.ReportMetric(p.cpuPercent, "cpu-%")
	b.ReportMetric(p.rssStart, "rss-start-MB")
	b.ReportMetric(p.rssMedian, "rss-median-MB")
	b.ReportMetric(p.rssMax, "rss-max-MB")
	b.ReportMetric(p.rssEnd, "rss-end-MB")
	b.ReportMetric(p.slopeMBh, "rss-slope-MB/h")
	b.Logf("%d feeds × %d items, interval %v, one change per feed per %v, serve ran %v; %d items published, %d answerable, %d ask errors",
		r.cfg.feeds, r.cfg.items, r.cfg.every, r.cfg.change, r.end.Sub(r.start).Round(time.Second), len(r.published), len(r.found), r.askErrors)
	b.Logf("all feeds: %v", all)
	b.Logf("three quarters (i%%4 != 3): %v", q123)
	b.Logf("serve: CPU %.1f s (%.1f %% of one core); RSS MB start %.1f, median %.1f, max %.1f, end %.1f, slope %.1f MB/h over the last %.0f min; load average (1 min) mean %.2f, max %.2f",
		p.cpuSeconds, p.cpuPercent, p.rssStart, p.rssMedian, p.rssMax, p.rssEnd, p.slopeMBh, p.slopeMinutes, p.loadMean, p.loadMax)
	b.Logf("RSS MB by minute: %s", rssByMinute(r))
	keepLog(b, r)
}

// rssByMinute is the RSS at each whole minute of the run.
func rssByMinute(r *freshRun) string {
	var parts []string
	next := time.Duration(0)
	for _, s := range r.samples {
		if d := s.at.Sub(r.start); d >= next {
			parts = append(parts, fmt.Sprintf("%.0f", s.rssMB))
			next = d.Truncate(time.Minute) + time.Minute
		}
	}
	return strings.Join(parts, " ")
}

// keepLog copies serve's log into BRIEFBOT_FRESHNESS_LOGDIR, when set.
func keepLog(b *testing.B, r *freshRun) {
	dir := os.Getenv("BRIEFBOT_FRESHNESS_LOGDIR")
	if dir == "" {
		return
	}
	raw, err := os.ReadFile(r.serveLog)
	if err == nil {
		name := strings.ReplaceAll(b.Name(), "/", "_") + ".log"
		err = os.WriteFile(filepath.Join(dir, name), raw, 0o644)
	}
	if err != nil {
		b.Logf("keeping serve's log: %v", err)
	}
}
