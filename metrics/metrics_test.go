package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/bot"
	"github.com/briefbot/briefbot/metrics"
)

var _ bot.Observer = (*metrics.Metrics)(nil)

func start(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv, err := m.Start("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return "http://" + srv.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// scrape fetches /metrics and parses the text format.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", res.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return families
}

// find returns the metric of family name whose labels are exactly labels.
func find(t *testing.T, families map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	f, ok := families[name]
	if !ok {
		t.Fatalf("no metric family %s", name)
	}
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if len(got) == len(labels) && matches(got, labels) {
			return m
		}
	}
	t.Fatalf("%s has no series %v", name, labels)
	return nil
}

func matches(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func counter(t *testing.T, families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	return find(t, families, name, labels).GetCounter().GetValue()
}

func TestMetricsEndpoint(t *testing.T) {
	stats := func(context.Context) (briefbot.Stats, error) {
		return briefbot.Stats{Articles: 3, Paragraphs: 42, Bytes: 12345}, nil
	}
	m := metrics.New(stats)
	base := start(t, m)

	// One real handler call: a PING, answered without the engine.
	h := bot.NewHandler(nil, bot.HandlerOptions{Observer: m})
	if resp := h.Handle(context.Background(), &discordgo.Interaction{Type: discordgo.InteractionPing}); resp == nil || resp.Type != discordgo.InteractionResponsePong {
		t.Fatalf("PING answered %+v", resp)
	}
	m.Interaction("ask", "ok", 300*time.Millisecond)
	m.Interaction("ask", "ok", 2*time.Second)
	m.Interaction("ask", "no_match", 10*time.Millisecond)
	m.Deferred()
	m.ReplyFailed()
	m.RateLimited()
	m.RateLimited()
	m.Ingested(5, 2, 1)
	m.Ingested(1, 0, 0)
	m.IngestFailed()
	m.FeedPolled(metrics.FeedOK)
	m.FeedPolled(metrics.FeedNotModified)
	m.FeedPolled(metrics.FeedNotModified)
	m.FeedItemIngested(2 * time.Hour)

	f := scrape(t, base)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"briefbot_interactions_total", map[string]string{"command": "none", "outcome": "ok"}, 1},
		{"briefbot_interactions_total", map[string]string{"command": "ask", "outcome": "ok"}, 2},
		{"briefbot_interactions_total", map[string]string{"command": "ask", "outcome": "no_match"}, 1},
		{"briefbot_deferred_replies_total", nil, 1},
		{"briefbot_reply_failures_total", nil, 1},
		{"briefbot_discord_rate_limited_total", nil, 2},
		{"briefbot_ingest_articles_total", map[string]string{"change": "added"}, 6},
		{"briefbot_ingest_articles_total", map[string]string{"change": "updated"}, 2},
		{"briefbot_ingest_articles_total", map[string]string{"change": "removed"}, 1},
		{"briefbot_ingest_errors_total", nil, 1},
		{"briefbot_feed_polls_total", map[string]string{"outcome": "ok"}, 1},
		{"briefbot_feed_polls_total", map[string]string{"outcome": "not_modified"}, 2},
		{"briefbot_feed_polls_total", map[string]string{"outcome": "error"}, 0},
	} {
		if got := counter(t, f, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	askLatency := find(t, f, "briefbot_answer_duration_seconds", map[string]string{"command": "ask"}).GetHistogram()
	if askLatency.GetSampleCount() != 3 || askLatency.GetSampleSum() < 2.3 || askLatency.GetSampleSum() > 2.32 {
		t.Errorf("ask latency: count %d sum %v, want 3 and 2.31", askLatency.GetSampleCount(), askLatency.GetSampleSum())
	}
	for _, b := range askLatency.GetBucket() {
		if b.GetUpperBound() == 0.5 && b.GetCumulativeCount() != 2 {
			t.Errorf("ask latency ≤ 0.5 s: %d, want 2", b.GetCumulativeCount())
		}
	}
	if age := find(t, f, "briefbot_feed_item_age_seconds", nil).GetHistogram(); age.GetSampleCount() != 1 || age.GetSampleSum() != 7200 {
		t.Errorf("feed item age: count %d sum %v, want 1 and 7200", age.GetSampleCount(), age.GetSampleSum())
	}
	if got := find(t, f, "briefbot_index_paragraphs", nil).GetGauge().GetValue(); got != 42 {
		t.Errorf("briefbot_index_paragraphs = %v, want 42", got)
	}
	if got := find(t, f, "briefbot_index_size_bytes", nil).GetGauge().GetValue(); got != 12345 {
		t.Errorf("briefbot_index_size_bytes = %v, want 12345", got)
	}
	if _, ok := f["go_goroutines"]; !ok {
		t.Error("the Go runtime metrics are missing")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	m := metrics.New(nil)
	base := start(t, m)
	if code, body := get(t, base+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, _ := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz before SetReady: %d, want 503", code)
	}
	ready := false
	m.SetReady(func() bool { return ready })
	if code, _ := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while not ready: %d, want 503", code)
	}
	ready = true
	if code, body := get(t, base+"/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Errorf("/readyz when ready: %d %q, want 200", code, body)
	}
	if _, ok := scrape(t, base)["briefbot_index_paragraphs"]; ok {
		t.Error("index gauges reported without an index")
	}
}

// The replica lag gauge appears with the first value a replica reports,
// and not before: a single instance has no replica series.
func TestReplicaLag(t *testing.T) {
	m := metrics.New(nil)
	base := start(t, m)
	if _, ok := scrape(t, base)["briefbot_replica_lag_messages"]; ok {
		t.Fatal("a replica lag reported before any was set")
	}
	m.SetReplicaLag(1234)
	if got := find(t, scrape(t, base), "briefbot_replica_lag_messages", nil).GetGauge().GetValue(); got != 1234 {
		t.Errorf("lag %v, want 1234", got)
	}
	m.SetReplicaLag(0)
	if got := find(t, scrape(t, base), "briefbot_replica_lag_messages", nil).GetGauge().GetValue(); got != 0 {
		t.Errorf("lag %v after catching up, want 0", got)
	}
}

// An index that cannot be read fails the scrape, saying why, rather than
// reporting zeros.
func TestIndexStatsError(t *testing.T) {
	m := metrics.New(func(context.Context) (briefbot.Stats, error) {
		return briefbot.Stats{}, errors.New("index closed")
	})
	code, body := get(t, start(t, m)+"/metrics")
	if code != http.StatusInternalServerError || !strings.Contains(body, "index closed") {
		t.Errorf("/metrics with a failing index: %d %q", code, body)
	}
}
