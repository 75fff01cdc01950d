package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/briefbot/briefbot"

	"github.com/bwmarrin/discordgo"
)

func TestRateLimit(t *testing.T) {
	t.Parallel()
	eng := &fakeEngine{articles: testArticles()}
	h, clock, _ := newTestHandler(t, eng, nil)
	ctx := context.Background()
	ask := func(user string) *discordgo.InteractionResponse {
		resp := h.Handle(ctx, guildCommand(user, memberPerms, cmdAsk, strOpt("question", "Kursk")))
		checkResponse(t, resp)
		return resp
	}
	for n := range 5 {
		if resp := ask("1"); resp.Data.Flags != 0 {
			t.Fatalf("question %d refused: %s", n+1, resp.Data.Content)
		}
		clock.Advance(time.Second)
	}
	resp := ask("1")
	if resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(resp.Data.Content, "please wait 5 seconds") {
		t.Errorf("6th question in 10 s: got %q (flags %d), want a polite ephemeral refusal", resp.Data.Content, resp.Data.Flags)
	}
	if eng.asks != 5 {
		t.Errorf("the engine was asked %d times, want 5 (a refused question must not reach it)", eng.asks)
	}
	// Another user is not affected.
	if resp := ask("2"); resp.Data.Flags != 0 {
		t.Errorf("another user was refused: %s", resp.Data.Content)
	}
	// Once the first question leaves the window, one more is allowed.
	clock.Advance(5*time.Second + time.Millisecond)
	if resp := ask("1"); resp.Data.Flags != 0 {
		t.Errorf("after the window the question was refused: %s", resp.Data.Content)
	}
	// Autocomplete is never limited.
	for range 10 {
		i := guildCommand("1", memberPerms, cmdAsk, &discordgo.ApplicationCommandInteractionDataOption{Name: "source", Type: discordgo.ApplicationCommandOptionString, Value: "", Focused: true})
		i.Type = discordgo.InteractionApplicationCommandAutocomplete
		if resp := h.Handle(ctx, i); resp.Type != discordgo.InteractionApplicationCommandAutocompleteResult || len(resp.Data.Choices) == 0 {
			t.Fatalf("autocomplete limited or empty: %+v", resp)
		}
	}
}

func TestLimiterForgetsIdleUsers(t *testing.T) {
	t.Parallel()
	l := newLimiter(RateLimit{Max: 2, Window: time.Second})
	now := testNow
	for u := range 100 {
		l.allow(fmt.Sprint(u), now)
	}
	l.allow("x", now.Add(3*time.Second))
	if len(l.recent) != 1 {
		t.Errorf("limiter keeps %d users after their window passed, want 1", len(l.recent))
	}
}

