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
	stamp := strconv.FormatInt(ts.Unix(), 10)
	req := httptest.NewRequest(http.MethodPost, "/interactions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, []byte(stamp+body))))
	return req
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
		{"stale interaction", g.request(`{"type":2,"id":"786008729715212338","token":"x","data":{"name":"ask"}}`, g.now, g.priv), 400},
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
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/", strings.NewReader(body))
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, []byte(stamp+body))))
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
