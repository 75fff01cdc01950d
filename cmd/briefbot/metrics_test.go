package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/feeds"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/metrics"
)

// scrapeMetrics reads m's /metrics through its handler and parses it.
func scrapeMetrics(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	f, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// value is the counter or gauge of family name with the one label given
// ("" for none).
func value(t *testing.T, f map[string]*dto.MetricFamily, name, label, labelValue string) float64 {
	t.Helper()
	for _, m := range f[name].GetMetric() {
		if label == "" || (len(m.GetLabel()) == 1 && m.GetLabel()[0].GetName() == label && m.GetLabel()[0].GetValue() == labelValue) {
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, labelValue)
	return 0
}

// TestIngestMetrics: serve's corpus ingests and feed polls are counted, and
// the index gauges read the real index.
func TestIngestMetrics(t *testing.T) {
	root := t.TempDir()
	for name, text := range map[string]string{
		"a.txt": "Ministers met in Brussels on Monday to agree the budget for next year.",
		"b.txt": "The central bank held its interest rate at four percent on Thursday.",
	} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := index.Open(filepath.Join(t.TempDir(), "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	m := metrics.New(ix.Stats)
	admin := &indexAdmin{ix: ix, roots: []string{root}, log: slog.New(slog.DiscardHandler), metrics: m}
	if _, err := admin.Reindex(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, "b.txt")); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Reindex(context.Background()); err != nil {
		t.Fatal(err)
	}
	countFeedPoll(m, feeds.Result{Added: 3, Updated: 1})
	countFeedPoll(m, feeds.Result{NotModified: true})
	countFeedPoll(m, feeds.Result{Err: errors.New("timeout")})

	f := scrapeMetrics(t, m)
	for _, c := range []struct {
		name, label, value string
		want               float64
	}{
		{"briefbot_ingest_articles_total", "change", "added", 2 + 3},
		{"briefbot_ingest_articles_total", "change", "updated", 1},
		{"briefbot_ingest_articles_total", "change", "removed", 1},
		{"briefbot_ingest_errors_total", "", "", 0},
		{"briefbot_feed_polls_total", "outcome", "ok", 1},
		{"briefbot_feed_polls_total", "outcome", "not_modified", 1},
		{"briefbot_feed_polls_total", "outcome", "error", 1},
	} {
		if got := value(t, f, c.name, c.label, c.value); got != c.want {
			t.Errorf("%s{%s=%q} = %v, want %v", c.name, c.label, c.value, got, c.want)
		}
	}
	if got := value(t, f, "briefbot_index_paragraphs", "", ""); got < 1 {
		t.Errorf("briefbot_index_paragraphs = %v, want the remaining article's paragraphs", got)
	}
	if got := value(t, f, "briefbot_index_size_bytes", "", ""); got < 1000 {
		t.Errorf("briefbot_index_size_bytes = %v, want the index's files", got)
	}
}

// TestFeedItemAge: the store in front of the index records the age of
// dated items and passes everything on.
func TestFeedItemAge(t *testing.T) {
	m := metrics.New(nil)
	var got int
	store := freshnessStore{next: storeFunc(func(arts []briefbot.Article) { got = len(arts) }), metrics: m}
	arts := []briefbot.Article{{ID: "a", Published: time.Now().Add(-time.Hour)}, {ID: "b"}}
	if _, err := store.UpsertArticles(context.Background(), arts); err != nil {
		t.Fatal(err)
	}
	if got != 2 {
		t.Errorf("store got %d articles, want 2", got)
	}
	h := scrapeMetrics(t, m)["briefbot_feed_item_age_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 1 || h.GetSampleSum() < 3600 || h.GetSampleSum() > 3660 {
		t.Errorf("feed item age: %d samples, sum %v; want 1 of about 3600", h.GetSampleCount(), h.GetSampleSum())
	}
}

type storeFunc func([]briefbot.Article)

func (f storeFunc) UpsertArticles(_ context.Context, arts []briefbot.Article) (feeds.Upserted, error) {
	f(arts)
	return feeds.Upserted{Added: len(arts)}, nil
}

func TestBadMetricsAddress(t *testing.T) {
	env := map[string]string{
		"DISCORD_TOKEN":         "Bot abc.def.ghi",
		"DISCORD_APP_ID":        "123456789012345678",
		"BRIEFBOT_METRICS_ADDR": "localhost",
	}
	_, err := loadServeConfig(mapEnv(env), "/tmp/ix", "")
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "BRIEFBOT_METRICS_ADDR") {
		t.Errorf("BRIEFBOT_METRICS_ADDR=localhost: error %v, want a usage error naming the variable", err)
	}
	env["BRIEFBOT_METRICS_ADDR"] = "127.0.0.1:9090"
	c, err := loadServeConfig(mapEnv(env), "/tmp/ix", "")
	if err != nil || c.metricsAddr != "127.0.0.1:9090" {
		t.Errorf("BRIEFBOT_METRICS_ADDR=127.0.0.1:9090: %q, %v", c.metricsAddr, err)
	}
}