// TestAdminCommands checks who may run the admin commands. /ingest and
// /stats are for whoever Discord delivers them from inside a server (their
// permission is Discord's command permissions, which a server's admins may
// re-grant), so the member's permissions are not checked again; /reindex is
// for operators only, whatever their permissions.
func TestAdminCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin := &fakeAdmin{}
	fetcher := &fakeFetcher{arts: testArticles()[:2]}
	h, _, _ := newTestHandler(t, &fakeEngine{articles: testArticles()}, func(o *HandlerOptions) {
		o.Admin, o.Fetcher, o.Operators = admin, fetcher, []string{"42"}
	})
	h.SetOwners([]string{"7"})
	url := strOpt("url", "https://example-news.com/feed.xml")
	const manage = memberPerms | discordgo.PermissionManageServer
	tests := []struct {
		name    string
		i       *discordgo.Interaction
		allowed bool
		why     string
	}{
		{"ingest, granted to a member by the server's admins", guildCommand("1", memberPerms, cmdIngest, url), true, ""},
		{"ingest, member with Manage Server", guildCommand("1", manage, cmdIngest, url), true, ""},
		{"ingest in a DM", dmCommand("1", cmdIngest, url), false, "only inside a server"},
		{"reindex, Manage Server but not an operator", guildCommand("1", manage, cmdReindex), false, "operators only"},
		{"reindex, administrator but not an operator", guildCommand("1", discordgo.PermissionAdministrator, cmdReindex), false, "operators only"},
		{"reindex, the application's owner", guildCommand("7", memberPerms, cmdReindex), true, ""},
		{"reindex, a BRIEFBOT_OPERATORS id", guildCommand("42", memberPerms, cmdReindex), true, ""},
		{"reindex by an operator in a DM", dmCommand("42", cmdReindex), false, "only inside a server"},
		{"stats in DM", dmCommand("1", cmdStats), false, "only inside a server"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, reindexBefore := len(admin.added), admin.reindex
			resp := h.Handle(ctx, tc.i)
			checkResponse(t, resp)
			if resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
				t.Error("admin replies must be ephemeral")
			}
			changed := len(admin.added) != before || admin.reindex != reindexBefore
			if changed != tc.allowed {
				t.Errorf("side effects = %v, want %v (reply %q)", changed, tc.allowed, resp.Data.Content)
			}
			if !strings.Contains(resp.Data.Content, tc.why) {
				t.Errorf("reply %q does not say %q", resp.Data.Content, tc.why)
			}
		})
	}
	if fetcher.got != "https://example-news.com/feed.xml" {
		t.Errorf("fetcher got %q", fetcher.got)
	}
	for _, server := range admin.servers {
		if server != "3" { // guildCommand's server
			t.Errorf("/ingest wrote to space %q, want the server's own, 3", server)
		}
	}
}

func TestIngestInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fetcher := &fakeFetcher{err: fmt.Errorf("refusing to fetch a private address 127.0.0.1")}
	h, _, _ := newTestHandler(t, &fakeEngine{}, func(o *HandlerOptions) { o.Fetcher = fetcher })
	adminPerm := int64(discordgo.PermissionManageServer)
	for _, tc := range []struct{ url, want string }{
		{"javascript:alert(1)", "not an http(s) address"},
		{"", "Please give the address"},
		{strings.Repeat("x", 3000), "Please give the address"},
		{"http://127.0.0.1/", "couldn't read that address: refusing to fetch a private address"},
	} {
		resp := h.Handle(ctx, guildCommand("1", adminPerm, cmdIngest, strOpt("url", tc.url)))
		checkResponse(t, resp)
		if !strings.Contains(resp.Data.Content, tc.want) {
			t.Errorf("url %.30q: got %q, want %q", tc.url, resp.Data.Content, tc.want)
		}
	}
	h2, _, _ := newTestHandler(t, &fakeEngine{}, func(o *HandlerOptions) { o.Fetcher, o.Admin = nil, nil })
	resp := h2.Handle(ctx, guildCommand("1", adminPerm, cmdIngest, strOpt("url", "https://a.example/")))
	if !strings.Contains(resp.Data.Content, "not set up") {
		t.Errorf("ingest without a fetcher: %q", resp.Data.Content)
	}
}

func TestBadOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := &fakeEngine{articles: testArticles()}
	h, _, _ := newTestHandler(t, eng, func(o *HandlerOptions) { o.RateLimit = RateLimit{Max: -1} })
	tests := []struct {
		name string
		i    *discordgo.Interaction
		want string
	}{
		{"impossible date", guildCommand("1", memberPerms, cmdAsk, strOpt("question", "Kursk"), strOpt("since", "2025-02-30")), "YYYY-MM-DD"},
		{"word date", guildCommand("1", memberPerms, cmdSummary, strOpt("date", "tomorrow")), "isn't a date I understand"},
		{"future date", guildCommand("1", memberPerms, cmdSummary, strOpt("date", "2025-03-11")), "in the future"},
		{"too many days", guildCommand("1", memberPerms, cmdAsk, strOpt("question", "Kursk"), strOpt("since", "99999d")), "too far"},
		{"until before since", guildCommand("1", memberPerms, cmdSearch, strOpt("keywords", "Kursk"), strOpt("since", "2025-03-05"), strOpt("until", "2025-03-01")), "before the since date"},
		{"relative until", guildCommand("1", memberPerms, cmdSearch, strOpt("keywords", "Kursk"), strOpt("until", "7d")), "isn't a date"},
		{"empty question", guildCommand("1", memberPerms, cmdAsk, strOpt("question", " \u200b\n ")), "Please type a question"},
		{"long question", guildCommand("1", memberPerms, cmdAsk, strOpt("question", strings.Repeat("🌀", 301))), "under 300"},
		{"long source", guildCommand("1", memberPerms, cmdAsk, strOpt("question", "Kursk"), strOpt("source", strings.Repeat("s", 101))), "too long"},
		{"question of the wrong type", guildCommand("1", memberPerms, cmdAsk, &discordgo.ApplicationCommandInteractionDataOption{Name: "question", Type: discordgo.ApplicationCommandOptionInteger, Value: 42.0}), "Please type a question"},
		{"markdown in a bad date", guildCommand("1", memberPerms, cmdSummary, strOpt("date", "@everyone **x**")), "@\u200beveryone \\*\\*x\\*\\*"},
		{"unknown command", guildCommand("1", memberPerms, "frobnicate"), "don't know that command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := eng.asks
			resp := h.Handle(ctx, tc.i)
			checkResponse(t, resp)
			if resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
				t.Errorf("a refusal must be ephemeral: %q", resp.Data.Content)
			}
			if !strings.Contains(resp.Data.Content, tc.want) {
				t.Errorf("got %q, want it to contain %q", resp.Data.Content, tc.want)
			}
			if eng.asks != before {
				t.Error("bad input reached the engine")
			}
		})
	}
}

func TestParseDay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		rel  bool
		want string
	}{
		{"2025-03-01", false, "2025-03-01"},
		{" Today ", false, "2025-03-10"},
		{"yesterday", false, "2025-03-09"},
		{"7d", true, "2025-03-03"},
		{"2w", true, "2025-02-24"},
		{"0d", true, "2025-03-10"},
	} {
		got, err := parseDay(tc.in, testNow, testZone, tc.rel)
		if err != nil || got.Format(time.DateOnly) != tc.want || got.Location() != testZone || got.Hour() != 0 {
			t.Errorf("parseDay(%q) = %v, %v; want %s midnight", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"2025-02-30", "2025-13-01", "7d", "-3d", "d", "1899-01-01", "25-03-01", "2025/03/01"} {
		if _, err := parseDay(bad, testNow, testZone, bad != "7d" && bad != "-3d"); err == nil {
			t.Errorf("parseDay(%q) accepted", bad)
		}
	}
}

// TestHandleNeverPanics feeds malformed interactions and a panicking engine.
func TestHandleNeverPanics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := &fakeEngine{articles: testArticles()}
	h, _, logs := newTestHandler(t, eng, nil)
	weird := []*discordgo.Interaction{
		{Type: discordgo.InteractionApplicationCommand},                                        // no data, no user
		{Type: discordgo.InteractionMessageComponent},                                          // no data
		{Type: discordgo.InteractionApplicationCommandAutocomplete},                            // no data
		{Type: discordgo.InteractionModalSubmit, Data: discordgo.ModalSubmitInteractionData{}}, // we have no modals
		{Type: 99},
		{Type: discordgo.InteractionApplicationCommand, Data: discordgo.ApplicationCommandInteractionData{Name: cmdAsk, Options: []*discordgo.ApplicationCommandInteractionDataOption{nil, {Name: "question", Value: nil}}}},
		buttonClick("1", "p|a|2|tdeadbeef|||||", nil),
		buttonClick("1", "p|a|2||||||"+strings.Repeat("q", 400), nil),
		buttonClick("1", "c|no-hash", nil),
		buttonClick("1", "c|missing/article#3", nil),
		buttonClick("1", "f|x", nil),
		buttonClick("1", "zzz", nil),
	}
	for k, i := range weird {
		resp := h.Handle(ctx, i)
		if resp == nil {
			t.Errorf("#%d: nil response", k)
			continue
		}
		checkResponse(t, resp)
	}
	if h.Handle(ctx, nil) != nil {
		t.Error("Handle(nil) should be nil")
	}

	eng.panicMsg = "boom"
	resp := h.Handle(ctx, guildCommand("1", memberPerms, cmdAsk, strOpt("question", "Kursk")))
	checkResponse(t, resp)
	if !strings.Contains(resp.Data.Content, "something went wrong") || resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("panic answered with %q", resp.Data.Content)
	}
	if !strings.Contains(logs.String(), "handler panic") {
		t.Error("the panic was not logged")
	}

	eng.panicMsg, eng.err = "", errEngine
	resp = h.Handle(ctx, guildCommand("1", memberPerms, cmdSearch, strOpt("keywords", "Kursk")))
	checkResponse(t, resp)
	if resp.Data.Content != engineTrouble {
		t.Errorf("engine error answered with %q", resp.Data.Content)
	}
	if strings.Contains(resp.Data.Content, errEngine.Error()) {
		t.Error("internal error shown to the user")
	}
}

