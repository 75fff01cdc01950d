package bot

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/discordtest"
)

// stubEngine answers every question with one passage. When gate is set, Ask
// blocks until gate is closed (or ctx ends): the slow-engine case.
type stubEngine struct {
	gate    chan struct{}
	summary briefbot.Summary
	askErr  error
}

func (e *stubEngine) Ask(ctx context.Context, q string, _ briefbot.AskOptions) (briefbot.Answer, error) {
	if e.gate != nil {
		select {
		case <-e.gate:
		case <-ctx.Done():
			return briefbot.Answer{}, ctx.Err()
		}
	}
	if e.askErr != nil {
		return briefbot.Answer{}, e.askErr
	}
	return briefbot.Answer{Query: q, Articles: 1, Passages: []briefbot.Passage{{
		Article:   briefbot.ArticleRef{ID: "kursk", Title: "Kursk reactor", Source: "example.com", URL: "https://example.com/kursk", Published: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)},
		Paragraph: 2, ID: "kursk#2",
		Text:   "The reactor was shut down on Monday, @everyone was told.",
		Answer: "The reactor was shut down on Monday, @everyone was told.",
	}}}, nil
}
func (e *stubEngine) Search(context.Context, string, briefbot.SearchFilters, int, int) (briefbot.SearchPage, error) {
	return briefbot.SearchPage{}, nil
}
func (e *stubEngine) Summary(context.Context, briefbot.SummaryRequest) (briefbot.Summary, error) {
	return e.summary, nil
}
func (e *stubEngine) Sources(context.Context, briefbot.Scope) ([]briefbot.SourceInfo, error) {
	return nil, nil
}
func (e *stubEngine) Days(context.Context, briefbot.Scope, *time.Location, int) ([]time.Time, error) {
	return nil, nil
}
func (e *stubEngine) Paragraphs(context.Context, briefbot.Scope, string, string) (briefbot.Article, error) {
	return briefbot.Article{}, nil
}
func (e *stubEngine) Stats(context.Context, briefbot.Scope) (briefbot.Stats, error) {
	return briefbot.Stats{}, nil
}

// testLogger writes to the test log, so failures show what the bot said.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func baseConfig(t *testing.T, fake *discordtest.Server) ServeConfig {
	return ServeConfig{
		Token:        strings.TrimPrefix(fake.Token, "Bot "),
		AppID:        fake.AppID,
		APIBase:      fake.URL,
		StateDir:     t.TempDir(),
		Logger:       testLogger(t),
		DeferAfter:   50 * time.Millisecond,
		DrainTimeout: 5 * time.Second,
		retryBackoff: 10 * time.Millisecond,
	}
}

// running is a Serve running in the background.
type running struct {
	cancel context.CancelFunc
	errc   chan error
}

func startServe(t *testing.T, cfg ServeConfig, h *Handler) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, errc: make(chan error, 1)}
	go func() { r.errc <- Serve(ctx, cfg, h) }()
	t.Cleanup(func() { cancel(); r.wait(t) })
	return r
}

// wait returns Serve's result (once; later calls return nil).
func (r *running) wait(t *testing.T) error {
	t.Helper()
	select {
	case err, ok := <-r.errc:
		if !ok {
			return nil
		}
		close(r.errc)
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return")
		return nil
	}
}

func (r *running) stop(t *testing.T) error {
	r.cancel()
	return r.wait(t)
}

func decodeBody(t *testing.T, req discordtest.Request) map[string]any {
	t.Helper()
	var m map[string]any
	req.Decode(t, &m)
	return m
}

func requireNoMentions(t *testing.T, body []byte) {
	t.Helper()
	if !bytes.Contains(body, []byte(`"allowed_mentions":{"parse":[]`)) {
		t.Errorf(`body lacks "allowed_mentions":{"parse":[]}: %s`, body)
	}
}

