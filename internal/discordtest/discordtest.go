// Package discordtest is a local fake of Discord for tests: an httptest
// server answering the REST routes briefbot uses and a websocket gateway that
// speaks enough of the protocol (Hello, Identify, Ready, heartbeats, dispatch,
// close codes) for a real discordgo session to connect to it.
//
// The fake is strict: a request to a route it does not know fails the test,
// so a test cannot pass while the bot talks to an endpoint nobody checked.
// Replies can be scripted per route (429 with retry_after, 500 once, ...), and
// every request is recorded with its body.
//
// Point a discordgo session at it by rewriting discordgo's fixed
// https://discord.com URLs to Server.URL (bot.ServeConfig.APIBase does this);
// the session then learns the gateway URL from GET /api/v9/gateway.
package discordtest

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Defaults used by New.
const (
	DefaultAppID     = "100000000000000001"
	DefaultBotUserID = "100000000000000002"
	DefaultToken     = "Bot test-token"
	// DefaultOwnerID is the user who owns the application unless
	// SetTeam gives it to a team.
	DefaultOwnerID = "100000000000000003"
)

// Privileged gateway intents: the fake closes with 4014 when Identify asks
// for one and AllowPrivileged is false, as Discord does for an app whose
// portal switches are off.
const privilegedIntents = discordgo.IntentsGuildMembers | discordgo.IntentsGuildPresences | discordgo.IntentsMessageContent

// Reply is a scripted answer to one request.
type Reply struct {
	Status int
	Header map[string]string
	Body   string
	// Process makes the fake carry out the request as usual (store the
	// message, acknowledge the interaction) and still answer with this reply:
	// the "it worked but the answer was lost" case behind duplicate posts.
	Process bool
	// Delay is slept before answering (keep it short).
	Delay time.Duration
}

// RateLimited is a 429 as Discord sends it: retry_after in seconds both in
// the JSON body and the Retry-After header, scope user.
func RateLimited(retryAfter float64) Reply {
	return Reply{
		Status: http.StatusTooManyRequests,
		Header: map[string]string{
			"Retry-After":             strconv.FormatFloat(retryAfter, 'f', -1, 64),
			"X-RateLimit-Scope":       "user",
			"X-RateLimit-Limit":       "5",
			"X-RateLimit-Remaining":   "0",
			"X-RateLimit-Reset-After": strconv.FormatFloat(retryAfter, 'f', -1, 64),
		},
		Body: fmt.Sprintf(`{"message":"You are being rate limited.","retry_after":%g,"global":false}`, retryAfter),
	}
}

// SharedRateLimited is a 429 on a shared resource (X-RateLimit-Scope:
// shared): it does not count towards the invalid-request limit.
func SharedRateLimited(retryAfter float64) Reply {
	r := RateLimited(retryAfter)
	r.Header["X-RateLimit-Scope"] = "shared"
	return r
}

// GlobalRateLimited is the global 429: X-RateLimit-Global, scope global,
// "global": true in the body, and no per-route bucket headers.
func GlobalRateLimited(retryAfter float64) Reply {
	ra := strconv.FormatFloat(retryAfter, 'f', -1, 64)
	return Reply{
		Status: http.StatusTooManyRequests,
		Header: map[string]string{"Retry-After": ra, "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
		Body:   fmt.Sprintf(`{"message":"You are being rate limited.","retry_after":%g,"global":true}`, retryAfter),
	}
}

// ServerError is a plain 500.
func ServerError() Reply {
	return Reply{Status: http.StatusInternalServerError, Body: `{"message":"500: Internal Server Error","code":0}`}
}

// APIError is a Discord JSON error, e.g. APIError(404, 10062, "Unknown interaction").
func APIError(status, code int, message string) Reply {
	b, _ := json.Marshal(map[string]any{"code": code, "message": message})
	return Reply{Status: status, Body: string(b)}
}

// Request is one recorded REST request.
type Request struct {
	Method   string
	Path     string // e.g. /api/v9/channels/1/messages
	RawQuery string
	Header   http.Header
	Body     []byte
	Status   int // what the fake answered
	Time     time.Time
}

// Decode unmarshals the request body into v, failing the test on error.
func (r Request) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("discordtest: %s %s body %q: %v", r.Method, r.Path, r.Body, err)
	}
}