func TestAutocompleteLimits(t *testing.T) {
	t.Parallel()
	var arts []briefbot.Article
	for k := range 60 {
		name := fmt.Sprintf("source-%02d.example", k)
		if k%3 == 0 {
			name += strings.Repeat("台", 95) // over 100 units: must not be offered
		} else if k%3 == 1 {
			name += strings.Repeat("🌀", 20) // long display name with the count
		}
		arts = append(arts, briefbot.Article{ID: fmt.Sprint(k), Source: name, Published: day(2025, 1, 1).AddDate(0, 0, k)})
	}
	h, _, _ := newTestHandler(t, &fakeEngine{articles: arts}, nil)
	ctx := context.Background()
	mk := func(cmd, opt, typed string) *discordgo.Interaction {
		i := guildCommand("1", memberPerms, cmd, &discordgo.ApplicationCommandInteractionDataOption{Name: opt, Type: discordgo.ApplicationCommandOptionString, Value: typed, Focused: true})
		i.Type = discordgo.InteractionApplicationCommandAutocomplete
		return i
	}
	for _, tc := range []struct {
		i    *discordgo.Interaction
		want int
	}{
		{mk(cmdAsk, "source", ""), 25},
		{mk(cmdSearch, "source", "SOURCE-0"), 6}, // 00..09 minus the 4 too long (00, 03, 06, 09)
		{mk(cmdSummary, "date", ""), 25},
		{mk(cmdSummary, "date", "2025-02"), 25},
		{mk(cmdAsk, "question", "x"), 0},
		{mk(cmdAsk, "source", strings.Repeat("x", 500)), 0},
	} {
		resp := h.Handle(ctx, tc.i)
		checkResponse(t, resp)
		if len(resp.Data.Choices) != tc.want {
			t.Errorf("%s/%s: %d choices, want %d", tc.i.ApplicationCommandData().Name, tc.i.ApplicationCommandData().Options[0].Name, len(resp.Data.Choices), tc.want)
		}
		if raw, _ := json.Marshal(resp); !strings.Contains(string(raw), `"choices":`) && tc.want > 0 {
			t.Errorf("choices missing from JSON: %s", raw)
		}
	}
}

func TestDeferral(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestHandler(t, &fakeEngine{}, nil)
	for _, tc := range []struct {
		name  string
		i     *discordgo.Interaction
		typ   discordgo.InteractionResponseType
		flags discordgo.MessageFlags
	}{
		{"public ask", guildCommand("1", memberPerms, cmdAsk, strOpt("question", "q")), 5, 0},
		{"private ask", guildCommand("1", memberPerms, cmdAsk, strOpt("question", "q"), boolOpt("private", true)), 5, 64},
		{"admin", guildCommand("1", memberPerms, cmdReindex), 5, 64},
		{"paging button", buttonClick("1", "p|a|2||||||q", nil), 6, 0},
		{"context button", buttonClick("1", "c|a#1", nil), 5, 64},
	} {
		d := h.Deferral(tc.i)
		if d == nil || d.Type != tc.typ {
			t.Errorf("%s: Deferral = %+v, want type %d", tc.name, d, tc.typ)
			continue
		}
		var flags discordgo.MessageFlags
		if d.Data != nil {
			flags = d.Data.Flags
		}
		if flags != tc.flags {
			t.Errorf("%s: flags %d, want %d", tc.name, flags, tc.flags)
		}
	}
	ac := guildCommand("1", memberPerms, cmdAsk)
	ac.Type = discordgo.InteractionApplicationCommandAutocomplete
	if h.Deferral(ac) != nil || h.Deferral(&discordgo.Interaction{Type: discordgo.InteractionPing}) != nil {
		t.Error("autocomplete and PING must not be deferred")
	}
}

