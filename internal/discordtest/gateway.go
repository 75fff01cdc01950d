package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// ---- gateway ----

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// gwPayload is a gateway message as the client sends it.
type gwPayload struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

// serveGateway speaks the gateway protocol on one websocket connection:
// Hello, then Identify (refused with the close code Discord would use, or a
// scripted one) and READY, or Resume answered with RESUMED or op 9 (Invalid
// Session, after which the client must Identify); then heartbeat acks until
// the client goes away.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if !closed {
			s.t.Errorf("discordtest: gateway upgrade: %v", err)
		}
		return
	}
	g := &gwConn{c: c}
	defer g.closeWith(websocket.CloseNormalClosure, "")

	if err := g.send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": s.HeartbeatInterval}}); err != nil {
		return
	}
	first, ok := readPayload(g)
	if !ok {
		return
	}
	if first.Op == 6 && s.resume(g, first.D) {
		s.joined(g, false)
		return
	}
	if first.Op == 6 {
		// op 9 sent: the client has to Identify now.
		if first, ok = readPayload(g); !ok {
			return
		}
	}
	if first.Op != 2 {
		g.closeWith(4003, "Not authenticated.")
		return
	}
	id := s.recordIdentify(first.D)
	if code, text := s.refusal(id); code != 0 {
		g.closeWith(code, text)
		return
	}
	if err := s.sendReady(g); err != nil {
		return
	}
	s.joined(g, true)
}

func readPayload(g *gwConn) (gwPayload, bool) {
	var p gwPayload
	if err := g.c.ReadJSON(&p); err != nil {
		return p, false
	}
	return p, true
}

// joined registers a connection that got READY or RESUMED and serves its
// heartbeats until it goes away.
func (s *Server) joined(g *gwConn, ready bool) {
	s.mu.Lock()
	s.conns = append(s.conns, g)
	if ready {
		s.readies++
	} else {
		s.resumes++
	}
	s.changed()
	s.mu.Unlock()
	defer s.dropConn(g)
	s.ackHeartbeats(g)
}

// resume answers a Resume (op 6): the events the client missed, then
// RESUMED, when the token is the bot's and the session is known; else op 9 Invalid Session (d: false), as Discord
// does. It reports whether the session was resumed.
func (s *Server) resume(g *gwConn, raw json.RawMessage) bool {
	var p struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(raw, &p)
	s.mu.Lock()
	last, known := s.sessions[p.SessionID]
	ok := known && p.Token == s.Token && p.Seq <= last
	if ok {
		g.session = p.SessionID
	}
	s.mu.Unlock()
	if !ok {
		_ = g.send(map[string]any{"op": 9, "d": false})
		return false
	}
	// Discord replays what the client missed, then says RESUMED.
	s.mu.Lock()
	var missed []map[string]any
	for _, ev := range s.sent[p.SessionID] {
		if ev["s"].(int64) > p.Seq {
			missed = append(missed, ev)
		}
	}
	s.mu.Unlock()
	for _, ev := range missed {
		if g.send(ev) != nil {
			return false
		}
	}
	return g.send(map[string]any{"op": 0, "s": s.nextSeq(g), "t": "RESUMED", "d": map[string]any{}}) == nil
}

// Resumes is how many times a client resumed a session.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// WaitResumed waits until n resumes have succeeded.
func (s *Server) WaitResumed(timeout time.Duration, n int) {
	s.t.Helper()
	s.WaitFor(timeout, "gateway RESUMED", func() bool { return s.Resumes() >= n })
}

// RequestReconnect sends op 7 (Reconnect) on every live connection, as
// Discord does before it moves a session; the client is expected to close
// and Resume.
func (s *Server) RequestReconnect() {
	s.mu.Lock()
	conns := append([]*gwConn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.send(map[string]any{"op": 7, "d": nil})
	}
}

// nextSeq advances and returns the sequence number of g's session.
func (s *Server) nextSeq(g *gwConn) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[g.session]++
	return s.sessions[g.session]
}

// recordIdentify decodes and records an Identify.
func (s *Server) recordIdentify(raw json.RawMessage) Identify {
	var id Identify
	_ = json.Unmarshal(raw, &id)
	s.mu.Lock()
	s.identifies = append(s.identifies, id)
	s.changed()
	s.mu.Unlock()
	return id
}

// refusal is the close code (and text) with which the gateway answers id,
// or 0 when the client is let in.
func (s *Server) refusal(id Identify) (int, string) {
	s.mu.Lock()
	code := s.closeCode
	token := s.Token
	s.mu.Unlock()
	switch {
	case code != 0:
		return code, "scripted close"
	case id.Token != token:
		return 4004, "Authentication failed."
	case !s.AllowPrivileged && discordgo.Intent(id.Intents)&privilegedIntents != 0:
		return 4014, "Disallowed intent(s)."
	}
	return 0, ""
}

// sendReady starts a new session and sends READY as its first dispatch
// (sequence 1).
func (s *Server) sendReady(g *gwConn) error {
	s.mu.Lock()
	g.session = fmt.Sprintf("fake-session-%d", len(s.sessions)+len(s.identifies))
	s.sessions[g.session] = 0
	s.mu.Unlock()
	return g.send(map[string]any{
		"op": 0, "s": s.nextSeq(g), "t": "READY",
		"d": map[string]any{
			"v":                  10,
			"session_id":         g.session,
			"resume_gateway_url": "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway",
			"user":               map[string]any{"id": s.BotUserID, "username": "briefbot", "bot": true},
			"application":        map[string]any{"id": s.AppID, "flags": 0},
			"guilds":             []any{},
		},
	})
}

// ackHeartbeats answers every heartbeat (op 1) with an ack (op 11) until
// the connection fails or closes.
func (s *Server) ackHeartbeats(g *gwConn) {
	for {
		var msg struct {
			Op int `json:"op"`
		}
		if err := g.c.ReadJSON(&msg); err != nil {
			return
		}
		if msg.Op == 1 {
			_ = g.send(map[string]any{"op": 11})
		}
	}
}

// dropConn forgets a connection that went away.
func (s *Server) dropConn(g *gwConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.conns {
		if x == g {
			s.conns = append(s.conns[:i], s.conns[i+1:]...)
			return
		}
	}
}
