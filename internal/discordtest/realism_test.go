package discordtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// do sends one REST request to the fake and returns status, headers and body.
func do(t *testing.T, s *Server, method, path, auth, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func callbackPath(i *discordgo.Interaction) string {
	return "/api/v9/interactions/" + i.ID + "/" + i.Token + "/callback"
}

func originalPath(s *Server, i *discordgo.Interaction) string {
	return "/api/v9/webhooks/" + s.AppID + "/" + i.Token + "/messages/@original"
}

// errorPath follows Discord's nested "errors" object along path and reports
// whether it ends in an _errors list.
func errorPath(t *testing.T, body, path string) bool {
	t.Helper()
	var resp struct {
		Code   int            `json:"code"`
		Errors map[string]any `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.Code != 50035 {
		t.Errorf("body %s: want code 50035 (%v)", body, err)
		return false
	}
	node := resp.Errors
	for _, p := range strings.Split(path, ".") {
		next, ok := node[p].(map[string]any)
		if !ok {
			return false
		}
		node = next
	}
	_, ok := node["_errors"]
	return ok
}

func TestLimitsRefusedWithFieldPath(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("x", n) }
	row := func(buttons int, id, label string) map[string]any {
		var cs []any
		for range buttons {
			cs = append(cs, map[string]any{"type": 2, "style": 1, "custom_id": id, "label": label})
		}
		return map[string]any{"type": 1, "components": cs}
	}
	field := map[string]any{"name": "n", "value": long(1000)}
	for _, tc := range []struct {
		name string
		data map[string]any
		path string
	}{
		{"content", map[string]any{"content": long(2001)}, "data.content"},
		{"title", map[string]any{"embeds": []any{map[string]any{"title": long(257)}}}, "data.embeds.0.title"},
		{"description", map[string]any{"embeds": []any{map[string]any{"description": long(4097)}}}, "data.embeds.0.description"},
		{"11 embeds", map[string]any{"embeds": make([]map[string]any, 11)}, "data.embeds"},
		{"6000 across embeds", map[string]any{"embeds": []any{
			map[string]any{"description": long(4000)}, map[string]any{"description": long(2001)}}}, "data.embeds"},
		{"26 fields", map[string]any{"embeds": []any{map[string]any{"fields": func() []any {
			var fs []any
			for range 26 {
				fs = append(fs, map[string]any{"name": "n", "value": "v"})
			}
			return fs
		}()}}}, "data.embeds.0.fields"},
		{"field value", map[string]any{"embeds": []any{map[string]any{"fields": []any{map[string]any{"name": "n", "value": long(1025)}}}}}, "data.embeds.0.fields.0.value"},
		{"field name", map[string]any{"embeds": []any{map[string]any{"fields": []any{map[string]any{"name": long(257), "value": "v"}}}}}, "data.embeds.0.fields.0.name"},
		{"footer", map[string]any{"embeds": []any{map[string]any{"footer": map[string]any{"text": long(2049)}}}}, "data.embeds.0.footer.text"},
		{"author", map[string]any{"embeds": []any{map[string]any{"author": map[string]any{"name": long(257)}}}}, "data.embeds.0.author.name"},
		{"7 fields of 1000 = 7000", map[string]any{"embeds": []any{map[string]any{"fields": []any{field, field, field, field, field, field, field}}}}, "data.embeds"},
		{"6 rows", map[string]any{"content": "x", "components": []any{row(1, "a", "l"), row(1, "b", "l"), row(1, "c", "l"), row(1, "d", "l"), row(1, "e", "l"), row(1, "f", "l")}}, "data.components"},
		{"6 buttons", map[string]any{"content": "x", "components": []any{row(6, "a", "l")}}, "data.components.0.components"},
		{"custom_id 101", map[string]any{"content": "x", "components": []any{row(1, long(101), "l")}}, "data.components.0.components.0.custom_id"},
		{"custom_id empty", map[string]any{"content": "x", "components": []any{row(1, "", "l")}}, "data.components.0.components.0.custom_id"},
		{"label 81", map[string]any{"content": "x", "components": []any{row(1, "a", long(81))}}, "data.components.0.components.0.label"},
	} {
		rec := &recTB{}
		s := New(rec)
		i := s.NewCommand("ask")
		body, _ := json.Marshal(map[string]any{"type": 4, "data": tc.data})
		status, _, out := do(t, s, "POST", callbackPath(i), "", string(body))
		if status != 400 || !errorPath(t, out, tc.path) {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.name, status, out, tc.path)
		}
		if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], tc.path) {
			t.Errorf("%s: the test was not failed with the path: %q", tc.name, rec.errs)
		}
		s.Close()
	}
	// At the limits everything passes (emoji count as one character each).
	s := New(t)
	i := s.NewCommand("ask")
	ok, _ := json.Marshal(map[string]any{"type": 4, "data": map[string]any{
		"content":    strings.Repeat("é", 2000),
		"embeds":     []any{map[string]any{"title": strings.Repeat("🙂", 256), "description": long(4096), "footer": map[string]any{"text": long(1000)}}},
		"components": []any{row(5, long(100), long(80))},
	}})
	if status, _, out := do(t, s, "POST", callbackPath(i), "", string(ok)); status != 204 {
		t.Errorf("a body at the limits: %d %s", status, out)
	}
}

func TestEditAndFollowupValidatedToo(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.ExpectRefusals = true
	i := s.NewCommand("ask")
	if status, _, out := do(t, s, "POST", "/api/v9/webhooks/"+s.AppID+"/"+i.Token, "", `{"content":"early"}`); status != 404 || !strings.Contains(out, "10015") {
		t.Errorf("follow-up before any acknowledgement: %d %s", status, out)
	}
	do(t, s, "POST", callbackPath(i), "", `{"type":5}`)
	if status, _, out := do(t, s, "PATCH", originalPath(s, i), "", `{"embeds":[{"title":"`+strings.Repeat("x", 300)+`"}]}`); status != 400 || !errorPath(t, out, "embeds.0.title") {
		t.Errorf("edit: %d %s", status, out)
	}
	if status, _, out := do(t, s, "PATCH", originalPath(s, i), "", `{"content":"","embeds":[]}`); status != 400 || !strings.Contains(out, "50006") {
		t.Errorf("empty edit: %d %s", status, out)
	}
	if status, _, out := do(t, s, "POST", "/api/v9/webhooks/"+s.AppID+"/"+i.Token, "", `{"content":"`+strings.Repeat("x", 2001)+`"}`); status != 400 || !errorPath(t, out, "content") {
		t.Errorf("follow-up: %d %s", status, out)
	}
	if status, _, out := do(t, s, "POST", "/api/v9/channels/5/messages", s.Token, `{"embeds":[{"description":"`+strings.Repeat("x", 4097)+`"}]}`); status != 400 || !errorPath(t, out, "embeds.0.description") {
		t.Errorf("channel message: %d %s", status, out)
	}
}

func TestInteractionDeadlinesOnTheFakeClock(t *testing.T) {
	t.Parallel()
	s := New(t)
	late := s.NewCommand("ask")
	s.Advance(3100 * time.Millisecond)
	if status, _, out := do(t, s, "POST", callbackPath(late), "", `{"type":5}`); status != 404 || !strings.Contains(out, "10062") {
		t.Errorf("callback after 3 s: %d %s, want 404 10062", status, out)
	}
	i := s.NewCommand("ask")
	if status, _, _ := do(t, s, "POST", callbackPath(i), "", `{"type":5}`); status != 204 {
		t.Fatalf("callback in time: %d", status)
	}
	if status, _, _ := do(t, s, "PATCH", originalPath(s, i), "", `{"content":"fine"}`); status != 200 {
		t.Errorf("edit in time: %d", status)
	}
	s.Advance(15*time.Minute + time.Second)
	for _, req := range [][2]string{{"PATCH", originalPath(s, i)}, {"DELETE", originalPath(s, i)}, {"POST", "/api/v9/webhooks/" + s.AppID + "/" + i.Token}} {
		if status, _, out := do(t, s, req[0], req[1], "", `{"content":"late"}`); status != 401 || !strings.Contains(out, "50027") {
			t.Errorf("%s after 15 min: %d %s, want 401 50027", req[0], status, out)
		}
	}
}

func TestCallbackTypeMustFitInteraction(t *testing.T) {
	t.Parallel()
	rec := &recTB{}
	s := New(rec)
	defer s.Close()
	mk := func(typ discordgo.InteractionType) *discordgo.Interaction {
		i := s.NewCommand("ask")
		i.Type = typ
		s.Track(i)
		return i
	}
	for _, tc := range []struct {
		it   discordgo.InteractionType
		cb   int
		want int
	}{
		{discordgo.InteractionApplicationCommandAutocomplete, 4, 400},
		{discordgo.InteractionApplicationCommandAutocomplete, 5, 400},
		{discordgo.InteractionApplicationCommandAutocomplete, 8, 204},
		{discordgo.InteractionApplicationCommand, 8, 400},
		{discordgo.InteractionApplicationCommand, 6, 400},
		{discordgo.InteractionApplicationCommand, 7, 400},
		{discordgo.InteractionApplicationCommand, 5, 204},
		{discordgo.InteractionMessageComponent, 6, 204},
		{discordgo.InteractionMessageComponent, 7, 204},
		{discordgo.InteractionMessageComponent, 8, 400},
	} {
		i := mk(tc.it)
		data := `{"content":"x"}`
		if tc.cb == 8 {
			data = `{"choices":[]}`
		}
		if status, _, out := do(t, s, "POST", callbackPath(i), "", `{"type":`+string(rune('0'+tc.cb))+`,"data":`+data+`}`); status != tc.want {
			t.Errorf("interaction type %d, callback %d: %d %s, want %d", tc.it, tc.cb, status, out, tc.want)
		}
	}
	if len(rec.errs) != 6 {
		t.Errorf("%d refusals failed the test, want 6: %q", len(rec.errs), rec.errs)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	s := New(t)
	status, h, _ := do(t, s, "POST", "/api/v9/channels/5/messages", s.Token, `{"content":"hi"}`)
	if status != 200 || h.Get("X-RateLimit-Limit") == "" || h.Get("X-RateLimit-Remaining") == "" || h.Get("X-RateLimit-Reset-After") == "" || h.Get("X-RateLimit-Bucket") == "" {
		t.Errorf("success without X-RateLimit-* headers: %d %v", status, h)
	}
	if _, err := http.ParseTime(h.Get("Date")); err != nil {
		t.Errorf("Date header %q: %v", h.Get("Date"), err)
	}
	s.Script("POST", `/api/v9/channels/5/messages`, GlobalRateLimited(0.5), SharedRateLimited(0.25))
	status, h, out := do(t, s, "POST", "/api/v9/channels/5/messages", s.Token, `{"content":"hi"}`)
	if status != 429 || h.Get("X-RateLimit-Global") != "true" || h.Get("X-RateLimit-Scope") != "global" || !strings.Contains(out, `"global":true`) || !strings.Contains(out, `"retry_after":0.5`) {
		t.Errorf("global 429: %d %v %s", status, h, out)
	}
	status, h, out = do(t, s, "POST", "/api/v9/channels/5/messages", s.Token, `{"content":"hi"}`)
	if status != 429 || h.Get("X-RateLimit-Scope") != "shared" || !strings.Contains(out, `"global":false`) {
		t.Errorf("shared 429: %d %v %s", status, h, out)
	}
}

func TestChannelPermissions(t *testing.T) {
	t.Parallel()
	s := New(t)
	all := int64(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks | discordgo.PermissionReadMessageHistory)
	embed := `{"embeds":[{"title":"t"}]}`
	for _, tc := range []struct {
		name   string
		perms  int64
		body   string
		status int
		code   string
	}{
		{"no View Channel", all &^ discordgo.PermissionViewChannel, `{"content":"x"}`, 403, "50001"},
		{"no Send Messages", all &^ discordgo.PermissionSendMessages, `{"content":"x"}`, 403, "50013"},
		{"no Embed Links", all &^ discordgo.PermissionEmbedLinks, embed, 403, "50013"},
		{"no Embed Links, text only", all &^ discordgo.PermissionEmbedLinks, `{"content":"x"}`, 200, ""},
		{"all four", all, embed, 200, ""},
	} {
		s.SetChannelPermissions("7", tc.perms)
		status, _, out := do(t, s, "POST", "/api/v9/channels/7/messages", s.Token, tc.body)
		if status != tc.status || !strings.Contains(out, tc.code) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, out, tc.status, tc.code)
		}
	}
	s.SetChannelPermissions("7", all&^discordgo.PermissionReadMessageHistory)
	if status, _, out := do(t, s, "GET", "/api/v9/channels/7/messages", s.Token, ""); status != 200 || out != "[]" {
		t.Errorf("history without Read Message History: %d %s, want 200 []", status, out)
	}
	s.SetChannelPermissions("7", 0)
	if status, _, out := do(t, s, "GET", "/api/v9/channels/7/messages", s.Token, ""); status != 403 || !strings.Contains(out, "50001") {
		t.Errorf("history without View Channel: %d %s", status, out)
	}
}

// dial connects a raw websocket client and reads Hello.
func dial(t *testing.T, s *Server) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.URL, "http")+"/gateway", nil)
	if err != nil {
		t.Fatal(err)
	}
	var hello map[string]any
	if err := c.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	return c
}

type gwMsg struct {
	Op int    `json:"op"`
	S  int64  `json:"s"`
	T  string `json:"t"`
	D  any    `json:"d"`
}

func TestGatewayResumeReconnectAndBadToken(t *testing.T) {
	t.Parallel()
	rec := &recTB{}
	s := New(rec)
	defer s.Close()
	c := dial(t, s)
	_ = c.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": s.Token}})
	var m gwMsg
	if err := c.ReadJSON(&m); err != nil || m.T != "READY" {
		t.Fatalf("ready: %+v %v", m, err)
	}
	session := m.D.(map[string]any)["session_id"].(string)
	s.WaitReady(time.Second, 1)
	s.RequestReconnect()
	if err := c.ReadJSON(&m); err != nil || m.Op != 7 {
		t.Fatalf("op 7: %+v %v", m, err)
	}
	s.Dispatch("INTERACTION_CREATE", map[string]any{"id": "9"}) // never read
	c.Close()

	// Resume with the session: the missed event replayed, then RESUMED,
	// the sequence continued.
	c = dial(t, s)
	_ = c.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": s.Token, "session_id": session, "seq": 1}})
	if err := c.ReadJSON(&m); err != nil || m.T != "INTERACTION_CREATE" || m.S != 2 {
		t.Fatalf("replay: %+v %v", m, err)
	}
	if err := c.ReadJSON(&m); err != nil || m.T != "RESUMED" || m.S != 3 {
		t.Fatalf("resume: %+v %v", m, err)
	}
	c.Close()

	// An unknown session gets op 9; the Identify that follows, with a bad
	// token, the close 4004.
	c = dial(t, s)
	defer c.Close()
	_ = c.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": s.Token, "session_id": "nope", "seq": 1}})
	m = gwMsg{}
	if err := c.ReadJSON(&m); err != nil || m.Op != 9 {
		t.Fatalf("resume of an unknown session: %+v %v, want op 9", m, err)
	}
	_ = c.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot wrong"}})
	_, _, err := c.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4004 {
		t.Errorf("close: %v, want 4004", err)
	}
	if len(rec.errs) != 0 {
		t.Errorf("errors: %q", rec.errs)
	}
	s.CloseGateway(4004, "Authentication failed.")
	if len(rec.errs) != 1 {
		t.Errorf("a scripted 4004 was not refused: %q", rec.errs)
	}
}

// PostInteraction marks the interaction acknowledged only once the reply is
// read, and only when it is a valid initial response.
func TestPostInteractionAcknowledgesOnReply(t *testing.T) {
	t.Parallel()
	s := New(t)
	release := make(chan struct{})
	endpoint := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"type":5}`)
	})
	srv := httptestServer(t, endpoint)
	i := s.NewCommand("ask")
	done := make(chan Inline, 1)
	go func() { done <- s.PostInteraction(srv, i) }()
	time.Sleep(20 * time.Millisecond)
	if status, _, out := do(t, s, "PATCH", originalPath(s, i), "", `{"content":"x"}`); status != 404 || !strings.Contains(out, "10008") {
		t.Errorf("edit before the inline reply: %d %s, want 404 10008", status, out)
	}
	close(release)
	if in := <-done; in.Status != 200 || !in.Accepted {
		t.Fatalf("inline %+v", in)
	}
	if status, _, out := do(t, s, "PATCH", originalPath(s, i), "", `{"content":"x"}`); status != 200 {
		t.Errorf("edit after the inline reply: %d %s", status, out)
	}
}

func httptestServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