func TestDailyMessage(t *testing.T) {
	t.Parallel()
	h, _, logs := newTestHandler(t, &fakeEngine{articles: testArticles()}, nil)
	ctx := context.Background()
	msg, ok, err := h.DailyMessage(ctx, "", testNow)
	if err != nil || !ok {
		t.Fatalf("DailyMessage = %v, %v", ok, err)
	}
	checkMessage(t, msg.Content, msg.Embeds, msg.Components, msg.AllowedMentions)
	raw, _ := json.Marshal(msg)
	if !strings.Contains(string(raw), `"allowed_mentions":{"parse":[]`) {
		t.Errorf("daily post JSON lacks parse []: %s", raw)
	}
	if !strings.Contains(msg.Content, "Daily briefing — Monday 10 March 2025") {
		t.Errorf("content = %q", msg.Content)
	}
	compareWithGolden(t, marshalResponse(t, msg), "daily_message")
	// The mention-laden paragraph is quoted, neutralised.
	if !strings.Contains(string(raw), `@\u200beveryone`) && !strings.Contains(string(raw), "@\u200beveryone") {
		t.Error("expected the @everyone paragraph, neutralised, in the daily post")
	}

	msg, ok, err = h.DailyMessage(ctx, "", time.Date(2024, 1, 1, 8, 0, 0, 0, testZone))
	if err != nil || ok || msg != nil {
		t.Errorf("a day without articles: DailyMessage = %v, %v, %v; want nothing to post", msg, ok, err)
	}
	if !strings.Contains(logs.String(), "nothing to post") {
		t.Error("an empty day should be logged")
	}

	h2, _, _ := newTestHandler(t, &fakeEngine{err: errEngine}, nil)
	if _, ok, err := h2.DailyMessage(ctx, "", testNow); err == nil || ok {
		t.Errorf("engine failure: ok=%v err=%v", ok, err)
	}
}