const (
	callbackRE = `/api/v9/interactions/[0-9]+/[^/]+/callback`
	originalRE = `/api/v9/webhooks/[0-9]+/[^/]+/messages/@original`
)

func TestGatewayAskAnsweredDirectly(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	cfg.DeferAfter = 5 * time.Second // the stub answers at once
	run := startServe(t, cfg, NewHandler(&stubEngine{}, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)

	if ids := fake.Identifies(); len(ids) != 1 || ids[0].Intents != 0 {
		t.Errorf("identify = %+v, want one with no intents (0): interactions need none", ids)
	}
	i := fake.NewCommand("ask", discordtest.StringOption("question", "when was the reactor shut down?"))
	fake.DispatchInteraction(i)
	cb := fake.WaitRequests(5*time.Second, 1, "POST", callbackRE)[0]
	if cb.Path != "/api/v9/interactions/"+i.ID+"/"+i.Token+"/callback" {
		t.Errorf("callback path %s", cb.Path)
	}
	body := decodeBody(t, cb)
	if body["type"] != float64(4) {
		t.Fatalf("callback type %v, want 4: %s", body["type"], cb.Body)
	}
	requireNoMentions(t, cb.Body)
	if !strings.Contains(string(cb.Body), "reactor was shut down") {
		t.Errorf("answer not quoted: %s", cb.Body)
	}
	if err := run.stop(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if n := len(fake.Find("PATCH", originalRE)); n != 0 {
		t.Errorf("%d edits of @original for a direct answer", n)
	}
}

func TestGatewaySlowAskDefersThenEdits(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	eng := &stubEngine{gate: make(chan struct{})}
	run := startServe(t, cfg, NewHandler(eng, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)

	i := fake.NewCommand("ask", discordtest.StringOption("question", "when was the reactor shut down?"))
	fake.DispatchInteraction(i)
	cb := fake.WaitRequests(5*time.Second, 1, "POST", callbackRE)[0]
	if body := decodeBody(t, cb); body["type"] != float64(5) {
		t.Fatalf("first callback type %v, want 5 (deferred): %s", body["type"], cb.Body)
	}
	if n := len(fake.Find("PATCH", originalRE)); n != 0 {
		t.Fatalf("edited before the engine answered")
	}
	close(eng.gate)
	edit := fake.WaitRequests(5*time.Second, 1, "PATCH", originalRE)[0]
	if edit.Path != "/api/v9/webhooks/"+fake.AppID+"/"+i.Token+"/messages/@original" {
		t.Errorf("edit path %s", edit.Path)
	}
	if edit.Status != 200 {
		t.Errorf("edit answered %d", edit.Status)
	}
	requireNoMentions(t, edit.Body)
	body := decodeBody(t, edit)
	if _, ok := body["embeds"]; !ok {
		t.Errorf("edit without embeds: %s", edit.Body)
	}
	if !strings.Contains(string(edit.Body), "reactor was shut down") {
		t.Errorf("edit does not carry the answer: %s", edit.Body)
	}
	if err := run.stop(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if n := len(fake.Find("POST", callbackRE)); n != 1 {
		t.Errorf("%d callbacks, want 1", n)
	}
}

func TestGatewayCallbackSurvives429And500(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	cfg.DeferAfter = 5 * time.Second
	// A 429, then a 500 after which Discord had in fact taken the callback:
	// the retry gets 40060, which must count as success, not an error.
	fake.Script("POST", callbackRE, discordtest.RateLimited(0.05), discordtest.Reply{Status: 500, Body: `{"message":"oops","code":0}`, Process: true})
	run := startServe(t, cfg, NewHandler(&stubEngine{}, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)

	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	got := fake.WaitRequests(5*time.Second, 3, "POST", callbackRE)
	statuses := []int{got[0].Status, got[1].Status, got[2].Status}
	if statuses[0] != 429 || statuses[1] != 500 || statuses[2] != 400 {
		t.Errorf("callback statuses %v, want [429 500 400(40060)]", statuses)
	}
	if err := run.stop(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if n := len(fake.Find("POST", callbackRE)); n != 3 {
		t.Errorf("%d callback attempts, want 3 (no retry after 40060)", n)
	}
}

func TestGatewayEditRetriedAfter500(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	fake.Script("PATCH", originalRE, discordtest.ServerError(), discordtest.RateLimited(0.02))
	eng := &stubEngine{gate: make(chan struct{})}
	run := startServe(t, cfg, NewHandler(eng, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	fake.WaitRequests(5*time.Second, 1, "POST", callbackRE) // the deferral
	close(eng.gate)
	got := fake.WaitRequests(5*time.Second, 3, "PATCH", originalRE)
	if got[0].Status != 500 || got[1].Status != 429 || got[2].Status != 200 {
		t.Errorf("edit statuses %d %d %d, want 500 429 200", got[0].Status, got[1].Status, got[2].Status)
	}
	if err := run.stop(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if n := len(fake.Find("PATCH", originalRE)); n != 3 {
		t.Errorf("%d edits, want 3 (no retry after success)", n)
	}
}

func TestGatewayUnknownInteractionNotRetried(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	cfg.DeferAfter = 5 * time.Second
	fake.Script("POST", callbackRE, discordtest.APIError(404, 10062, "Unknown interaction"))
	run := startServe(t, cfg, NewHandler(&stubEngine{}, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	fake.WaitRequests(5*time.Second, 1, "POST", callbackRE)
	if err := run.stop(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if n := len(fake.Find("POST", callbackRE)); n != 1 {
		t.Errorf("%d callback attempts after 10062, want 1", n)
	}
}

func TestGatewayBadTokenIsFatal(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	cfg.Token = "wrong-token"
	cfg.StateDir = "" // no registration: go straight to the gateway
	start := time.Now()
	err := Serve(context.Background(), cfg, NewHandler(&stubEngine{}, HandlerOptions{}))
	if err == nil || !strings.Contains(err.Error(), "4004") || !strings.Contains(err.Error(), "DISCORD_TOKEN") {
		t.Fatalf("Serve with a bad token = %v, want a 4004 error naming DISCORD_TOKEN", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is more than one line: %q", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v to fail", d)
	}
}

func TestGatewayDisallowedIntentIsFatal(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	fake.CloseAfterIdentify(4014)
	cfg := baseConfig(t, fake)
	cfg.StateDir = ""
	err := Serve(context.Background(), cfg, NewHandler(&stubEngine{}, HandlerOptions{}))
	if err == nil || !strings.Contains(err.Error(), "4014") {
		t.Fatalf("Serve = %v, want a 4014 error", err)
	}
}

func TestGatewayFatalCloseAfterReadyStopsServe(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	cfg.StateDir = ""
	run := startServe(t, cfg, NewHandler(&stubEngine{}, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	// The token is reset while connected; at the next reconnect the Resume
	// is refused (op 9) and the Identify closed with 4004. discordgo alone
	// would reconnect forever; Serve must stop with the reason.
	fake.SetToken("Bot reset")
	fake.RequestReconnect()
	err := run.wait(t)
	if err == nil || !strings.Contains(err.Error(), "4004") {
		t.Fatalf("Serve = %v, want a 4004 error", err)
	}
}

func TestServeRegistersOnlyWhenCommandsChange(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	h := NewHandler(&stubEngine{}, HandlerOptions{})
	for n := 0; n < 2; n++ {
		run := startServe(t, cfg, h)
		fake.WaitReady(5*time.Second, n+1)
		if err := run.stop(t); err != nil {
			t.Fatalf("Serve %d: %v", n, err)
		}
	}
	puts := fake.Find("PUT", `/api/v9/applications/[0-9]+/commands`)
	if len(puts) != 1 {
		t.Fatalf("%d bulk overwrites over two starts, want 1", len(puts))
	}
	var sent []*discordgo.ApplicationCommand
	puts[0].Decode(t, &sent)
	if len(sent) != len(Commands()) {
		t.Errorf("PUT %d commands, want %d", len(sent), len(Commands()))
	}
	// Registering to a guild is a different target: registered again.
	cfg.GuildID = "300000000000000001"
	run := startServe(t, cfg, h)
	fake.WaitReady(5*time.Second, 3)
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Find("PUT", `/api/v9/applications/[0-9]+/guilds/300000000000000001/commands`)); n != 1 {
		t.Errorf("%d guild registrations, want 1", n)
	}
}

func TestRegisterForceAndHash(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	s, err := NewSession("test-token", fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir() + "/state/commands.json"
	ctx := context.Background()
	for _, tc := range []struct {
		force, want bool
	}{{false, true}, {false, false}, {true, true}, {false, false}} {
		changed, err := Register(ctx, s, fake.AppID, "", state, tc.force)
		if err != nil || changed != tc.want {
			t.Fatalf("Register(force=%v) = %v, %v; want %v", tc.force, changed, err, tc.want)
		}
	}
	if n := len(fake.Find("PUT", `/api/v9/applications/[0-9]+/commands`)); n != 2 {
		t.Errorf("%d PUTs, want 2", n)
	}
	if got := fake.Commands(""); len(got) != len(Commands()) {
		t.Errorf("fake holds %d commands, want %d", len(got), len(Commands()))
	}
}

func TestAPIBaseTransport(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ base, want string }{
		{"http://127.0.0.1:9/", "http://127.0.0.1:9/api/v9/gateway"},
		{"https://proxy.example/discord", "https://proxy.example/discord/api/v9/gateway"},
		{"https://proxy.example/discord/api/v9/", "https://proxy.example/discord/api/v9/gateway"},
	} {
		u, err := parseAPIBase(tc.base)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		tr := apiBaseTransport{base: u, next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			got = r.URL.String()
			return nil, errors.New("not sent")
		})}
		req, _ := http.NewRequest("GET", discordgo.EndpointGateway, nil)
		_, _ = tr.RoundTrip(req)
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.base, got, tc.want)
		}
	}
	for _, bad := range []string{"discord.com", "ftp://x", "http://", "http://h/?q=1"} {
		if _, err := parseAPIBase(bad); err == nil {
			t.Errorf("parseAPIBase(%q) accepted", bad)
		}
	}
}

func TestServeConfigErrors(t *testing.T) {
	t.Parallel()
	h := NewHandler(&stubEngine{}, HandlerOptions{})
	for _, tc := range []struct {
		name string
		mod  func(*ServeConfig)
		want string
	}{
		{"empty token", func(c *ServeConfig) { c.Token = " " }, "DISCORD_TOKEN"},
		{"bad app id", func(c *ServeConfig) { c.AppID = "abc" }, "DISCORD_APP_ID"},
		{"http without key", func(c *ServeConfig) { c.HTTPAddr = "127.0.0.1:0" }, "DISCORD_PUBLIC_KEY"},
		{"bad channel", func(c *ServeConfig) { c.SummaryChannel = "#news"; c.SummaryAt = "08:00" }, "channel"},
		{"bad time", func(c *ServeConfig) { c.SummaryChannel = "1"; c.SummaryAt = "8am" }, "HH:MM"},
	} {
		cfg := ServeConfig{Token: "x", AppID: "1"}
		tc.mod(&cfg)
		err := Serve(context.Background(), cfg, h)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}

// A burst larger than the handler bound is still answered: every
// interaction gets exactly one callback.
func TestGatewayBurstBounded(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	cfg.MaxConcurrent = 2
	cfg.DeferAfter = 5 * time.Second
	run := startServe(t, cfg, NewHandler(&stubEngine{}, HandlerOptions{RateLimit: RateLimit{Max: 1000, Window: time.Second}}))
	fake.WaitReady(5*time.Second, 1)
	const n = 12
	for k := 0; k < n; k++ {
		fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	}
	got := fake.WaitRequests(10*time.Second, n, "POST", callbackRE)
	seen := map[string]bool{}
	var mu sync.Mutex
	for _, r := range got {
		mu.Lock()
		if seen[r.Path] {
			t.Errorf("two callbacks to %s", r.Path)
		}
		seen[r.Path] = true
		mu.Unlock()
		if r.Status != 204 {
			t.Errorf("callback %s answered %d", r.Path, r.Status)
		}
	}
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// An interaction token that expired (15 minutes) answers 401 with 50027
// Invalid Webhook Token: that one interaction is dropped, the bot token is
// fine and Serve keeps answering.
func TestExpiredInteractionTokenIsNotFatal(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	eng := &stubEngine{gate: make(chan struct{})}
	run := startServe(t, cfg, NewHandler(eng, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	fake.WaitRequests(5*time.Second, 1, "POST", callbackRE) // the deferral
	fake.Advance(16 * time.Minute)                          // the engine was very slow
	close(eng.gate)
	if e := fake.WaitRequests(5*time.Second, 1, "PATCH", originalRE)[0]; e.Status != 401 {
		t.Fatalf("edit after 16 minutes: %d, want 401", e.Status)
	}
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	fake.WaitRequests(5*time.Second, 2, "POST", callbackRE)
	if err := run.stop(t); err != nil {
		t.Fatalf("Serve = %v, want nil: an expired interaction token is not a bad bot token", err)
	}
	if n := len(fake.Find("PATCH", originalRE)); n != 1 {
		t.Errorf("%d edits, want 1 (a 401 is not retried)", n)
	}
}

// Only a 401 on a route authorised by the bot token means the token was
// reset; interaction callbacks and webhooks carry their own token.
func TestOnlyBotToken401IsFatal(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	r := newResponder(nil, nil, &cfg)
	for _, tc := range []struct {
		path  string
		fatal bool
	}{
		{"/api/v9/channels/1/messages", true},
		{"/api/v9/applications/1/commands", true},
		{"/api/v9/interactions/1/tok/callback", false},
		{"/api/v9/webhooks/1/tok/messages/@original", false},
		{"/api/v9/webhooks/1/tok", false},
	} {
		req, _ := http.NewRequest("POST", "https://discord.com"+tc.path, nil)
		err := &discordgo.RESTError{Request: req, Response: &http.Response{StatusCode: 401}, Message: &discordgo.APIErrorMessage{Code: 50027}}
		r.logRESTError(r.log, "test", err)
		select {
		case <-r.unauthorized:
			if !tc.fatal {
				t.Errorf("%s: a 401 there stopped the bot", tc.path)
			}
			r = newResponder(nil, nil, &cfg)
		default:
			if tc.fatal {
				t.Errorf("%s: a 401 there did not stop the bot", tc.path)
			}
		}
	}
}

// Shutdown lets an in-flight (deferred) interaction finish and edit its
// answer before Serve returns.
func TestShutdownDrainsInFlight(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	eng := &stubEngine{gate: make(chan struct{})}
	run := startServe(t, cfg, NewHandler(eng, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	fake.WaitRequests(5*time.Second, 1, "POST", callbackRE)
	run.cancel() // SIGTERM while the engine is still working
	close(eng.gate)
	if err := run.wait(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if got := fake.Find("PATCH", originalRE); len(got) != 1 || got[0].Status != 200 {
		t.Errorf("in-flight answer not delivered on shutdown: %d edits", len(got))
	}
}

// The daily briefing through Serve and the real Handler: posted once at
// 08:00 Berlin on the spring-forward day, mention-free, not again after a
// restart the same day.
func TestServeDailyBriefingOnceAcrossRestart(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	fake := discordtest.New(t)
	const ch = "500000000000000009"
	ref := briefbot.ArticleRef{ID: "kursk", Title: "Kursk reactor", Source: "example.com", URL: "https://example.com/kursk"}
	eng := &stubEngine{summary: briefbot.Summary{Articles: 1,
		Points:  []briefbot.Point{{Article: ref, Paragraph: 1, ID: "kursk#1", Text: "The reactor was shut down on Monday, @everyone was told."}},
		Stories: []briefbot.Story{{Title: "Kursk reactor", Articles: []string{"kursk"}}},
	}}
	h := NewHandler(eng, HandlerOptions{Location: loc})
	cfg := baseConfig(t, fake)
	cfg.SummaryChannel, cfg.SummaryAt, cfg.Location = ch, "08:00", loc

	clock := newFakeClock(time.Date(2026, 3, 29, 7, 59, 0, 0, loc))
	cfg.Clock = clock
	run := startServe(t, cfg, h)
	clock.runUntil(t, time.Date(2026, 3, 29, 8, 1, 0, 0, loc))
	fake.WaitFor(5*time.Second, "daily post", func() bool { return len(fake.Messages(ch)) == 1 })
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	post := fake.Find("POST", `/api/v9/channels/`+ch+`/messages`)[0]
	requireNoMentions(t, post.Body)
	if !strings.Contains(string(post.Body), `"nonce":"brief-20260329"`) {
		t.Errorf("daily post without the day's nonce: %s", post.Body)
	}

	clock2 := newFakeClock(time.Date(2026, 3, 29, 9, 0, 0, 0, loc))
	cfg.Clock = clock2
	run = startServe(t, cfg, h)
	clock2.runUntil(t, time.Date(2026, 3, 29, 23, 0, 0, 0, loc))
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Messages(ch)); n != 1 {
		t.Errorf("%d daily posts after a restart the same day, want 1", n)
	}
}

func TestServeRegister401IsFatal(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	cfg.Token = "revoked"
	err := Serve(context.Background(), cfg, NewHandler(&stubEngine{}, HandlerOptions{}))
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "DISCORD_TOKEN") {
		t.Fatalf("Serve = %v, want a 401 error naming DISCORD_TOKEN", err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d requests after a 401, want 1", n)
	}
}

// When every handler slot is taken, a new interaction is deferred in time
// and answered once a slot frees up.
func TestDeferredWhileAllSlotsTaken(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	cfg.MaxConcurrent = 1
	eng := &stubEngine{gate: make(chan struct{})}
	run := startServe(t, cfg, NewHandler(eng, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "first")))
	fake.WaitRequests(5*time.Second, 1, "POST", callbackRE) // deferred, holding the slot
	second := fake.NewCommand("ask", discordtest.StringOption("question", "second"))
	fake.DispatchInteraction(second)
	got := fake.WaitRequests(5*time.Second, 2, "POST", callbackRE)
	cb := got[1]
	if body := decodeBody(t, cb); cb.Path != "/api/v9/interactions/"+second.ID+"/"+second.Token+"/callback" || body["type"] != float64(5) {
		t.Errorf("second callback %s %s, want a deferral", cb.Path, cb.Body)
	}
	close(eng.gate)
	edits := fake.WaitRequests(5*time.Second, 2, "PATCH", originalRE)
	for _, e := range edits {
		if e.Status != 200 || !strings.Contains(string(e.Body), "reactor was shut down") {
			t.Errorf("edit %s: %d %s", e.Path, e.Status, e.Body)
		}
	}
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
}

// An autocomplete request (which cannot be deferred) gets empty choices
// rather than nothing when every slot is taken.
func TestBusyForAutocomplete(t *testing.T) {
	t.Parallel()
	i := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommandAutocomplete}
	if r := busyFor(i); r.Type != discordgo.InteractionApplicationCommandAutocompleteResult || r.Data.Choices == nil {
		t.Errorf("busyFor(autocomplete) = %+v", r)
	}
	if r := busyFor(&discordgo.Interaction{Type: discordgo.InteractionApplicationCommand}); r.Data.Flags != discordgo.MessageFlagsEphemeral {
		t.Errorf("busy reply not ephemeral")
	}
}

// A private answer (here: the engine failed, so the handler apologises
// ephemerally) after a public deferral goes out as an ephemeral follow-up,
// and the public "thinking" message is deleted, instead of editing the
// apology into a message the whole channel sees. The "thinking" message is
// settled first: Discord would make the first follow-up that message, public
// (the fake fails such a follow-up).
func TestEphemeralAnswerAfterPublicDeferral(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	eng := &stubEngine{gate: make(chan struct{}), askErr: errors.New("index broken")}
	run := startServe(t, cfg, NewHandler(eng, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	i := fake.NewCommand("ask", discordtest.StringOption("question", "reactor?"))
	fake.DispatchInteraction(i)
	fake.WaitRequests(5*time.Second, 1, "POST", callbackRE)
	close(eng.gate)
	fake.WaitRequests(5*time.Second, 1, "DELETE", originalRE)
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	fu := fake.Find("POST", `/api/v9/webhooks/[0-9]+/[^/]+`)
	if len(fu) != 1 || !strings.Contains(string(fu[0].Body), `"flags":64`) {
		t.Fatalf("follow-ups %v, want one ephemeral", fu)
	}
	requireNoMentions(t, fu[0].Body)
	patches := fake.Find("PATCH", originalRE)
	if len(patches) != 1 || !strings.Contains(string(patches[0].Body), answeredPrivately) || patches[0].Time.After(fu[0].Time) {
		t.Fatalf("edits of the public message %v, want one saying %q before the follow-up", patches, answeredPrivately)
	}
	requireNoMentions(t, patches[0].Body)
	if d := fake.Find("DELETE", originalRE); d[0].Time.Before(fu[0].Time) {
		t.Errorf("deleted before the follow-up was sent")
	}
}

// A paging button's own private reply (here: the engine failed on page 2)
// after its type-6 deferral goes out as an ephemeral follow-up: editing
// @original would put the apology in place of the answer the button sits
// on, for the whole channel.
func TestPageButtonErrorKeepsTheAnswer(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	eng := &stubEngine{gate: make(chan struct{}), askErr: errors.New("index broken")}
	run := startServe(t, cfg, NewHandler(eng, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	next, ok := pageState{Cmd: "a", Page: 2, Query: "reactor?"}.encode()
	if !ok {
		t.Fatal("page state does not encode")
	}
	i := fake.NewCommand("ask")
	i.Type = discordgo.InteractionMessageComponent
	i.Data = discordgo.MessageComponentInteractionData{CustomID: next, ComponentType: discordgo.ButtonComponent}
	i.Message = &discordgo.Message{ID: fake.NewID(), ChannelID: i.ChannelID, Content: "**Ask:** reactor?"}
	fake.DispatchInteraction(i)
	cb := fake.WaitRequests(5*time.Second, 1, "POST", callbackRE)
	if !strings.Contains(string(cb[0].Body), `"type":6`) {
		t.Fatalf("deferral %s, want type 6", cb[0].Body)
	}
	close(eng.gate)
	fake.WaitRequests(5*time.Second, 1, "POST", `/api/v9/webhooks/[0-9]+/[^/]+$`)
	if err := run.stop(t); err != nil {
		t.Fatal(err)
	}
	fu := fake.Find("POST", `/api/v9/webhooks/[0-9]+/[^/]+$`)
	if len(fu) != 1 || !strings.Contains(string(fu[0].Body), `"flags":64`) {
		t.Fatalf("follow-ups %v, want one ephemeral", fu)
	}
	requireNoMentions(t, fu[0].Body)
	if n := len(fake.Find("PATCH", originalRE)) + len(fake.Find("DELETE", originalRE)); n != 0 {
		t.Errorf("the answer the button sits on was edited or deleted (%d requests)", n)
	}
}
