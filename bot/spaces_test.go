package bot

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot"
)

// Two servers with the bot, as Discord numbers servers (snowflakes).
const (
	serverA = "310000000000000001"
	serverB = "320000000000000002"
)

// aArticles are server A's own articles: a source, an author and a day
// nobody else has, and a copy of a shared article id with other text (the
// same id in two spaces is two articles).
func aArticles() []briefbot.Article {
	return []briefbot.Article{
		{
			ID: "a/harbour", Title: "Harbour dredging contract awarded", Author: "Ada Only",
			Source: "a-only.example", URL: "https://a-only.example/harbour", Published: day(2025, 3, 5),
			Paragraphs: []briefbot.Paragraph{
				para(1, "The harbour dredging contract went to Zephyrcorp for forty million. Kursk was not mentioned."),
				para(2, "Zephyrcorp said the dredging would start in May."),
			},
		},
		{
			ID: "world/kursk", Title: "Server A's own Kursk notes", Author: "Ada Only",
			Source: "a-only.example", URL: "https://a-only.example/kursk", Published: day(2025, 3, 5),
			Paragraphs: []briefbot.Paragraph{para(1, "Zephyrcorp notes on Kursk, kept by server A alone.")},
		},
	}
}

// inGuild moves an interaction to guild (its member unchanged), as Discord
// sends the same command from another server.
func inGuild(i *discordgo.Interaction, guild string) *discordgo.Interaction {
	i.GuildID = guild
	return i
}

func autocompleteIn(guild, user, command, option, typed string) *discordgo.Interaction {
	i := guildCommand(user, memberPerms, command, &discordgo.ApplicationCommandInteractionDataOption{
		Name: option, Type: discordgo.ApplicationCommandOptionString, Value: typed, Focused: true,
	})
	i.Type = discordgo.InteractionApplicationCommandAutocomplete
	return inGuild(i, guild)
}

// probes are what a member of server B (or a DM) may send to learn about
// server A: each of A's source, author, day and text, the Context and
// paging buttons built by hand, autocomplete, /sources and /stats. dm makes
// them DMs instead (where /stats is refused).
func probes(guild string, dm bool) map[string]*discordgo.Interaction {
	cmd := func(user, name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
		if dm {
			return dmCommand(user, name, opts...)
		}
		return inGuild(guildCommand(user, memberPerms|discordgo.PermissionManageServer, name, opts...), guild)
	}
	button := func(user, customID string) *discordgo.Interaction {
		i := buttonClick(user, customID, nil)
		if dm {
			i.GuildID, i.Member, i.User = "", nil, &discordgo.User{ID: user}
			return i
		}
		return inGuild(i, guild)
	}
	return map[string]*discordgo.Interaction{
		"search A's words":       cmd("11", cmdSearch, strOpt("keywords", "harbour dredging Zephyrcorp")),
		"search A's source":      cmd("12", cmdSearch, strOpt("keywords", "Kursk"), strOpt("source", "a-only.example")),
		"search A's author":      cmd("13", cmdSearch, strOpt("keywords", "Kursk"), strOpt("author", "Ada Only")),
		"search A's day":         cmd("14", cmdSearch, strOpt("keywords", "Kursk"), strOpt("since", "2025-03-05"), strOpt("until", "2025-03-05")),
		"ask A's sentence":       cmd("15", cmdAsk, strOpt("question", "The harbour dredging contract went to Zephyrcorp for forty million.")),
		"ask with A's source":    cmd("16", cmdAsk, strOpt("question", "What happened in Kursk?"), strOpt("source", "a-only.example")),
		"summary of A's day":     cmd("17", cmdSummary, strOpt("date", "2025-03-05")),
		"sources":                cmd("18", cmdSources),
		"stats":                  cmd("19", cmdStats),
		"context, A's article":   button("20", "cs|a/harbour#1"),
		"context, as shared":     button("21", "c|a/harbour#1"),
		"context, A's copy":      button("22", "cs|world/kursk#1"),
		"context, never existed": button("23", "cs|no/such-article#1"),
		"paging search, A's":     button("24", "p|s|1||||a-only.example||harbour"),
		"paging ask, A's words":  button("25", "p|a|1||2025-03-05||||Zephyrcorp dredging"),
	}
}