func TestFeedbackAndStats(t *testing.T) {
	t.Parallel()
	eng := &fakeEngine{articles: testArticles()}
	h, clock, _ := newTestHandler(t, eng, nil)
	ctx := context.Background()
	answer := h.Handle(ctx, guildCommand("1", memberPerms, cmdAsk, strOpt("question", "What happened in Kursk?")))
	msg := &discordgo.Message{ID: "500", Content: answer.Data.Content, Components: answer.Data.Components}
	clock.Advance(time.Second)
	vote := func(user, which, msgID string) {
		m := *msg
		m.ID = msgID
		resp := h.Handle(ctx, buttonClick(user, "f|"+which, &m))
		checkResponse(t, resp)
		if resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(resp.Data.Content, "Thanks") {
			t.Errorf("vote reply %q", resp.Data.Content)
		}
	}
	vote("1", "u", "500")
	vote("2", "u", "500")
	vote("2", "d", "500") // changes their mind: counts once, as 👎
	vote("3", "d", "501")

	// A torn last line (crash mid-write) is skipped.
	f, err := os.OpenFile(h.feedback.path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"time":"2025-03-10T11:00:00Z","vote":"u`)
	f.Close()

	raw, _ := os.ReadFile(h.feedback.path)
	first := strings.SplitN(string(raw), "\n", 2)[0]
	var e feedbackEntry
	if err := json.Unmarshal([]byte(first), &e); err != nil {
		t.Fatal(err)
	}
	if e.Query != "What happened in Kursk?" || len(e.Cited) != 3 || e.Message != "500" || e.User == "" || e.User == "1" {
		t.Errorf("feedback entry = %+v", e)
	}

	resp := h.Handle(ctx, guildCommand("9", discordgo.PermissionAdministrator, cmdStats))
	checkResponse(t, resp)
	fields := map[string]string{}
	for _, f := range resp.Data.Embeds[0].Fields {
		fields[f.Name] = f.Value
	}
	if fields["Feedback"] != "👍 1 · 👎 2" {
		t.Errorf("feedback counts = %q, want 👍 1 · 👎 2", fields["Feedback"])
	}
	if fields["Questions answered"] != "1" || fields["Median answer time"] != "0 ms" {
		t.Errorf("stats fields = %v", fields)
	}
}

func TestAnswerStats(t *testing.T) {
	t.Parallel()
	var s answerStats
	for k := 1; k <= 2000; k++ {
		s.record("3", time.Duration(k)*time.Millisecond)
	}
	n, p50, p99 := s.snapshot("3")
	// The ring holds the last 1024: 977..2000 ms.
	if n != 2000 || p50 != 1488*time.Millisecond || p99 != 1990*time.Millisecond {
		t.Errorf("snapshot = %d, %v, %v", n, p50, p99)
	}
}

// TestLogLine checks the one log line per interaction: command, user hash,
// outcome, results, latency; never the token or the raw user id.
func TestLogLine(t *testing.T) {
	t.Parallel()
	h, _, logs := newTestHandler(t, &fakeEngine{articles: testArticles()}, nil)
	i := guildCommand("123456789012345678", memberPerms, cmdAsk, strOpt("question", "What happened in Kursk?"))
	h.Handle(context.Background(), i)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), logs)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["command"] != "ask" || rec["outcome"] != "ok" || rec["results"] != 3.0 || rec["user"] != h.userHash(i.Member.User.ID) {
		t.Errorf("log line = %v", rec)
	}
	if _, ok := rec["latency_ms"]; !ok {
		t.Error("no latency in the log line")
	}
	for _, secret := range []string{"secret-token", "123456789012345678", "Kursk"} {
		if strings.Contains(lines[0], secret) {
			t.Errorf("log line contains %q: %s", secret, lines[0])
		}
	}
}

// TestButtonLogLinesHoldNoQuestion: a paging button's custom_id carries the
// question and a Context button's an article id; neither the handler's log
// line nor the name the transport logs holds them, only the kind, the page
// and the length.
func TestButtonLogLinesHoldNoQuestion(t *testing.T) {
	t.Parallel()
	h, _, logs := newTestHandler(t, &fakeEngine{articles: testArticles()}, nil)
	for _, tc := range []struct {
		customID, want string
	}{
		{"p|a|2||||||What happened in Kursk?", "page:ask:2 len=34"},
		{"p|s|3|t0a1b2c3d|2025-03-01||example-news.com|Jane Doe|Kursk incursion", "page:search:3 len=69"},
		{"c|world/kursk#1", "context len=15"},
	} {
		logs.Reset()
		i := buttonClick("1", tc.customID, &discordgo.Message{ID: "5", Content: "**What happened in Kursk?**"})
		h.Handle(context.Background(), i)
		line := strings.TrimSpace(logs.String())
		name := interactionName(i)
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%s: log %q: %v", tc.customID, line, err)
		}
		if rec["button"] != tc.want || name != "component:"+tc.want {
			t.Errorf("%s: logged button %v, transport name %q; want %q", tc.customID, rec["button"], name, tc.want)
		}
		for _, word := range []string{"Kursk", "kursk", "happened", "Jane", "example-news", "incursion"} {
			if strings.Contains(line, word) || strings.Contains(name, word) {
				t.Errorf("%s: %q logged:\n%s\n%s", tc.customID, word, line, name)
			}
		}
	}
}

