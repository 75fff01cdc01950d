package bot

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// The fuzz targets' application key, from a fixed seed so that a saved
// failing input keeps its signature.
var fuzzKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x5e}, ed25519.SeedSize))

// Interaction payloads shaped as Discord's documentation shows them
// ("Receiving and Responding": a PING, and the /cardsearch application
// command example, here /ask). ids are filled in by docPayloads.
const (
	docPing = `{"id":%q,"application_id":%q,"type":1,"token":"A_UNIQUE_TOKEN","version":1,` +
		`"user":{"id":"53908232506183680","username":"Mason","discriminator":"1337","public_flags":131141}}`
	docCommand = `{"type":2,"token":"A_UNIQUE_TOKEN","version":1,` +
		`"member":{"user":{"id":"53908232506183680","username":"Mason","avatar":"a_d5efa99b3eeaa7dd43acca82f5692432","discriminator":"1337","public_flags":131141},` +
		`"roles":["539082325061836999"],"premium_since":null,"permissions":"2147483647","pending":false,"nick":null,"mute":false,` +
		`"joined_at":"2017-03-13T19:19:14.040000+00:00","deaf":false},` +
		`"id":%q,"application_id":%q,"guild_id":"290926798626357999","app_permissions":"442368","guild_locale":"en-US","locale":"en-US",` +
		`"data":{"options":[{"type":3,"name":"question","value":"When was the reactor shut down?"}],"type":1,"name":"ask","id":"771825006014889984"},` +
		`"channel_id":"645027906669510667"}`
)

// docPayloads are the seed bodies. Their interaction ids are dated an hour
// after now, so the stale-interaction check (15 s) does not turn the seeds
// away a few seconds into a fuzz run; the documentation's own 2020 id is
// kept once, for that check.
func docPayloads(now time.Time) []string {
	fresh := discordtest.Snowflake(now.Add(time.Hour), 1)
	return []string{
		fmt.Sprintf(docPing, fresh, discordtest.DefaultAppID),
		fmt.Sprintf(docCommand, fresh, discordtest.DefaultAppID),
		fmt.Sprintf(docCommand, "786008729715212338", discordtest.DefaultAppID),
		`{"type":3,"id":"1","token":"t","data":{"custom_id":"p|a|2||||||reactor","component_type":2},"message":{"id":"2","channel_id":"3","content":"**Ask:** reactor"}}`,
		`{"type":4,"id":"1","token":"t","data":{"name":"ask","options":[{"type":3,"name":"source","value":"ex","focused":true}]}}`,
		`{"type":5,"id":"1","token":"t","data":{"custom_id":"x","components":[]}}`,
	}
}

// signedHeader is what Discord sends: X-Signature-Ed25519 over timestamp +
// body.
func signedHeader(body []byte, ts time.Time) (stamp, sig string) {
	stamp = strconv.FormatInt(ts.Unix(), 10)
	return stamp, hex.EncodeToString(ed25519.Sign(fuzzKey, append([]byte(stamp), body...)))
}

// panicWatch is a slog handler that notes any record saying a handler
// panicked: the responder and the handler recover panics (the user gets an
// apology), so without it a panic would pass as a 200.
type panicWatch struct{ seen atomic.Bool }

func (p *panicWatch) Enabled(context.Context, slog.Level) bool { return true }
func (p *panicWatch) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "handler panic" || r.Message == "handler panicked" {
		p.seen.Store(true)
	}
	return nil
}
func (p *panicWatch) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p *panicWatch) WithGroup(string) slog.Handler      { return p }

// fuzzRig is the endpoint with a fresh handler per input (so no input
// depends on the ones before it: the rate limiter starts empty) and a REST
// sink for the edits after a deferral.
type fuzzRig struct {
	rest *httptest.Server
}