// TestNothingOfServerACrosses sends every probe from server B, and from a
// DM, to a bot whose index holds server A's articles and has answered and
// been rated in A, and to one that never heard of A: the replies must be
// byte for byte the same, so that nothing shows that A's articles (or its
// activity) exist, counts included.
func TestNothingOfServerACrosses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	withA := &fakeEngine{articles: testArticles()}
	withA.upsert(serverA, aArticles())
	hA, _, _ := newTestHandler(t, withA, nil)
	hNone, _, _ := newTestHandler(t, &fakeEngine{articles: testArticles()}, nil)

	// A uses the bot: it must see its own articles (else this test would
	// pass for an engine that hides everything), answer, and take votes.
	resp := hA.Handle(ctx, inGuild(guildCommand("1", memberPerms, cmdAsk, strOpt("question", "Who won the harbour dredging contract?")), serverA))
	if !strings.Contains(decodedText(resp), "Zephyrcorp") {
		t.Fatalf("server A does not see its own article: %s", decodedText(resp))
	}
	msg := &discordgo.Message{ID: "700", Content: resp.Data.Content, Components: resp.Data.Components}
	for _, v := range []string{"f|u", "f|d"} {
		if r := hA.Handle(ctx, inGuild(buttonClick("2", v, msg), serverA)); !strings.Contains(r.Data.Content, "noted") {
			t.Fatalf("vote in A: %q", r.Data.Content)
		}
	}

	for _, dm := range []bool{false, true} {
		for name, i := range probes(serverB, dm) {
			if dm {
				name = "DM: " + name
			}
			t.Run(name, func(t *testing.T) {
				got := marshalResponse(t, hA.Handle(ctx, i))
				want := marshalResponse(t, hNone.Handle(ctx, i))
				if !bytes.Equal(got, want) {
					t.Errorf("differs from a bot without server A's articles:\n got %s\nwant %s", got, want)
				}
				sent := interactionJSON(t, i) // what the probe typed may be echoed
				for _, secret := range []string{"Zephyrcorp", "a-only", "Ada Only", "2025-03-05 (", serverA} {
					if bytes.Contains(got, []byte(secret)) && !strings.Contains(sent, secret) {
						t.Errorf("reply shows %q: %s", secret, got)
					}
				}
			})
		}
	}
}

// TestAutocompleteInScope: autocomplete of sources, authors and days from
// server A offers A's own; from B or a DM, not.
func TestAutocompleteInScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := &fakeEngine{articles: testArticles()}
	eng.upsert(serverA, aArticles())
	h, _, _ := newTestHandler(t, eng, nil)
	cases := []struct{ command, option, typed, aOnly string }{
		{cmdSearch, "source", "a-", "a-only.example"},
		{cmdSearch, "author", "ada", "Ada Only"},
		{cmdSummary, "date", "2025-03-0", "2025-03-05"},
	}
	for _, tc := range cases {
		fromA := autocompleteIn(serverA, "1", tc.command, tc.option, tc.typed)
		fromB := autocompleteIn(serverB, "1", tc.command, tc.option, tc.typed)
		fromDM := autocompleteIn("", "1", tc.command, tc.option, tc.typed)
		fromDM.Member, fromDM.User = nil, &discordgo.User{ID: "1"}
		if got := decodedText(h.Handle(ctx, fromA)); !strings.Contains(got, tc.aOnly) {
			t.Errorf("%s %s from A lacks %q: %q", tc.command, tc.option, tc.aOnly, got)
		}
		for where, i := range map[string]*discordgo.Interaction{"B": fromB, "DM": fromDM} {
			if got := decodedText(h.Handle(ctx, i)); strings.Contains(got, tc.aOnly) {
				t.Errorf("%s %s from %s offers A's %q: %q", tc.command, tc.option, where, tc.aOnly, got)
			}
		}
	}
}

