// Package metrics exposes briefbot's operational metrics in the Prometheus
// text format, with /healthz and /readyz beside them. It owns a registry
// of its own (not Prometheus's global one), so nothing imported by accident
// adds series, and tests can build as many as they like. The bot reports
// to it through bot.Observer; the command wires ingests and feed polls.
package metrics

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/briefbot/briefbot"
)

// Metrics holds every briefbot metric. Its methods are safe for concurrent
// use; a nil *Metrics is not.
type Metrics struct {
	reg *prometheus.Registry

	interactions *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	deferred     prometheus.Counter
	replyFailed  prometheus.Counter
	rateLimited  prometheus.Counter

	ingestArticles *prometheus.CounterVec
	ingestErrors   prometheus.Counter
	feedPolls      *prometheus.CounterVec
	feedItemAge    prometheus.Histogram

	ready atomic.Pointer[func() bool]

	// replicaLag exists only in a replica (registered on first use), so a
	// single instance shows no replica series at all.
	replicaOnce sync.Once
	replicaLag  prometheus.Gauge
}

// IndexStats reads the index's size at scrape time; nil leaves the index
// gauges out.
type IndexStats func(ctx context.Context) (briefbot.Stats, error)

// New returns the metrics, registered in a registry of their own together
// with the Go runtime and process collectors.
func New(stats IndexStats) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		interactions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_interactions_total",
			Help: "Interactions handled, by command and outcome (ok, no_match, invalid, rate_limited, forbidden, error).",
		}, []string{"command", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "briefbot_answer_duration_seconds",
			Help:    "Time the handler took to answer an interaction, by command.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10},
		}, []string{"command"}),
		deferred: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "briefbot_deferred_replies_total",
			Help: "Interactions deferred because the answer was not ready within the defer point.",
		}),
		replyFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "briefbot_reply_failures_total",
			Help: "Replies (acknowledgements, edits, follow-ups) Discord did not take.",
		}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "briefbot_discord_rate_limited_total",
			Help: "HTTP 429 answers from Discord's REST API.",
		}),
		ingestArticles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_ingest_articles_total",
			Help: "Articles changed by corpus ingests and feed polls, by change (added, updated, removed).",
		}, []string{"change"}),
		ingestErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "briefbot_ingest_errors_total",
			Help: "Corpus ingests that failed.",
		}),
		feedPolls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "briefbot_feed_polls_total",
			Help: "Feed polls, by outcome (ok, not_modified, error).",
		}, []string{"outcome"}),
		feedItemAge: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "briefbot_feed_item_age_seconds",
			Help:    "Age of feed items (now minus their publication time) when they were ingested.",
			Buckets: []float64{60, 300, 900, 3600, 3 * 3600, 6 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600},
		}),
	}
	m.reg.MustRegister(m.interactions, m.latency, m.deferred, m.replyFailed, m.rateLimited,
		m.ingestArticles, m.ingestErrors, m.feedPolls, m.feedItemAge,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, change := range []string{"added", "updated", "removed"} {
		m.ingestArticles.WithLabelValues(change) // present at 0 from the start
	}
	for _, outcome := range []string{"ok", "not_modified", "error"} {
		m.feedPolls.WithLabelValues(outcome)
	}
	if stats != nil {
		m.reg.MustRegister(indexCollector{stats: stats})
	}
	return m
}

// Registry is where the metrics are registered, for tests and for adding
// collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Interaction counts one handled interaction and its latency. command is
// the handler's name for it ("ask", "ask:autocomplete", "page"…; "" for a
// PING, reported as "none").
func (m *Metrics) Interaction(command, outcome string, latency time.Duration) {
	if command == "" {
		command = "none"
	}
	m.interactions.WithLabelValues(command, outcome).Inc()
	m.latency.WithLabelValues(command).Observe(latency.Seconds())
}

// Deferred counts a deferred reply.
func (m *Metrics) Deferred() { m.deferred.Inc() }

// ReplyFailed counts a reply Discord did not take.
func (m *Metrics) ReplyFailed() { m.replyFailed.Inc() }

// RateLimited counts a 429 from Discord.
func (m *Metrics) RateLimited() { m.rateLimited.Inc() }

// Ingested counts what one ingest (or feed poll) changed.
func (m *Metrics) Ingested(added, updated, removed int) {
	m.ingestArticles.WithLabelValues("added").Add(float64(added))
	m.ingestArticles.WithLabelValues("updated").Add(float64(updated))
	m.ingestArticles.WithLabelValues("removed").Add(float64(removed))
}

// IngestFailed counts an ingest that returned an error.
func (m *Metrics) IngestFailed() { m.ingestErrors.Inc() }

// Feed poll outcomes, the values of briefbot_feed_polls_total's label.
const (
	FeedOK          = "ok"
	FeedNotModified = "not_modified"
	FeedError       = "error"
)

// FeedPolled counts one poll of one feed; outcome is FeedOK,
// FeedNotModified or FeedError.
func (m *Metrics) FeedPolled(outcome string) { m.feedPolls.WithLabelValues(outcome).Inc() }

// FeedItemIngested records how old a feed item was when it was ingested.
func (m *Metrics) FeedItemIngested(age time.Duration) { m.feedItemAge.Observe(age.Seconds()) }

// SetReplicaLag records this replica's lag: the messages of the article
// stream it has not applied yet (the stream's last sequence minus the one
// its index holds). The gauge is registered on the first call.
func (m *Metrics) SetReplicaLag(messages uint64) {
	m.replicaOnce.Do(func() {
		m.replicaLag = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "briefbot_replica_lag_messages",
			Help: "Messages of the article stream this replica has not applied to its index yet, read every few seconds.",
		})
		m.reg.MustRegister(m.replicaLag)
	})
	m.replicaLag.Set(float64(messages))
}

// SetReady sets the check /readyz asks; until it is set, /readyz says 503.
func (m *Metrics) SetReady(ready func() bool) { m.ready.Store(&ready) }

func (m *Metrics) isReady() bool {
	f := m.ready.Load()
	return f != nil && *f != nil && (*f)()
}

// indexCollector reads the index's size when scraped, so the gauges are
// never stale and nothing has to remember to update them.
type indexCollector struct {
	stats IndexStats
}

var (
	indexParagraphsDesc = prometheus.NewDesc("briefbot_index_paragraphs",
		"Paragraph documents in the index, read at scrape time.", nil, nil)
	indexBytesDesc = prometheus.NewDesc("briefbot_index_size_bytes",
		"Bytes the index's files take on disk, read at scrape time.", nil, nil)
)

func (c indexCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- indexParagraphsDesc
	ch <- indexBytesDesc
}

// Collect reports the gauges, or an invalid metric (the scrape then says
// why) when the index cannot be read.
func (c indexCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(indexParagraphsDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(indexParagraphsDesc, prometheus.GaugeValue, float64(st.Paragraphs))
	ch <- prometheus.MustNewConstMetric(indexBytesDesc, prometheus.GaugeValue, float64(st.Bytes))
}