// Identify is what a client sent in its Identify (op 2).
type Identify struct {
	Token   string `json:"token"`
	Intents int    `json:"intents"`
}

type script struct {
	method  string
	path    *regexp.Regexp
	replies []Reply
}

// Server is the fake. Create it with New; it is closed by t.Cleanup.
type Server struct {
	// URL stands in for https://discord.com (no trailing slash).
	URL string

	AppID, BotUserID string
	// Token is the only authorization accepted (REST and Identify).
	Token string
	// AllowPrivileged lets Identify ask for privileged intents.
	AllowPrivileged bool
	// HeartbeatInterval sent in Hello (ms); default 45000.
	HeartbeatInterval int
	// OwnerID is the user who owns the application, as
	// GET /oauth2/applications/@me says when no team owns it (SetTeam).
	// Set before use.
	OwnerID string
	// ExpectRefusals stops the fake from failing the test when the bot
	// sends a body Discord refuses (50035 Invalid Form Body, 50006 empty
	// message): set it in tests about that refusal. Set before use.
	ExpectRefusals bool

	signer ed25519.PrivateKey // signs what PostInteraction sends

	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	requests []Request
	notify   chan struct{} // closed and replaced on every recorded event
	scripts  []*script
	acked    map[string]bool // interaction id -> acknowledged
	// interactions the fake sent (by id), and their tokens' ids.
	interactions map[string]*interaction
	tokens       map[string]string
	// offset is how far the fake's clock (Discord's) is from the real one.
	// It is atomic: Now is called with s.mu held.
	offset atomic.Int64
	// perms holds channel permissions set by SetChannelPermissions; a
	// channel not in it allows everything.
	perms map[string]int64
	// guilds models servers and channels in full (SetGuild, SetChannel).
	guilds *guildModel
	// team owns the application when set (SetTeam).
	team *team
	// sessions are the gateway sessions that may be resumed: id -> last seq.
	sessions map[string]int64
	// sent holds the dispatches of each session, replayed on Resume.
	sent map[string][]map[string]any
	// thinking holds the interactions deferred publicly (type 5) whose
	// "thinking" message nothing has replaced yet: Discord turns the first
	// follow-up into that message, public whatever its flags say.
	thinking   map[string]bool
	messages   map[string][]*discordgo.Message // channel id -> messages, oldest first
	nonces     map[string]*discordgo.Message   // channel id + "/" + nonce -> message (its Timestamp: when)
	commands   map[string][]*discordgo.ApplicationCommand
	identifies []Identify
	conns      []*gwConn
	closeCode  int // close the gateway with this code right after Identify
	readies    int
	resumes    int
	closed     bool
	nextID     atomic.Int64
}

type gwConn struct {
	mu      sync.Mutex
	c       *websocket.Conn
	session string // its gateway session id, once identified or resumed
	dead    bool
}

func (g *gwConn) send(v any) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dead {
		return fmt.Errorf("connection closed")
	}
	return g.c.WriteJSON(v)
}

func (g *gwConn) closeWith(code int, text string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dead {
		return
	}
	g.dead = true
	_ = g.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	_ = g.c.Close()
}