func newFuzzRig(f *testing.F) *fuzzRig {
	rest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"1"}`)
	}))
	f.Cleanup(rest.Close)
	return &fuzzRig{rest: rest}
}

// serve sends one POST through a new endpoint whose clock reads now, and
// fails the test if a handler panicked on the way.
func (g *fuzzRig) serve(t *testing.T, now time.Time, header http.Header, body []byte) *httptest.ResponseRecorder {
	watch := &panicWatch{}
	log := slog.New(watch)
	s, err := NewSession("test-token", g.rest.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := ServeConfig{Logger: log, DeferAfter: 2 * time.Second, retryBackoff: time.Millisecond}
	r := newResponder(s, NewHandler(&stubEngine{}, HandlerOptions{Logger: log}), &cfg)
	ep := newEndpoint(r, fuzzKey.Public().(ed25519.PublicKey), log)
	ep.now = func() time.Time { return now }

	req := httptest.NewRequest(http.MethodPost, "/interactions", bytes.NewReader(body))
	req.Header = header
	w := httptest.NewRecorder()
	ep.ServeHTTP(w, req)
	r.drain(5 * time.Second) // edits after a deferral, if any
	if watch.seen.Load() {
		t.Errorf("a handler panicked on body %q", body)
	}
	return w
}

// signedByFuzzKey is the reference check, written apart from endpoint.verify:
// discordgo's VerifyInteraction for the signature, and the timestamp within
// maxClockSkew of now.
func signedByFuzzKey(header http.Header, body []byte, now time.Time) bool {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header = header.Clone()
	if !discordgo.VerifyInteraction(req, fuzzKey.Public().(ed25519.PublicKey)) {
		return false
	}
	secs, err := strconv.ParseInt(header.Get("X-Signature-Timestamp"), 10, 64)
	if err != nil {
		return false
	}
	skew := now.Sub(time.Unix(secs, 0))
	return -maxClockSkew <= skew && skew <= maxClockSkew
}

// FuzzEndpointSignature sends random bodies, timestamps and signatures. A
// request is refused (401) unless it is signed with the application's key
// over its own timestamp and body, the timestamp within five minutes; only
// then may the body be looked at (200 or 400). An oversized body is 413.
func FuzzEndpointSignature(f *testing.F) {
	rig := newFuzzRig(f)
	now := time.Now()
	for _, body := range docPayloads(now) {
		stamp, sig := signedHeader([]byte(body), now)
		f.Add([]byte(body), stamp, sig)
		f.Add([]byte(body), stamp, "")
		f.Add([]byte(body+" "), stamp, sig)
		old, oldSig := signedHeader([]byte(body), now.Add(-maxClockSkew-time.Minute))
		f.Add([]byte(body), old, oldSig)
	}
	f.Add([]byte(`{"type":1}`), "0", "00")
	f.Fuzz(func(t *testing.T, body []byte, stamp, sig string) {
		now := time.Now()
		header := http.Header{}
		header.Set("Content-Type", "application/json")
		header.Set("X-Signature-Timestamp", stamp)
		header.Set("X-Signature-Ed25519", sig)
		signed := signedByFuzzKey(header, body, now)
		w := rig.serve(t, now, header, body)
		switch {
		case len(body) > maxInteractionBody:
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("oversized body: %d, want 413", w.Code)
			}
		case !signed:
			if w.Code != http.StatusUnauthorized {
				t.Errorf("unsigned or wrongly signed request answered %d %q, want 401", w.Code, w.Body.String())
			}
		default:
			checkInteractionReply(t, body, w)
		}
	})
}

// FuzzEndpointBody signs whatever body the fuzzer makes, so that the body
// parser and the handler behind it are explored: every signed body gets 200
// with an interaction response, or 400 when it is not an interaction the
// bot answers.
func FuzzEndpointBody(f *testing.F) {
	rig := newFuzzRig(f)
	for _, body := range docPayloads(time.Now()) {
		f.Add([]byte(body))
	}
	for _, body := range []string{`{"type":1}`, `{"type":null}`, `{"type":2,"data":5}`, `{"type":99}`, `[]`, `null`, ``} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		now := time.Now()
		stamp, sig := signedHeader(body, now)
		header := http.Header{}
		header.Set("Content-Type", "application/json")
		header.Set("X-Signature-Timestamp", stamp)
		header.Set("X-Signature-Ed25519", sig)
		w := rig.serve(t, now, header, body)
		if len(body) > maxInteractionBody {
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("oversized body: %d, want 413", w.Code)
			}
			return
		}
		checkInteractionReply(t, body, w)
	})
}

// checkInteractionReply checks the answer to a correctly signed body: 400,
// or 200 with a response of a type Discord accepts, where a PONG answers a
// PING and anything else answers a body that decodes as an interaction of
// a kind the bot handles.
func checkInteractionReply(t *testing.T, body []byte, w *httptest.ResponseRecorder) {
	t.Helper()
	switch w.Code {
	case http.StatusBadRequest:
		return
	case http.StatusOK:
	default:
		t.Fatalf("signed body %q answered %d %q, want 200 or 400", body, w.Code, w.Body.String())
	}
	var resp struct {
		Type discordgo.InteractionResponseType
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("200 with a body that is not a response: %q: %v", w.Body.String(), err)
	}
	var probe struct{ Type discordgo.InteractionType }
	_ = json.Unmarshal(body, &probe)
	if resp.Type == discordgo.InteractionResponsePong {
		if probe.Type != discordgo.InteractionPing {
			t.Errorf("PONG for a body of type %d: %q", probe.Type, body)
		}
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		t.Errorf("answered %q, a body that is not an interaction (%v)", body, err)
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent,
		discordgo.InteractionApplicationCommandAutocomplete, discordgo.InteractionModalSubmit:
	default:
		t.Errorf("answered a body of interaction type %d: %q", i.Type, body)
	}
	switch resp.Type {
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseDeferredChannelMessageWithSource,
		discordgo.InteractionResponseDeferredMessageUpdate, discordgo.InteractionResponseUpdateMessage,
		discordgo.InteractionApplicationCommandAutocompleteResult, discordgo.InteractionResponseModal:
	default:
		t.Errorf("response type %d is not one Discord takes: %q", resp.Type, w.Body.String())
	}
}