func TestCommandDefinitions(t *testing.T) {
	t.Parallel()
	cmds := Commands()
	names := map[string]*Command{}
	for _, c := range cmds {
		names[c.Name] = c
		if c.Type != discordgo.ChatApplicationCommand {
			// A message command has no description and no options.
			if raw, _ := json.Marshal(c); c.Description != "" || strings.Contains(string(raw), `"options"`) {
				t.Errorf("%q: a message command with a description or options: %s", c.Name, raw)
			}
		} else if n := len(c.Description); n < 1 || n > 100 {
			t.Errorf("/%s description is %d long", c.Name, n)
		}
		for _, o := range c.Options {
			if len(o.Description) > 100 || len(o.Name) > 32 || strings.ToLower(o.Name) != o.Name {
				t.Errorf("/%s option %q breaks naming rules", c.Name, o.Name)
			}
		}
		raw, _ := json.Marshal(c)
		admin := isAdminCommand(c.Name)
		if admin != strings.Contains(string(raw), `"default_member_permissions":"32"`) {
			t.Errorf("/%s default_member_permissions wrong: %s", c.Name, raw)
		}
		if admin && !strings.Contains(string(raw), `"contexts":[0]`) {
			t.Errorf("/%s should be usable in servers only: %s", c.Name, raw)
		}
	}
	for _, want := range []string{cmdAsk, cmdSearch, cmdSummary, cmdSources, cmdHelp, cmdIngest, cmdReindex, cmdStats} {
		if names[want] == nil {
			t.Errorf("no /%s", want)
		}
	}
	if m := names[cmdAskMessage]; m == nil || m.Type != discordgo.MessageApplicationCommand {
		t.Errorf("no message command %q", cmdAskMessage)
	}
	if q := names[cmdAsk].Options[0]; !q.Required || q.MaxLength != 300 {
		t.Errorf("/ask question = %+v", q)
	}
	// The registration payload, for review.
	compareWithGolden(t, marshalResponse(t, cmds), "commands")
}

func TestContextButton(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := &fakeEngine{articles: testArticles()}
	h, _, _ := newTestHandler(t, eng, nil)
	for _, tc := range []struct {
		id   string
		err  error
		want string
	}{
		{"c|local/council#2", nil, "**¶2** Residents shouted @\u200beveryone \\<@\u200b&123\\>"},
		{"c|local/council#1", nil, "-# ¶2\nResidents"},
		{"c|gone/article#1", nil, "no longer in the index"},
		{"c|world/kursk#3", nil, "That paragraph is no longer in the index."},
		{"c|world/kursk#1", errEngine, "couldn't load that article just now"},
	} {
		eng.err = tc.err
		resp := h.Handle(ctx, buttonClick("1", tc.id, nil))
		checkResponse(t, resp)
		if resp.Type != discordgo.InteractionResponseChannelMessageWithSource || resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Errorf("%s: context must be a new ephemeral message, got type %d flags %d", tc.id, resp.Type, resp.Data.Flags)
		}
		if got := decodedText(resp); !strings.Contains(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.id, got, tc.want)
		}
	}
}

// FuzzHandleOptions throws arbitrary option text at /ask, /search and
// /summary: the handler must always answer within Discord's rules.
func FuzzHandleOptions(f *testing.F) {
	f.Add("What happened in Kursk?", "example-news.com", "7d")
	f.Add("@everyone **x** <@&1>", "", "2025-02-30")
	f.Add("\x00\xff\u202e", "a|b%c", "-1d")
	f.Add(strings.Repeat("🌀", 400), strings.Repeat("s", 200), "2025-03-10")
	eng := &fakeEngine{articles: testArticles()}
	h, _, _ := newTestHandler(f, eng, func(o *HandlerOptions) { o.RateLimit = RateLimit{Max: -1} })
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q, source, date string) {
		for _, i := range []*discordgo.Interaction{
			guildCommand("1", memberPerms, cmdAsk, strOpt("question", q), strOpt("source", source), strOpt("since", date)),
			guildCommand("1", memberPerms, cmdSearch, strOpt("keywords", q), strOpt("author", source), strOpt("until", date)),
			guildCommand("1", memberPerms, cmdSummary, strOpt("date", date)),
		} {
			resp := h.Handle(ctx, i)
			checkResponse(t, resp)
			// Every button the answer offers must work when clicked.
			for _, c := range resp.Data.Components {
				for _, b := range c.(discordgo.ActionsRow).Components {
					btn := b.(discordgo.Button)
					if btn.Disabled {
						continue
					}
					msg := &discordgo.Message{ID: "1", Content: resp.Data.Content}
					checkResponse(t, h.Handle(ctx, buttonClick("1", btn.CustomID, msg)))
				}
			}
		}
	})
}