// contextButtonIDs are the custom_ids of a reply's Context buttons.
func contextButtonIDs(resp *discordgo.InteractionResponse) []string {
	var ids []string
	for _, row := range resp.Data.Components {
		r, ok := row.(discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, c := range r.Components {
			if b, ok := c.(discordgo.Button); ok && strings.HasPrefix(b.Label, "Context") {
				ids = append(ids, b.CustomID)
			}
		}
	}
	return ids
}

// TestContextButtonNamesTheCopy: an answer in server A cites A's copy of an
// article with a "cs" button and the shared copy with a "c" one, never with
// A's id in the custom_id; each button opens its own copy, in A. From B,
// A's copy is "no longer in the index", word for word as an id that never
// existed, while the shared copy of the same id still opens.
func TestContextButtonNamesTheCopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := &fakeEngine{articles: testArticles()}
	eng.upsert(serverA, aArticles())
	h, _, _ := newTestHandler(t, eng, nil)

	resp := h.Handle(ctx, inGuild(guildCommand("1", memberPerms, cmdAsk, strOpt("question", "Kursk Zephyrcorp notes")), serverA))
	ids := contextButtonIDs(resp)
	if !slices.Contains(ids, "cs|world/kursk#1") || !slices.Contains(ids, "c|world/kursk#1") {
		t.Fatalf("A's answer has Context buttons %q, want both copies of world/kursk#1", ids)
	}
	for _, id := range ids {
		if strings.Contains(id, serverA) {
			t.Errorf("custom_id %q names the server", id)
		}
	}
	open := func(guild, customID string) string {
		r := h.Handle(ctx, inGuild(buttonClick("5", customID, nil), guild))
		return decodedText(r)
	}
	if got := open(serverA, "cs|world/kursk#1"); !strings.Contains(got, "kept by server A alone") {
		t.Errorf("A's copy from A: %q", got)
	}
	if got := open(serverA, "c|world/kursk#1"); !strings.Contains(got, "Ukrainian forces") || strings.Contains(got, "server A") {
		t.Errorf("shared copy from A: %q", got)
	}
	if got := open(serverB, "c|world/kursk#1"); !strings.Contains(got, "Ukrainian forces") {
		t.Errorf("shared copy from B: %q", got)
	}
	never := marshalResponse(t, h.Handle(ctx, inGuild(buttonClick("5", "cs|never/was#1", nil), serverB)))
	if !bytes.Contains(never, []byte("no longer in the index")) {
		t.Fatalf("unknown id: %s", never)
	}
	for _, id := range []string{"cs|world/kursk#1", "cs|a/harbour#1", "c|a/harbour#1", "cs|a/harbour#2"} {
		got := marshalResponse(t, h.Handle(ctx, inGuild(buttonClick("5", id, nil), serverB)))
		if !bytes.Equal(got, never) {
			t.Errorf("%s from B = %s, want exactly the reply to an id that never existed, %s", id, got, never)
		}
		dm := buttonClick("5", id, nil)
		dm.GuildID, dm.Member, dm.User = "", nil, &discordgo.User{ID: "5"}
		if got := marshalResponse(t, h.Handle(ctx, dm)); !bytes.Equal(got, never) {
			t.Errorf("%s from a DM = %s, want %s", id, got, never)
		}
	}
}

// TestEveryReadInTheInteractionsScope checks what the handler passes the
// engine: the scope of the server the interaction comes from, zero in a DM.
func TestEveryReadInTheInteractionsScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := &fakeEngine{articles: testArticles()}
	h, _, _ := newTestHandler(t, eng, nil)
	h.Handle(ctx, inGuild(guildCommand("1", memberPerms, cmdAsk, strOpt("question", "Kursk")), serverB))
	if eng.lastAsk.Scope != (briefbot.Scope{Server: serverB}) {
		t.Errorf("/ask scope %+v", eng.lastAsk.Scope)
	}
	h.Handle(ctx, dmCommand("2", cmdAsk, strOpt("question", "Kursk")))
	if eng.lastAsk.Scope != (briefbot.Scope{}) {
		t.Errorf("/ask in a DM: scope %+v, want the shared space only", eng.lastAsk.Scope)
	}
	h.Handle(ctx, inGuild(buttonClick("3", "p|s|2||||||Kursk", nil), serverB))
	if eng.lastF.Scope != (briefbot.Scope{Server: serverB}) {
		t.Errorf("paging scope %+v", eng.lastF.Scope)
	}
	msg := &discordgo.Message{Content: "hi", Author: &discordgo.User{ID: "9"}}
	mi := inGuild(guildCommand("4", memberPerms, cmdAskMessage), serverA)
	mi.Data = discordgo.ApplicationCommandInteractionData{
		ID: "5", Name: cmdAskMessage, CommandType: discordgo.MessageApplicationCommand, TargetID: "77",
		Resolved: &discordgo.ApplicationCommandInteractionDataResolved{Messages: map[string]*discordgo.Message{"77": {ID: "77", Content: "what about Kursk?", Author: msg.Author}}},
	}
	h.Handle(ctx, mi)
	if eng.lastAsk.Scope != (briefbot.Scope{Server: serverA}) {
		t.Errorf("Ask briefbot scope %+v", eng.lastAsk.Scope)
	}
}