// New starts a fake Discord for the test.
func New(t testing.TB) *Server {
	s := &Server{
		AppID:             DefaultAppID,
		OwnerID:           DefaultOwnerID,
		BotUserID:         DefaultBotUserID,
		Token:             DefaultToken,
		HeartbeatInterval: 45000,
		t:                 t,
		notify:            make(chan struct{}),
		acked:             map[string]bool{},
		interactions:      map[string]*interaction{},
		tokens:            map[string]string{},
		perms:             map[string]int64{},
		sessions:          map[string]int64{},
		sent:              map[string][]map[string]any{},
		thinking:          map[string]bool{},
		messages:          map[string][]*discordgo.Message{},
		nonces:            map[string]*discordgo.Message{},
		commands:          map[string][]*discordgo.ApplicationCommand{},
	}
	s.nextID.Store(time.Now().UnixMilli())
	_, s.signer, _ = ed25519.GenerateKey(nil)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close shuts the fake down (also done by t.Cleanup).
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(websocket.CloseGoingAway, "fake closing")
	}
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Script queues replies for requests matching method and a regular
// expression over the path (anchored); each matching request consumes one.
func (s *Server) Script(method, pathRE string, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = append(s.scripts, &script{method: method, path: regexp.MustCompile("^" + pathRE + "$"), replies: replies})
}

// CloseAfterIdentify makes the gateway answer the next Identify by closing
// with code (e.g. 4014 disallowed intents). Not 4004: Discord sends that
// only to an Identify with a bad token (SetToken, then let the bot connect).
func (s *Server) CloseAfterIdentify(code int) {
	s.t.Helper()
	if code == 4004 {
		s.t.Errorf("discordtest: Discord closes with 4004 only in answer to an Identify with a bad token; use SetToken")
	}
	s.mu.Lock()
	s.closeCode = code
	s.mu.Unlock()
}

// CloseGateway closes every live gateway connection with code (4004 is
// refused, see CloseAfterIdentify).
func (s *Server) CloseGateway(code int, text string) {
	s.t.Helper()
	if code == 4004 {
		s.t.Errorf("discordtest: Discord closes with 4004 only in answer to an Identify with a bad token; use SetToken")
	}
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(code, text)
	}
}

// Acknowledge marks an interaction as answered, as Discord does when an
// HTTP-endpoint bot answers inline (no callback request reaches the fake).
// PostInteraction does this itself, once the reply is read.
func (s *Server) Acknowledge(interactionID string) {
	s.mu.Lock()
	s.acked[interactionID] = true
	s.mu.Unlock()
}

// SetToken changes the bot token the fake accepts (a token reset in the
// Developer Portal): REST answers 401, an Identify with the old one 4004.
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	s.Token = token
	s.mu.Unlock()
}

func (s *Server) token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Token
}

// Now is Discord's clock: the real one moved by Advance. Interaction ids,
// the interaction deadlines, signatures and the Date header follow it.
func (s *Server) Now() time.Time {
	return time.Now().Add(time.Duration(s.offset.Load()))
}

// Advance moves Discord's clock by d (negative: back), e.g. past an
// interaction's 3 s or its token's 15 minutes, or to skew it from the host's.
func (s *Server) Advance(d time.Duration) {
	s.offset.Add(int64(d))
}

// SetChannelPermissions sets the bot's permissions in channel ch (a
// discordgo.Permission* bitset). Posting needs View Channel (else 403
// 50001), Send Messages and, for embeds, Embed Links (else 403 50013);
// reading messages needs Read Message History (else an empty list).
func (s *Server) SetChannelPermissions(ch string, perms int64) {
	s.mu.Lock()
	s.perms[ch] = perms
	s.mu.Unlock()
}

// channelPerms is the bot's permissions in ch (all when never set).
func (s *Server) channelPerms(ch string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.modelledPerms(ch); ok {
		return p
	}
	if p, ok := s.perms[ch]; ok {
		return p
	}
	return discordgo.PermissionAll
}