// TestRepliesSayWhatWasRespelled: words the index looked for by their
// nearest spelling are named, quoted and escaped, in /ask and /search
// replies with results and without.
func TestRepliesSayWhatWasRespelled(t *testing.T) {
	t.Parallel()
	eng := &fakeEngine{articles: testArticles(), respelled: []string{"Krusk", "*@everyone*"}}
	h, _, _ := newTestHandler(t, eng, nil)
	// Markdown escaped, and "@everyone" broken by a zero-width space.
	want := "No paragraph has “Krusk” or “\\*@\u200beveryone\\*”: looked for their nearest spellings."
	user := 0
	run := func(cmd, opt, q string) *discordgo.InteractionResponse {
		user++ // one question each, so that no reply is a rate-limit refusal
		resp := h.Handle(context.Background(), guildCommand(fmt.Sprint(user), memberPerms, cmd, strOpt(opt, q)))
		checkResponse(t, resp)
		return resp
	}
	for _, q := range []string{"Kursk", "zzzz"} {
		for cmd, opt := range map[string]string{cmdAsk: "question", cmdSearch: "keywords"} {
			if resp := run(cmd, opt, q); !strings.Contains(resp.Data.Content, want) {
				t.Errorf("/%s %s: content %q does not say what was respelled", cmd, q, resp.Data.Content)
			}
		}
	}
	eng.respelled = nil
	for cmd, opt := range map[string]string{cmdAsk: "question", cmdSearch: "keywords"} {
		if resp := run(cmd, opt, "Kursk"); len(resp.Data.Embeds) == 0 || strings.Contains(resp.Data.Content, "nearest spelling") {
			t.Errorf("/%s: nothing respelled, but the reply says so: %q", cmd, resp.Data.Content)
		}
	}
}

// TestMessageQuestion: the message command's question is the message's text
// without Discord markup, on one line, cut at a word to the /ask cap; a
// message of embeds only asks with its first embed.
func TestMessageQuestion(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("kursk incursion ", 40) // 640 runes
	for _, tc := range []struct {
		msg  *discordgo.Message
		want string
	}{
		{&discordgo.Message{Content: "<@123> <@!4> <@&5> in <#6>:\nwhat about\tKursk? <a:wave:77> </ask:88> <t:1700000000:R>"}, "in : what about Kursk?"},
		{&discordgo.Message{Embeds: []*discordgo.MessageEmbed{{Title: "Kursk", Description: "incursion **enters** week two"}}}, "Kursk incursion **enters** week two"},
		{&discordgo.Message{Content: "  <@123>  "}, ""},
		{&discordgo.Message{Content: long}, long[:16*18+5]},
	} {
		got := messageQuestion(tc.msg)
		if got != tc.want {
			t.Errorf("messageQuestion(%q) = %q, want %q", tc.msg.Content, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); n > maxQueryRunes {
			t.Errorf("%d runes, over the cap", n)
		}
	}
}

// TestMessageCommandPagesLikeAsk: ▶ under a message command's answer leads
// to page 2 of the same question.
func TestMessageCommandPagesLikeAsk(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestHandler(t, &fakeEngine{articles: testArticles()}, nil)
	resp := h.Handle(context.Background(), loadInteraction(t, "message_ask"))
	checkResponse(t, resp)
	next := resp.Data.Components[0].(discordgo.ActionsRow).Components[1].(discordgo.Button)
	page := h.Handle(context.Background(), buttonClick("1", next.CustomID, &discordgo.Message{ID: "1", Content: resp.Data.Content}))
	checkResponse(t, page)
	if page.Type != discordgo.InteractionResponseUpdateMessage || !strings.Contains(decodedText(page), "what happened in Kursk?") {
		t.Errorf("page 2: type %d\n%s", page.Type, decodedText(page))
	}
}