// TestIngestGoesToTheServersSpace: /ingest in A adds to A's space, which A
// then finds and B does not.
func TestIngestGoesToTheServersSpace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := &fakeEngine{articles: testArticles()}
	admin := &fakeAdmin{eng: eng}
	fetcher := &fakeFetcher{arts: aArticles()[:1]}
	h, _, _ := newTestHandler(t, eng, func(o *HandlerOptions) { o.Admin, o.Fetcher = admin, fetcher })
	resp := h.Handle(ctx, inGuild(guildCommand("1", memberPerms|discordgo.PermissionManageServer, cmdIngest, strOpt("url", "https://a-only.example/harbour")), serverA))
	if !strings.Contains(resp.Data.Content, "Fetched 1 article") || len(admin.servers) != 1 || admin.servers[0] != serverA {
		t.Fatalf("ingest in A: %q, spaces written %q", resp.Data.Content, admin.servers)
	}
	search := func(guild string) string {
		return decodedText(h.Handle(ctx, inGuild(guildCommand("2"+guild[:1], memberPerms, cmdSearch, strOpt("keywords", "Zephyrcorp")), guild)))
	}
	if got := search(serverA); !strings.Contains(got, "Zephyrcorp") {
		t.Errorf("A does not find what it ingested: %q", got)
	}
	if got := search(serverB); strings.Contains(got, "Zephyrcorp") {
		t.Errorf("B finds what A ingested: %q", got)
	}
}

// TestServersAllowList: with Servers set, the bot answers only there;
// elsewhere every command and button gets one ephemeral "not enabled",
// autocomplete no choices, and the engine is never asked. PING still works.
func TestServersAllowList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := &fakeEngine{articles: testArticles()}
	admin := &fakeAdmin{}
	h, _, _ := newTestHandler(t, eng, func(o *HandlerOptions) { o.Servers, o.Admin = []string{serverA}, admin })

	if r := h.Handle(ctx, inGuild(guildCommand("1", memberPerms, cmdAsk, strOpt("question", "Kursk")), serverA)); !strings.Contains(decodedText(r), "Kursk") {
		t.Fatalf("in an allowed server: %q", decodedText(r))
	}
	eng.asks = 0
	dmButton := buttonClick("1", "c|world/kursk#1", nil)
	dmButton.GuildID, dmButton.Member, dmButton.User = "", nil, &discordgo.User{ID: "1"}
	for name, tc := range map[string]struct {
		i    *discordgo.Interaction
		want string
	}{
		"command in B":      {inGuild(guildCommand("1", memberPerms, cmdAsk, strOpt("question", "Kursk")), serverB), "not enabled in this server"},
		"admin command, B":  {inGuild(guildCommand("1", discordgo.PermissionAdministrator, cmdIngest, strOpt("url", "https://x.example/")), serverB), "not enabled in this server"},
		"button in B":       {inGuild(buttonClick("1", "c|world/kursk#1", nil), serverB), "not enabled in this server"},
		"command in a DM":   {dmCommand("1", cmdSources), "not enabled in direct messages"},
		"button in a DM":    {dmButton, "not enabled in direct messages"},
		"autocomplete in B": {autocompleteIn(serverB, "1", cmdSearch, "source", "ex"), ""},
	} {
		t.Run(name, func(t *testing.T) {
			resp := h.Handle(ctx, tc.i)
			checkResponse(t, resp)
			if tc.want == "" {
				if resp.Type != discordgo.InteractionApplicationCommandAutocompleteResult || len(resp.Data.Choices) != 0 {
					t.Errorf("autocomplete = %s, want no choices", marshalResponse(t, resp))
				}
				return
			}
			if resp.Type != discordgo.InteractionResponseChannelMessageWithSource || resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(resp.Data.Content, tc.want) {
				t.Errorf("reply %s, want an ephemeral %q", marshalResponse(t, resp), tc.want)
			}
		})
	}
	if eng.asks != 0 || len(admin.added) != 0 {
		t.Errorf("the engine was asked %d times, %d articles added, outside the allowed servers", eng.asks, len(admin.added))
	}
	if r := h.Handle(ctx, &discordgo.Interaction{ID: "1", Type: discordgo.InteractionPing}); r.Type != discordgo.InteractionResponsePong {
		t.Errorf("PING = %d", r.Type)
	}
}

// TestFeedbackCountsPerServer: votes are counted for the server they were
// cast in; old lines without a server count for none (only the zero scope).
func TestFeedbackCountsPerServer(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/feedback.jsonl"
	old := `{"time":"2025-01-01T00:00:00Z","vote":"up","user":"u0","message":"m0"}` + "\n"
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &feedbackLog{path: path}
	for _, e := range []feedbackEntry{
		{Vote: "up", User: "u1", Message: "m1", Guild: serverA},
		{Vote: "down", User: "u2", Message: "m1", Guild: serverA},
		{Vote: "down", User: "u3", Message: "m2", Guild: serverB},
	} {
		if err := f.add(e); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		guild    string
		up, down int
	}{{serverA, 1, 1}, {serverB, 0, 1}, {"", 1, 0}, {"330000000000000003", 0, 0}} {
		up, down, err := f.counts(tc.guild)
		if err != nil || up != tc.up || down != tc.down {
			t.Errorf("counts(%q) = %d, %d, %v; want %d, %d", tc.guild, up, down, err, tc.up, tc.down)
		}
	}
}