// Requests returns a copy of the recorded REST requests.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Find returns the recorded requests matching method and an anchored path
// regular expression.
func (s *Server) Find(method, pathRE string) []Request {
	re := regexp.MustCompile("^" + pathRE + "$")
	var out []Request
	for _, r := range s.Requests() {
		if r.Method == method && re.MatchString(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

// Identifies returns what clients sent in Identify, in order.
func (s *Server) Identifies() []Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Identify(nil), s.identifies...)
}

// Messages returns the messages stored in a channel, oldest first.
func (s *Server) Messages(channelID string) []*discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*discordgo.Message(nil), s.messages[channelID]...)
}

// Commands returns the commands registered for a scope ("" = global).
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*discordgo.ApplicationCommand(nil), s.commands[guildID]...)
}

// WaitFor waits until cond (called under no lock) holds, re-checking after
// every recorded request or gateway event; it fails the test after timeout.
func (s *Server) WaitFor(timeout time.Duration, what string, cond func() bool) {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.notify
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			s.t.Fatalf("discordtest: timed out after %v waiting for %s; requests: %s", timeout, what, s.summary())
			return
		}
	}
}

// WaitRequests waits until at least n requests match method and pathRE and
// returns them.
func (s *Server) WaitRequests(timeout time.Duration, n int, method, pathRE string) []Request {
	s.t.Helper()
	var got []Request
	s.WaitFor(timeout, fmt.Sprintf("%d× %s %s", n, method, pathRE), func() bool {
		got = s.Find(method, pathRE)
		return len(got) >= n
	})
	return got
}

// WaitReady waits until n clients have been sent READY.
func (s *Server) WaitReady(timeout time.Duration, n int) {
	s.t.Helper()
	s.WaitFor(timeout, "gateway READY", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.readies >= n
	})
}

func (s *Server) summary() string {
	var b strings.Builder
	for _, r := range s.Requests() {
		fmt.Fprintf(&b, "\n  %s %s -> %d", r.Method, r.Path, r.Status)
	}
	return b.String()
}

func (s *Server) changed() {
	// caller holds s.mu
	close(s.notify)
	s.notify = make(chan struct{})
}

// NewID returns a fresh snowflake-shaped id (timestamp bits are the fake
// clock's now).
func (s *Server) NewID() string {
	return Snowflake(s.Now(), s.nextID.Add(1))
}

// Snowflake builds a Discord snowflake whose timestamp is t.
func Snowflake(t time.Time, n int64) string {
	const discordEpoch = 1420070400000
	ms := t.UnixMilli() - discordEpoch
	return strconv.FormatInt(ms<<22|(n&0x3fffff), 10)
}

// NewCommand builds a slash-command interaction as Discord would send it,
// invoked in a guild channel by a member.
func (s *Server) NewCommand(name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	id := s.NewID()
	i := &discordgo.Interaction{
		ID:        id,
		AppID:     s.AppID,
		Type:      discordgo.InteractionApplicationCommand,
		GuildID:   "300000000000000001",
		ChannelID: "300000000000000002",
		Token:     "tok-" + id,
		Version:   1,
		Member: &discordgo.Member{
			User:        &discordgo.User{ID: "400000000000000001", Username: "tester"},
			Permissions: 0,
		},
		Data: discordgo.ApplicationCommandInteractionData{
			ID:      s.NewID(),
			Name:    name,
			Options: opts,
		},
	}
	s.remember(i)
	return i
}

// Track records an interaction built by hand as one Discord sent, so that
// the answers to it are checked against its type and creation time
// (DispatchInteraction and PostInteraction do this themselves).
func (s *Server) Track(i *discordgo.Interaction) { s.remember(i) }

// StringOption is a STRING option for NewCommand.
func StringOption(name, value string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionString, Value: value}
}

// DispatchInteraction sends INTERACTION_CREATE with i to every live gateway
// connection.
func (s *Server) DispatchInteraction(i *discordgo.Interaction) {
	s.t.Helper()
	s.remember(i)
	s.Dispatch("INTERACTION_CREATE", i)
}

