package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// TestServeEndToEnd runs `briefbot serve` as a user would (configuration in
// the environment, a corpus folder, a fresh index) against a local fake of
// Discord's REST API and gateway, with the real discordgo client. An /ask
// dispatched over the gateway must come back as an interaction callback (or
// a deferral and an edit of @original) quoting the sample's answer, with
// mentions disabled; on cancellation serve closes the index and exits 0.
func TestServeEndToEnd(t *testing.T) {
	fake := discordtest.New(t)
	root := t.TempDir()
	corpusDir := filepath.Join(root, "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	indexDir := filepath.Join(root, "index")
	vars := map[string]string{
		"HOME":             root,
		"DISCORD_TOKEN":    strings.TrimPrefix(fake.Token, "Bot "),
		"DISCORD_APP_ID":   fake.AppID,
		"DISCORD_API_BASE": fake.URL,
		"BRIEFBOT_INDEX":   indexDir,
		"BRIEFBOT_CORPUS":  corpusDir,
		"BRIEFBOT_TZ":      "Europe/Berlin",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), &stdout, &stderr, func(k string) string { return vars[k] })
	}()

	fake.WaitReady(20*time.Second, 1)
	if puts := fake.Find("PUT", `/api/v9/applications/[0-9]+/commands`); len(puts) != 1 {
		t.Errorf("first serve made %d bulk command overwrites, want 1", len(puts))
	}
	i := fake.NewCommand("ask", discordtest.StringOption("question", "How many North Korean soldiers are in Russia's Kursk region?"))
	fake.DispatchInteraction(i)
	cb := fake.WaitRequests(10*time.Second, 1, "POST", `/api/v9/interactions/[0-9]+/[^/]+/callback`)[0]
	if cb.Path != "/api/v9/interactions/"+i.ID+"/"+i.Token+"/callback" {
		t.Errorf("callback path %s", cb.Path)
	}
	var body struct {
		Type int `json:"type"`
	}
	cb.Decode(t, &body)
	answer := cb.Body
	if body.Type == 5 { // deferred on a slow machine: the answer is the edit
		answer = fake.WaitRequests(10*time.Second, 1, "PATCH", `/api/v9/webhooks/[0-9]+/[^/]+/messages/@original`)[0].Body
	} else if body.Type != 4 {
		t.Fatalf("callback type %d: %s", body.Type, cb.Body)
	}
	if !bytes.Contains(answer, []byte("11,000")) {
		t.Errorf("answer lacks the quoted estimate: %s", answer)
	}
	var msg struct {
		Data *struct {
			AllowedMentions *struct{ Parse []string } `json:"allowed_mentions"`
		} `json:"data"`
		AllowedMentions *struct{ Parse []string } `json:"allowed_mentions"`
	}
	if err := json.Unmarshal(answer, &msg); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	am := msg.AllowedMentions // an edit of @original carries it at the top
	if msg.Data != nil {
		am = msg.Data.AllowedMentions // a callback inside data
	}
	if am == nil || am.Parse == nil || len(am.Parse) != 0 {
		t.Errorf(`answer does not disable mentions with "parse": []: %s`, answer)
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
	if !strings.Contains(stderr.String(), "corpus ingested") {
		t.Errorf("serve did not ingest BRIEFBOT_CORPUS at start: %s", stderr.String())
	}
	if strings.Contains(stderr.String(), vars["DISCORD_TOKEN"]) {
		t.Error("the token appears in the log")
	}
	// The index was closed: another process can open it now.
	code, out, errOut := runCmd(t, map[string]string{"BRIEFBOT_INDEX": indexDir}, "ask", "Kazan summit")
	if code != exitOK || !strings.Contains(out, "Kazan") {
		t.Errorf("index not reusable after serve: exit %d %q %q", code, out, errOut)
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger
// and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServeHTTP runs serve in HTTP mode with the environment vars (read as
// cmdServe reads it) on a loopback port until the test ends, logging at
// level, and returns its interactions endpoint's URL once it answers: serve
// accepts requests only after its start-up ingest (and, for a replica, its
// catching up with the log). name tells several serves apart in failures.
func startServeHTTP(tb testing.TB, vars map[string]string, name string, level slog.Level) string {
	tb.Helper()
	cfg, err := loadServeConfig(mapEnv(vars), vars["BRIEFBOT_INDEX"], "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	// serve's own listener, known before it starts: requests wait in its
	// backlog until the endpoint serves them.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	cfg.bot.Listener = l
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: level}))
	cfg.bot.Logger = log
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, log) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("serve %s: %v\n%s", name, err, logs.String())
			}
		case <-time.After(20 * time.Second):
			tb.Errorf("serve %s did not stop", name)
		}
	})
	url := "http://" + l.Addr().String() + "/interactions"
	got := make(chan error, 1)
	go func() {
		resp, err := http.Get(url) // unsigned, so refused; answered once serving
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	// A serve that fails at start leaves the listener open and unserved:
	// the GET would wait forever.
	select {
	case err := <-got:
		if err != nil {
			tb.Fatalf("serve %s: the endpoint does not answer: %v\n%s", name, err, logs.String())
		}
	case err := <-done:
		done <- err // for the clean-up
		l.Close()   // and the GET ends
		tb.Fatalf("serve %s ended before serving: %v\n%s", name, err, logs.String())
	case <-time.After(2 * time.Minute):
		tb.Fatalf("serve %s not serving after 2 minutes\n%s", name, logs.String())
	}
	return url
}
