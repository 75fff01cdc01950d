package discordtest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// recTB records Errorf/Fatalf instead of failing, to test that the fake
// fails tests on unexpected requests.
type recTB struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recTB) Helper() {}
func (r *recTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recTB) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recTB) Cleanup(f func())                  { r.cleanups = append(r.cleanups, f) }

func TestUnexpectedRouteFailsTheTest(t *testing.T) {
	t.Parallel()
	rec := &recTB{}
	s := New(rec)
	defer s.Close()
	req, _ := http.NewRequest(http.MethodDelete, s.URL+"/api/v9/guilds/1", nil)
	req.Header.Set("Authorization", s.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 || len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "unexpected request DELETE /api/v9/guilds/1") {
		t.Errorf("status %d, errors %q", res.StatusCode, rec.errs)
	}
}

func TestScriptAndAuth(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.Script("POST", `/api/v9/channels/1/messages`, RateLimited(0.25), ServerError())
	post := func(auth string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/v9/channels/1/messages", strings.NewReader(`{"content":"hi"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	r1 := post(s.Token)
	if r1.StatusCode != 429 || r1.Header.Get("Retry-After") != "0.25" {
		t.Errorf("first: %d Retry-After %q", r1.StatusCode, r1.Header.Get("Retry-After"))
	}
	if r := post(s.Token); r.StatusCode != 500 {
		t.Errorf("second: %d", r.StatusCode)
	}
	if r := post(s.Token); r.StatusCode != 200 {
		t.Errorf("third: %d", r.StatusCode)
	}
	if r := post("Bot wrong"); r.StatusCode != 401 {
		t.Errorf("bad token: %d", r.StatusCode)
	}
	if n := len(s.Messages("1")); n != 1 {
		t.Errorf("%d stored messages, want 1", n)
	}
	if n := len(s.Find("POST", `/api/v9/channels/1/messages`)); n != 4 {
		t.Errorf("%d recorded requests", n)
	}
}

// The gateway handshake as a raw websocket client: Hello, Identify, READY,
// heartbeat ACK, dispatch, and a scripted close code.
func TestGatewayHandshake(t *testing.T) {
	t.Parallel()
	s := New(t)
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.URL, "http")+"/gateway", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var msg struct {
		Op int            `json:"op"`
		T  string         `json:"t"`
		D  map[string]any `json:"d"`
	}
	if err := c.ReadJSON(&msg); err != nil || msg.Op != 10 {
		t.Fatalf("hello: %+v %v", msg, err)
	}
	if err := c.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": s.Token, "intents": 1}}); err != nil {
		t.Fatal(err)
	}
	if err := c.ReadJSON(&msg); err != nil || msg.T != "READY" || msg.D["session_id"] == nil || msg.D["resume_gateway_url"] == nil {
		t.Fatalf("ready: %+v %v", msg, err)
	}
	if got := s.Identifies(); len(got) != 1 || got[0].Intents != 1 {
		t.Errorf("identifies %+v", got)
	}
	_ = c.WriteJSON(map[string]any{"op": 1, "d": 1})
	if err := c.ReadJSON(&msg); err != nil || msg.Op != 11 {
		t.Fatalf("heartbeat ack: %+v %v", msg, err)
	}
	s.WaitReady(time.Second, 1)
	s.Dispatch("INTERACTION_CREATE", map[string]any{"id": "1"})
	if err := c.ReadJSON(&msg); err != nil || msg.T != "INTERACTION_CREATE" {
		t.Fatalf("dispatch: %+v %v", msg, err)
	}
	s.CloseGateway(4000, "Unknown error.")
	_, _, err = c.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4000 {
		t.Errorf("close: %v", err)
	}
}

func TestPrivilegedIntentRefused(t *testing.T) {
	t.Parallel()
	s := New(t)
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.URL, "http")+"/gateway", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var hello map[string]any
	_ = c.ReadJSON(&hello)
	_ = c.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": s.Token, "intents": 1 << 15}})
	_, _, err = c.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4014 {
		t.Errorf("close: %v, want 4014", err)
	}
}