// Dispatch sends a dispatch event (op 0) to every live gateway connection;
// it fails the test when none is connected.
func (s *Server) Dispatch(eventType string, data any) {
	s.t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		s.t.Fatalf("discordtest: marshal %s: %v", eventType, err)
	}
	s.mu.Lock()
	conns := append([]*gwConn(nil), s.conns...)
	s.mu.Unlock()
	if len(conns) == 0 {
		s.t.Fatalf("discordtest: dispatch %s: no gateway connection", eventType)
	}
	// One event per session, sent on its newest connection and kept for a
	// Resume to replay (a connection that is going away may lose it).
	newest := map[string]*gwConn{}
	var order []string
	for _, c := range conns {
		if _, ok := newest[c.session]; !ok {
			order = append(order, c.session)
		}
		newest[c.session] = c
	}
	for _, session := range order {
		c := newest[session]
		ev := map[string]any{"op": 0, "s": s.nextSeq(c), "t": eventType, "d": json.RawMessage(raw)}
		s.mu.Lock()
		s.sent[session] = append(s.sent[session], ev)
		s.mu.Unlock()
		_ = c.send(ev)
	}
}

// ---- REST ----

var (
	reCallback  = regexp.MustCompile(`^/api/v9/interactions/([0-9]+)/([^/]+)/callback$`)
	reOriginal  = regexp.MustCompile(`^/api/v9/webhooks/([0-9]+)/([^/]+)/messages/@original$`)
	reFollowup  = regexp.MustCompile(`^/api/v9/webhooks/([0-9]+)/([^/]+)$`)
	reMessages  = regexp.MustCompile(`^/api/v9/channels/([0-9]+)/messages$`)
	reGlobalCmd = regexp.MustCompile(`^/api/v9/applications/([0-9]+)/commands$`)
	reGuildCmd  = regexp.MustCompile(`^/api/v9/applications/([0-9]+)/guilds/([0-9]+)/commands$`)
)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/gateway" || strings.HasPrefix(r.URL.Path, "/gateway/") {
		s.serveGateway(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Time: time.Now()}

	status, hdr, out := s.route(r, req)
	req.Status = status

	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.changed()
	s.mu.Unlock()

	w.Header().Set("Date", s.Now().UTC().Format(http.TimeFormat))
	if status < 300 {
		s.rateLimitHeaders(w.Header(), r.Method, r.URL.Path)
	}
	for k, v := range hdr {
		w.Header().Set(k, v)
	}
	if out != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}

// rateLimitHeaders are the X-RateLimit-* headers Discord sends with every
// answer on a rate-limited route: a bucket per route shape, never exhausted
// by the fake unless a test scripts a 429.
func (s *Server) rateLimitHeaders(h http.Header, method, path string) {
	if path == "/api/v9/gateway" || path == "/api/v9/gateway/bot" {
		return
	}
	route := method + " " + reSnowflake.ReplaceAllString(reToken.ReplaceAllString(path, "$1{token}"), "{id}")
	reset := float64(s.Now().Add(time.Second).UnixMilli()) / 1000
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "4")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(reset, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", "1.000")
	h.Set("X-RateLimit-Bucket", fmt.Sprintf("%08x", fnv32(route)))
}

var (
	reSnowflake = regexp.MustCompile(`[0-9]{6,}`)
	reToken     = regexp.MustCompile(`(/(?:webhooks|interactions)/[0-9]+/)[^/]+`)
)

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

func (s *Server) takeScript(method, path string) (Reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range s.scripts {
		if sc.method == method && sc.path.MatchString(path) && len(sc.replies) > 0 {
			rep := sc.replies[0]
			sc.replies = sc.replies[1:]
			return rep, true
		}
	}
	return Reply{}, false
}

