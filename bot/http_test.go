package bot

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// endpointRig is the HTTP interactions endpoint wired to a fake Discord (for
// the REST edits after a deferral) and a test key pair.
type endpointRig struct {
	fake *discordtest.Server
	ep   *endpoint
	r    *responder
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
	now  time.Time
}

func newEndpointRig(t *testing.T, eng Engine) *endpointRig {
	t.Helper()
	fake := discordtest.New(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession("test-token", fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(t, fake)
	r := newResponder(s, NewHandler(eng, HandlerOptions{}), &cfg)
	ep := newEndpoint(r, pub, cfg.Logger)
	rig := &endpointRig{fake: fake, ep: ep, r: r, pub: pub, priv: priv, now: time.Now()}
	ep.now = func() time.Time { return rig.now }
	t.Cleanup(func() { r.drain(5 * time.Second) })
	return rig
}

// request builds a POST signed like Discord signs: Ed25519 over
// timestamp + body.
func (g *endpointRig) request(body string, ts time.Time, key ed25519.PrivateKey) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/interactions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sign(req.Header, body, ts, key)
	return req
}

// sign sets the headers Discord signs an interaction with: Ed25519 over
// timestamp + body.
func sign(h http.Header, body string, ts time.Time, key ed25519.PrivateKey) {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	h.Set("X-Signature-Timestamp", stamp)
	h.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, []byte(stamp+body))))
}

func (g *endpointRig) serve(req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	g.ep.ServeHTTP(w, req)
	return w
}

