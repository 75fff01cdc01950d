package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/feeds"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/discordtest"
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
	m := metrics.New(ix.Totals) // as serve does: every space
	admin := &indexAdmin{ix: ix, roots: []string{root}, log: slog.New(slog.DiscardHandler), metrics: m}
	if _, err := admin.Reindex(context.Background()); err != nil {
		t.Fatal(err)
	}
	// /ingest in a server: into that server's space, counted like the rest;
	// never into the shared space.
	page := briefbot.Article{ID: "page", Title: "A page", Paragraphs: []briefbot.Paragraph{{N: 1, Text: "The harbour festival drew a record crowd."}}}
	if _, err := admin.AddArticles(context.Background(), serverA, []briefbot.Article{page}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AddArticles(context.Background(), briefbot.SharedSpace, []briefbot.Article{page}); err == nil {
		t.Error("AddArticles wrote into the shared space")
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
		{"briefbot_ingest_articles_total", "change", "added", 2 + 1 + 3},
		// a.txt's paragraph in the shared space, the page's in A's: the gauge
		// is the whole index's.
		{"briefbot_index_paragraphs", "", "", 2},
		{"briefbot_ingest_articles_total", "change", "updated", 1},
		{"briefbot_ingest_articles_total", "change", "removed", 1},
		{"briefbot_ingest_errors_total", "", "", 0}, // the refused write wrote nothing
		{"briefbot_feed_polls_total", "outcome", "ok", 1},
		{"briefbot_feed_polls_total", "outcome", "not_modified", 1},
		{"briefbot_feed_polls_total", "outcome", "error", 1},
	} {
		if got := value(t, f, c.name, c.label, c.value); got != c.want {
			t.Errorf("%s{%s=%q} = %v, want %v", c.name, c.label, c.value, got, c.want)
		}
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
	if _, err := store.UpsertArticles(context.Background(), briefbot.SharedSpace, arts); err != nil {
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

func (f storeFunc) UpsertArticles(_ context.Context, _ string, arts []briefbot.Article) (feeds.Upserted, error) {
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

// TestServeServesMetrics runs `briefbot serve` with BRIEFBOT_METRICS_ADDR
// against the fake Discord: /readyz says ready once the corpus is in, and
// an /ask over the gateway and the start-up ingest show in /metrics.
func TestServeServesMetrics(t *testing.T) {
	fake := discordtest.New(t)
	root := t.TempDir()
	corpusDir := filepath.Join(root, "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"HOME":                  root,
		"DISCORD_TOKEN":         strings.TrimPrefix(fake.Token, "Bot "),
		"DISCORD_APP_ID":        fake.AppID,
		"DISCORD_API_BASE":      fake.URL,
		"BRIEFBOT_INDEX":        filepath.Join(root, "index"),
		"BRIEFBOT_CORPUS":       corpusDir,
		"BRIEFBOT_METRICS_ADDR": "127.0.0.1:0",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), &stdout, &stderr, func(k string) string { return vars[k] })
	}()
	fake.WaitReady(20*time.Second, 1) // after the start-up ingest
	base := "http://" + metricsAddrFromLog(t, &stderr)
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %s, want 200", path, res.Status)
		}
	}
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "How many North Korean soldiers are in Russia's Kursk region?")))
	fake.WaitRequests(10*time.Second, 1, "POST", `/api/v9/interactions/[0-9]+/[^/]+/callback`)

	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	f, err := parser.TextToMetricFamilies(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var asked float64
	for _, m := range f["briefbot_interactions_total"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["command"] == "ask" && labels["outcome"] == "ok" {
			asked = m.GetCounter().GetValue()
		}
	}
	if asked != 1 {
		t.Errorf(`briefbot_interactions_total{command="ask",outcome="ok"} = %v, want 1`, asked)
	}
	if got := value(t, f, "briefbot_ingest_articles_total", "change", "added"); got < 3 {
		t.Errorf("articles added = %v, want the sample's", got)
	}
	if got := value(t, f, "briefbot_index_paragraphs", "", ""); got < 3 {
		t.Errorf("briefbot_index_paragraphs = %v, want the sample's", got)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after cancellation")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the metrics server still answers after serve returned")
	}
}

var metricsServedLine = regexp.MustCompile(`msg="metrics served" addr=(\S+)`)

// metricsAddrFromLog waits for serve's "metrics served" line and returns
// the address it names (the port picked for :0).
func metricsAddrFromLog(t *testing.T, log *syncBuffer) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := metricsServedLine.FindStringSubmatch(log.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("serve never logged the metrics address: %s", log.String())
	return ""
}

// TestIngestReplyTellsNothingOfOtherServers: /ingest in B of a page A
// already holds (other id, same text) answers B as if A held nothing: the
// index finds duplicates across spaces, the reply must not count them.
func TestIngestReplyTellsNothingOfOtherServers(t *testing.T) {
	page := func(id string) []briefbot.Article {
		return []briefbot.Article{{ID: id, Title: "Harbour", URL: "https://example.org/" + id,
			Paragraphs: []briefbot.Paragraph{{N: 1, Text: "The harbour festival in Port Ellery drew a record crowd of 48,000."}}}}
	}
	reply := func(aHasIt bool) string {
		ix, err := index.Open(filepath.Join(t.TempDir(), "index"), index.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		admin := &indexAdmin{ix: ix, log: slog.New(slog.DiscardHandler), metrics: metrics.New(ix.Totals)}
		if aHasIt {
			if _, err := admin.AddArticles(context.Background(), serverA, page("a-copy")); err != nil {
				t.Fatal(err)
			}
		}
		s, err := admin.AddArticles(context.Background(), serverB, page("b-copy"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if with, without := reply(true), reply(false); with != without {
		t.Errorf("B's /ingest reply when A has the page: %q; when nobody has it: %q", with, without)
	}
}
