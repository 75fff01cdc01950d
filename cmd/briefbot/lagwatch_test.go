package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/briefbot/briefbot/metrics"
)

// A starting replica is not ready while its lag is above readyLag, then
// ready for good; the lag gauge follows every read. Scraped over HTTP from
// the metrics endpoint serve starts.
func TestReadyzWaitsForTheReplicaToCatchUp(t *testing.T) {
	m := metrics.New(nil)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	stop, err := startMetrics(m, "127.0.0.1:0", log)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	base := "http://" + metricsAddrFromLog(t, &logs)

	var lag uint64
	var lagErr error
	w := &lagWatch{lag: func(context.Context) (uint64, error) { return lag, lagErr }, metrics: m, log: log}
	m.SetReady(w.caughtUp.Load)
	ctx := context.Background()
	for _, step := range []struct {
		lag       uint64
		err       error
		wantReady bool
		wantGauge float64
	}{
		{lag: 5000, wantReady: false, wantGauge: 5000},
		{lag: readyLag + 1, wantReady: false, wantGauge: readyLag + 1},
		{err: errors.New("nats: no servers available for connection"), wantReady: false, wantGauge: readyLag + 1},
		{lag: readyLag, wantReady: true, wantGauge: readyLag},
		// Behind again under load: still ready, and the gauge says how far.
		{lag: 700, wantReady: true, wantGauge: 700},
	} {
		lag, lagErr = step.lag, step.err
		w.poll(ctx)
		code := httpStatus(t, base+"/readyz")
		if ready := code == http.StatusOK; ready != step.wantReady {
			t.Errorf("lag %d (err %v): /readyz %d, want ready %v", step.lag, step.err, code, step.wantReady)
		}
		if got := value(t, scrapeMetrics(t, m), "briefbot_replica_lag_messages", "", ""); got != step.wantGauge {
			t.Errorf("lag %d (err %v): gauge %v, want %v", step.lag, step.err, got, step.wantGauge)
		}
	}
	if n := strings.Count(logs.String(), "cannot read the replica's lag"); n != 1 {
		t.Errorf("the failed read logged %d times, want 1:\n%s", n, logs.String())
	}
}

func httpStatus(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}