func (s *Server) route(r *http.Request, req Request) (int, map[string]string, string) {
	path := r.URL.Path
	if r.Method == http.MethodGet && (path == "/api/v9/gateway" || path == "/api/v9/gateway/bot") {
		// The gateway URL needs no token at Discord either.
		u := "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway"
		return 200, nil, fmt.Sprintf(`{"url":%q,"shards":1,"session_start_limit":{"total":1000,"remaining":999,"reset_after":0,"max_concurrency":1}}`, u)
	}
	rep, scripted := s.takeScript(r.Method, path)
	if scripted {
		if rep.Delay > 0 {
			time.Sleep(rep.Delay)
		}
		if !rep.Process {
			return rep.Status, rep.Header, rep.Body
		}
	}
	status, hdr, out := s.handle(r, req)
	if scripted {
		return rep.Status, rep.Header, rep.Body
	}
	return status, hdr, out
}

func unauthorized() (int, map[string]string, string) {
	return 401, nil, `{"message":"401: Unauthorized","code":0}`
}

// handle answers a request nothing scripted, as Discord would.
func (s *Server) handle(r *http.Request, req Request) (int, map[string]string, string) {
	path := r.URL.Path
	if interaction := strings.HasPrefix(path, "/api/v9/interactions/") || strings.HasPrefix(path, "/api/v9/webhooks/"); !interaction && r.Header.Get("Authorization") != s.token() {
		// Interaction callbacks and webhooks are authorized by their token in
		// the URL, everything else by the bot token.
		return unauthorized()
	}
	if r.Method != http.MethodGet && len(req.Body) > 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		s.t.Errorf("discordtest: %s %s without JSON Content-Type (%q)", r.Method, path, r.Header.Get("Content-Type"))
	}
	// Interaction tokens made by NewCommand are "tok-" + the interaction id.
	switch {
	case r.Method == http.MethodPost && reCallback.MatchString(path):
		return s.acknowledge(reCallback.FindStringSubmatch(path)[1], req.Body)
	case r.Method == http.MethodPatch && reOriginal.MatchString(path):
		return s.editOriginal(s.idOfToken(reOriginal.FindStringSubmatch(path)[2]), req.Body)
	case r.Method == http.MethodDelete && reOriginal.MatchString(path):
		return s.deleteOriginal(s.idOfToken(reOriginal.FindStringSubmatch(path)[2]))
	case r.Method == http.MethodPost && reFollowup.MatchString(path):
		return s.followup(s.idOfToken(reFollowup.FindStringSubmatch(path)[2]), req.Body)
	case r.Method == http.MethodPost && reMessages.MatchString(path):
		return s.createMessage(reMessages.FindStringSubmatch(path)[1], req.Body)
	case r.Method == http.MethodGet && reMessages.MatchString(path):
		return s.listMessages(reMessages.FindStringSubmatch(path)[1], r.URL.Query().Get("limit"))
	case r.Method == http.MethodGet && path == "/api/v9/users/@me":
		return 200, nil, fmt.Sprintf(`{"id":%q,"username":"briefbot","bot":true}`, s.BotUserID)
	case r.Method == http.MethodPut && (reGlobalCmd.MatchString(path) || reGuildCmd.MatchString(path)):
		guild := ""
		if m := reGuildCmd.FindStringSubmatch(path); m != nil {
			guild = m[2]
		}
		return s.overwriteCommands(guild, req.Body)
	}
	if status, hdr, out, ok := s.handleDoctor(r); ok {
		return status, hdr, out
	}
	s.t.Errorf("discordtest: unexpected request %s %s %s", r.Method, path, req.Body)
	return 404, nil, `{"message":"404: Not Found","code":0}`
}

func invalidFormBody() (int, map[string]string, string) {
	return 400, nil, `{"message":"Invalid Form Body","code":50035}`
}

func unknownMessage() (int, map[string]string, string) {
	return 404, nil, `{"message":"Unknown Message","code":10008}`
}

// nonceWindow is how long Discord remembers a message nonce for
// enforce_nonce: "a few minutes". The fake forgets it after that, on its own
// clock, so a bot cannot lean on the nonce to avoid a second post hours later.
const nonceWindow = 5 * time.Minute