func interactionJSON(t *testing.T, i *discordgo.Interaction) string {
	t.Helper()
	b, err := json.Marshal(i)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEndpointPing(t *testing.T) {
	t.Parallel()
	g := newEndpointRig(t, &stubEngine{})
	w := g.serve(g.request(`{"type":1,"id":"1","application_id":"2","token":"x"}`, g.now, g.priv))
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"type":1}` {
		t.Errorf("PING = %d %q, want 200 {\"type\":1}", w.Code, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestEndpointRefusals(t *testing.T) {
	t.Parallel()
	g := newEndpointRig(t, &stubEngine{})
	ping := `{"type":1}`
	_, otherKey, _ := ed25519.GenerateKey(nil)

	emptyBody := g.request(ping, g.now, g.priv)
	emptyBody.Body = http.NoBody
	tamperedBody := httptest.NewRequest(http.MethodPost, "/interactions", strings.NewReader(`{"type":2}`))
	tamperedBody.Header = g.request(ping, g.now, g.priv).Header

	tamperedTS := g.request(ping, g.now, g.priv)
	tamperedTS.Header.Set("X-Signature-Timestamp", strconv.FormatInt(g.now.Unix()+1, 10))

	noSig := g.request(ping, g.now, g.priv)
	noSig.Header.Del("X-Signature-Ed25519")
	noTS := g.request(ping, g.now, g.priv)
	noTS.Header.Del("X-Signature-Timestamp")
	badHex := g.request(ping, g.now, g.priv)
	badHex.Header.Set("X-Signature-Ed25519", "zz"+badHex.Header.Get("X-Signature-Ed25519")[2:])
	shortSig := g.request(ping, g.now, g.priv)
	shortSig.Header.Set("X-Signature-Ed25519", shortSig.Header.Get("X-Signature-Ed25519")[:64])

	big := `{"type":1,"pad":"` + strings.Repeat("a", maxInteractionBody) + `"}`

	for _, tc := range []struct {
		name string
		req  *http.Request
		want int
	}{
		{"tampered body", tamperedBody, 401},
		{"empty body", emptyBody, 401},
		{"tampered timestamp", tamperedTS, 401},
		{"stale timestamp", g.request(ping, g.now.Add(-6*time.Minute), g.priv), 401},
		{"future timestamp", g.request(ping, g.now.Add(6*time.Minute), g.priv), 401},
		{"wrong key", g.request(ping, g.now, otherKey), 401},
		{"missing signature", noSig, 401},
		{"missing timestamp", noTS, 401},
		{"bad hex", badHex, 401},
		{"short signature", shortSig, 401},
		{"oversized", g.request(big, g.now, g.priv), 413},
		{"not JSON", g.request("hello", g.now, g.priv), 400},
		{"no type", g.request(`{"id":"1"}`, g.now, g.priv), 400},
		{"unknown type", g.request(`{"type":99}`, g.now, g.priv), 400},
		{"GET", httptest.NewRequest(http.MethodGet, "/interactions", nil), 405},
	} {
		if w := g.serve(tc.req); w.Code != tc.want {
			t.Errorf("%s: %d %q, want %d", tc.name, w.Code, w.Body.String(), tc.want)
		}
	}
	// Within the window is fine.
	if w := g.serve(g.request(ping, g.now.Add(-4*time.Minute), g.priv)); w.Code != 200 {
		t.Errorf("4-minute-old request refused: %d", w.Code)
	}
	if n := len(g.fake.Requests()); n != 0 {
		t.Errorf("refused requests reached Discord: %d REST calls", n)
	}
}

func TestEndpointAskInline(t *testing.T) {
	t.Parallel()
	g := newEndpointRig(t, &stubEngine{})
	g.r.deferAfter = 5 * time.Second
	i := g.fake.NewCommand("ask", discordtest.StringOption("question", "reactor?"))
	w := g.serve(g.request(interactionJSON(t, i), g.now, g.priv))
	if w.Code != 200 {
		t.Fatalf("status %d %s", w.Code, w.Body.String())
	}
	var resp struct {
		Type discordgo.InteractionResponseType
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Type != discordgo.InteractionResponseChannelMessageWithSource || !strings.Contains(w.Body.String(), "reactor was shut down") {
		t.Errorf("inline answer %s", w.Body.String())
	}
	requireNoMentions(t, w.Body.Bytes())
	if n := len(g.fake.Requests()); n != 0 {
		t.Errorf("an inline answer made %d REST calls", n)
	}
}

func TestEndpointSlowAskDefersInlineThenEdits(t *testing.T) {
	t.Parallel()
	eng := &stubEngine{gate: make(chan struct{})}
	g := newEndpointRig(t, eng)
	i := g.fake.NewCommand("ask", discordtest.StringOption("question", "reactor?"))
	w := g.serve(g.request(interactionJSON(t, i), g.now, g.priv))
	var resp struct {
		Type discordgo.InteractionResponseType
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); w.Code != 200 || err != nil || resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Fatalf("inline deferral = %d %s, want type 5", w.Code, w.Body.String())
	}
	g.fake.Acknowledge(i.ID) // what Discord does with the inline answer
	close(eng.gate)
	edit := g.fake.WaitRequests(5*time.Second, 1, "PATCH", originalRE)[0]
	if edit.Status != 200 || !strings.Contains(string(edit.Body), "reactor was shut down") {
		t.Errorf("edit %d %s", edit.Status, edit.Body)
	}
	requireNoMentions(t, edit.Body)
	if n := len(g.fake.Find("POST", callbackRE)); n != 0 {
		t.Errorf("HTTP mode POSTed %d callbacks; the inline reply is the callback", n)
	}
}

func TestServeHTTPModeNoGateway(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	pub, priv, _ := ed25519.GenerateKey(nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(t, fake)
	cfg.Listener = ln
	cfg.PublicKey = hex.EncodeToString(pub)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- Serve(ctx, cfg, NewHandler(&stubEngine{}, HandlerOptions{})) }()

	body := `{"type":1}`
	req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/", strings.NewReader(body))
	sign(req.Header, body, time.Now(), priv)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("PING over the listener: %d", res.StatusCode)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if n := len(fake.Identifies()); n != 0 {
		t.Errorf("HTTP mode connected to the gateway %d times", n)
	}
	if n := len(fake.Find("GET", `/api/v9/gateway.*`)); n != 0 {
		t.Errorf("HTTP mode asked for the gateway URL")
	}
}

// slowWire delays the endpoint's reply on its way to Discord: the first
// Write lets the handler finish, then waits before the bytes go out. An
// edit of @original sent before the reply is written reaches Discord
// before the deferral it edits.
type slowWire struct {
	http.ResponseWriter
	once    *sync.Once
	release chan struct{}
	wrote   *atomic.Int64 // when the reply was written (UnixNano)
}

func (w slowWire) Write(b []byte) (int, error) {
	w.once.Do(func() {
		close(w.release)
		time.Sleep(300 * time.Millisecond)
	})
	n, err := w.ResponseWriter.Write(b)
	w.wrote.Store(time.Now().UnixNano())
	return n, err
}

func (w slowWire) Flush() { w.ResponseWriter.(http.Flusher).Flush() }

// In HTTP mode the deferral is the HTTP reply: the edit of @original must
// wait until that reply has been written, or Discord answers 10008.
func TestEndpointEditWaitsForInlineReply(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	eng := &stubEngine{gate: make(chan struct{})}
	s, err := NewSession("test-token", fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(t, fake)
	r := newResponder(s, NewHandler(eng, HandlerOptions{}), &cfg)
	t.Cleanup(func() { r.drain(5 * time.Second) })
	pub, err := parsePublicKey(fake.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	ep := newEndpoint(r, pub, cfg.Logger)
	var once sync.Once
	var wrote atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ep.ServeHTTP(slowWire{ResponseWriter: w, once: &once, release: eng.gate, wrote: &wrote}, req)
	}))
	t.Cleanup(srv.Close)

	i := fake.NewCommand("ask", discordtest.StringOption("question", "reactor?"))
	in := fake.PostInteraction(srv.URL, i)
	if in.Status != 200 || !in.Accepted || !strings.Contains(string(in.Body), `"type":5`) {
		t.Fatalf("inline reply %d %s accepted=%v, want an accepted type 5", in.Status, in.Body, in.Accepted)
	}
	fake.WaitFor(5*time.Second, "a successful edit of @original", func() bool {
		for _, e := range fake.Find("PATCH", originalRE) {
			if e.Status == 200 {
				return true
			}
		}
		return false
	})
	edits := fake.Find("PATCH", originalRE)
	if first := edits[0].Time.UnixNano(); first < wrote.Load() {
		t.Errorf("the first edit started %v before the inline reply was written", time.Duration(wrote.Load()-first))
	}
	if last := edits[len(edits)-1]; last.Status != 200 || !strings.Contains(string(last.Body), "reactor was shut down") {
		t.Errorf("edit %d %s", last.Status, last.Body)
	}
}

// A 10008 on the first edit after a deferral means Discord has not taken in
// the deferral yet (an inline reply still on the wire): retried shortly,
// a few times, not dropped.
func TestFirstEditRetriedAfterUnknownMessage(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	cfg := baseConfig(t, fake)
	unknown := discordtest.APIError(404, discordgo.ErrCodeUnknownMessage, "Unknown Message")
	fake.Script("PATCH", originalRE, unknown, unknown)
	eng := &stubEngine{gate: make(chan struct{})}
	run := startServe(t, cfg, NewHandler(eng, HandlerOptions{}))
	fake.WaitReady(5*time.Second, 1)
	fake.DispatchInteraction(fake.NewCommand("ask", discordtest.StringOption("question", "reactor?")))
	fake.WaitRequests(5*time.Second, 1, "POST", callbackRE) // the deferral
	close(eng.gate)
	got := fake.WaitRequests(5*time.Second, 3, "PATCH", originalRE)
	if got[0].Status != 404 || got[1].Status != 404 || got[2].Status != 200 {
		t.Errorf("edit statuses %d %d %d, want 404 404 200", got[0].Status, got[1].Status, got[2].Status)
	}
	if err := run.stop(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
}