// createMessage is POST /channels/{id}/messages, with Discord's nonce
// deduplication when enforce_nonce is set.
func (s *Server) createMessage(ch string, raw []byte) (int, map[string]string, string) {
	var body struct {
		discordgo.MessageSend
		Nonce        string `json:"nonce"`
		EnforceNonce bool   `json:"enforce_nonce"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return invalidFormBody()
	}
	if status, out := s.mayPost(ch, len(body.Embeds) > 0); status != 0 {
		return status, nil, out
	}
	if _, errs := messageErrors(raw); len(errs) > 0 {
		return s.refuse(errs)
	}
	if body.Content == "" && len(body.Embeds) == 0 {
		return s.refuseEmpty()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if body.EnforceNonce && body.Nonce != "" {
		if old, ok := s.nonces[ch+"/"+body.Nonce]; ok && s.Now().Sub(old.Timestamp) < nonceWindow {
			b, _ := json.Marshal(old)
			return 200, nil, string(b)
		}
	}
	msg := &discordgo.Message{
		ID:        s.NewID(),
		ChannelID: ch,
		Content:   body.Content,
		Embeds:    body.Embeds,
		Timestamp: s.Now().UTC(),
		Author:    &discordgo.User{ID: s.BotUserID, Username: "briefbot", Bot: true},
	}
	s.messages[ch] = append(s.messages[ch], msg)
	if body.Nonce != "" {
		s.nonces[ch+"/"+body.Nonce] = msg
	}
	b, _ := json.Marshal(msg)
	return 200, nil, string(b)
}

const (
	missingAccess      = `{"message":"Missing Access","code":50001}`
	missingPermissions = `{"message":"Missing Permissions","code":50013}`
)

// mayPost is Discord's permission check for a channel post: 403 50001
// without View Channel, 403 50013 without Send Messages (or Embed Links for
// a post with embeds); status 0 when allowed.
func (s *Server) mayPost(ch string, embeds bool) (int, string) {
	perms := s.channelPerms(ch)
	switch {
	case perms&discordgo.PermissionViewChannel == 0:
		return 403, missingAccess
	case perms&discordgo.PermissionSendMessages == 0, embeds && perms&discordgo.PermissionEmbedLinks == 0:
		return 403, missingPermissions
	}
	return 0, ""
}

// listMessages is GET /channels/{id}/messages: newest first, like Discord.
func (s *Server) listMessages(ch, limitParam string) (int, map[string]string, string) {
	limit := 50
	if n, err := strconv.Atoi(limitParam); err == nil && n > 0 && n <= 100 {
		limit = n
	}
	perms := s.channelPerms(ch)
	if perms&discordgo.PermissionViewChannel == 0 {
		return 403, nil, missingAccess
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*discordgo.Message{}
	msgs := s.messages[ch]
	if perms&discordgo.PermissionReadMessageHistory == 0 {
		msgs = nil // Discord answers an empty list, not an error
	}
	for i := len(msgs) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, msgs[i])
	}
	b, _ := json.Marshal(out)
	return 200, nil, string(b)
}

// overwriteCommands is the bulk overwrite, PUT
// /applications/{app}[/guilds/{guild}]/commands; guild "" is global.
func (s *Server) overwriteCommands(guild string, body []byte) (int, map[string]string, string) {
	var cmds []*discordgo.ApplicationCommand
	if err := json.Unmarshal(body, &cmds); err != nil {
		return invalidFormBody()
	}
	for _, c := range cmds {
		c.ID = s.NewID()
		c.ApplicationID = s.AppID
		c.GuildID = guild
	}
	s.mu.Lock()
	s.commands[guild] = cmds
	s.mu.Unlock()
	b, _ := json.Marshal(cmds)
	return 200, nil, string(b)
}
