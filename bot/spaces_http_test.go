package bot

import (
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// spacesServe is Serve in HTTP mode against the fake Discord, whose signed
// interactions come from two servers. Its index holds the shared articles
// and server A's own; /ingest writes into it.
type spacesServe struct {
	fake  *discordtest.Server
	url   string
	admin *fakeAdmin
}

// startSpacesServe starts Serve after setup has shaped the fake Discord
// (the application's owner or team) and opts the handler.
func startSpacesServe(t *testing.T, setup func(*discordtest.Server), opts func(*HandlerOptions)) *spacesServe {
	t.Helper()
	fake := discordtest.New(t)
	if setup != nil {
		setup(fake)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(t, fake)
	cfg.Listener, cfg.PublicKey = ln, fake.PublicKey()
	cfg.DeferAfter = 0 // the default: these answers are inline
	eng := &fakeEngine{articles: testArticles()}
	eng.upsert(serverA, aArticles())
	g := &spacesServe{fake: fake, url: "http://" + ln.Addr().String() + "/", admin: &fakeAdmin{eng: eng}}
	o := HandlerOptions{
		Location: testZone, Admin: g.admin, Fetcher: &fakeFetcher{arts: aArticles()[:1]},
		FeedbackLog: filepath.Join(t.TempDir(), "feedback.jsonl"), Logger: testLogger(t),
	}
	if opts != nil {
		opts(&o)
	}
	startServe(t, cfg, NewHandler(eng, o))
	return g
}

// command is an application command as Discord sends it from guild (a DM
// when guild is ""): a member with perms in a server, a user in a DM.
func (g *spacesServe) command(guild, user string, perms int64, name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	id := g.fake.NewID()
	i := &discordgo.Interaction{
		ID: id, AppID: g.fake.AppID, Type: discordgo.InteractionApplicationCommand, Token: "tok-" + id, Version: 1,
		ChannelID: "330000000000000010", Locale: discordgo.EnglishGB,
		Data: discordgo.ApplicationCommandInteractionData{ID: g.fake.NewID(), Name: name, CommandType: discordgo.ChatApplicationCommand, Options: opts},
	}
	g.from(i, guild, user, perms)
	return i
}

// button is a click on a button with customID under a message of the bot.
func (g *spacesServe) button(guild, user, customID string) *discordgo.Interaction {
	id := g.fake.NewID()
	i := &discordgo.Interaction{
		ID: id, AppID: g.fake.AppID, Type: discordgo.InteractionMessageComponent, Token: "tok-" + id, Version: 1,
		ChannelID: "330000000000000010", Locale: discordgo.EnglishGB,
		Data: discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: discordgo.ButtonComponent},
		Message: &discordgo.Message{
			ID: g.fake.NewID(), ChannelID: "330000000000000010", Content: "**Q:** harbour",
			Author: &discordgo.User{ID: g.fake.BotUserID, Username: "briefbot", Bot: true},
		},
	}
	g.from(i, guild, user, memberPerms)
	return i
}

func (g *spacesServe) from(i *discordgo.Interaction, guild, user string, perms int64) {
	u := &discordgo.User{ID: user, Username: "user" + user}
	if guild == "" {
		i.User = u
		return
	}
	locale := discordgo.EnglishUS
	i.GuildID, i.GuildLocale = guild, &locale
	i.Member = &discordgo.Member{User: u, Permissions: perms, Roles: []string{}}
	i.AppPermissions = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks
}

// reply is an inline reply: its type, flags and content, and its data as
// sent, for substring checks (discordgo cannot decode components back).
type reply struct {
	Type    discordgo.InteractionResponseType
	Flags   discordgo.MessageFlags
	Content string
	Data    string
}

func (r reply) ephemeral() bool { return r.Flags&discordgo.MessageFlagsEphemeral != 0 }

// post delivers i signed, as Discord does, and returns the inline reply,
// which Discord must have accepted as the interaction's response.
func (g *spacesServe) post(t *testing.T, i *discordgo.Interaction) reply {
	t.Helper()
	in := g.fake.PostInteraction(g.url, i)
	if in.Status != 200 || !in.Accepted {
		t.Fatalf("reply %d %s (accepted %v)", in.Status, in.Body, in.Accepted)
	}
	requireNoMentions(t, in.Body)
	var raw struct {
		Type discordgo.InteractionResponseType `json:"type"`
		Data json.RawMessage                   `json:"data"`
	}
	var data struct {
		Content string                 `json:"content"`
		Flags   discordgo.MessageFlags `json:"flags"`
	}
	if err := json.Unmarshal(in.Body, &raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw.Data, &data); err != nil {
		t.Fatal(err)
	}
	if raw.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Fatalf("deferred: the fake engine answers at once")
	}
	return reply{Type: raw.Type, Flags: data.Flags, Content: data.Content, Data: string(raw.Data)}
}

// TestSignedInteractionsFromTwoServers runs the cross-server attacks as
// Discord would deliver them: signed HTTP interactions from server A and
// server B (and a DM), to the bot serving them.
func TestSignedInteractionsFromTwoServers(t *testing.T) {
	t.Parallel()
	g := startSpacesServe(t, nil, nil)
	const manage = memberPerms | discordgo.PermissionManageServer
	data := func(i *discordgo.Interaction) string { return g.post(t, i).Data }

	if got := data(g.command(serverA, "501", memberPerms, cmdSearch, strOpt("keywords", "Zephyrcorp"))); !strings.Contains(got, "Zephyrcorp") {
		t.Errorf("/search in A does not find A's article: %s", got)
	}
	if got := data(g.command(serverB, "502", memberPerms, cmdSearch, strOpt("keywords", "Zephyrcorp"))); strings.Contains(got, "dredging") {
		t.Errorf("/search in B finds A's article: %s", got)
	}
	if got := data(g.command(serverB, "503", memberPerms, cmdSearch, strOpt("keywords", "Kursk"), strOpt("source", "a-only.example"))); strings.Contains(got, "Kursk notes") {
		t.Errorf("/search in B with A's source: %s", got)
	}

	// Context buttons built by hand, from B, naming A's article or A's copy.
	never := data(g.button(serverB, "504", "cs|no/such-article#1"))
	if !strings.Contains(never, "no longer in the index") {
		t.Fatalf("unknown article: %s", never)
	}
	for _, id := range []string{"cs|a/harbour#1", "c|a/harbour#1", "cs|world/kursk#1"} {
		if got := data(g.button(serverB, "504", id)); got != never {
			t.Errorf("%s from B = %s, want as for an unknown article, %s", id, got, never)
		}
	}
	if got := data(g.button(serverA, "505", "cs|a/harbour#1")); !strings.Contains(got, "forty million") {
		t.Errorf("A's Context button in A: %s", got)
	}
	// A paging button built by hand, from B, with A's source and words.
	if got := data(g.button(serverB, "506", "p|s|1||||a-only.example||harbour")); strings.Contains(got, "Zephyrcorp") || strings.Contains(got, "Results") {
		t.Errorf("paging from B with A's source: %s", got)
	}

	// /ingest in A writes to A's space.
	data(g.command(serverA, "507", manage, cmdIngest, strOpt("url", "https://a-only.example/harbour")))
	if len(g.admin.servers) != 1 || g.admin.servers[0] != serverA {
		t.Errorf("/ingest in A wrote to %q, want [%s]", g.admin.servers, serverA)
	}

	// /stats in B counts the shared articles only (testArticles: 5 articles,
	// 9 paragraphs), and no index size, which would grow with A's.
	stats := data(g.command(serverB, "508", manage, cmdStats))
	for _, want := range []string{`"name":"Articles","value":"5"`, `"name":"Paragraphs","value":"9"`, `"name":"Questions answered","value":"0"`, "👍 0 · 👎 0"} {
		if !strings.Contains(stats, want) {
			t.Errorf("/stats in B lacks %s: %s", want, stats)
		}
	}
	if strings.Contains(stats, "Index size") {
		t.Errorf("/stats in B shows the index size: %s", stats)
	}

	// A DM sees the shared space only.
	if got := data(g.command("", "509", 0, cmdSources)); strings.Contains(got, "a-only") || !strings.Contains(got, "techwire.example") {
		t.Errorf("/sources in a DM: %s", got)
	}
}

// TestSignedReindexForOperatorsOnly: /reindex is for the application's
// owner (as Discord's application endpoint says at start-up) and the ids in
// Operators; a member with Manage Server, even Administrator, is refused
// politely and privately.
func TestSignedReindexForOperatorsOnly(t *testing.T) {
	t.Parallel()
	const operator = "600000000000000001"
	g := startSpacesServe(t, nil, func(o *HandlerOptions) { o.Operators = []string{operator} })
	for _, tc := range []struct {
		name, user string
		perms      int64
		allowed    bool
	}{
		{"Manage Server, not an operator", "600000000000000009", memberPerms | discordgo.PermissionManageServer, false},
		{"Administrator, not an operator", "600000000000000008", discordgo.PermissionAdministrator, false},
		{"the application's owner", discordtest.DefaultOwnerID, memberPerms, true},
		{"an Operators id", operator, memberPerms, true},
	} {
		before := g.admin.reindexCount()
		resp := g.post(t, g.command(serverB, tc.user, tc.perms, cmdReindex))
		ran := g.admin.reindexCount() != before
		if ran != tc.allowed || !resp.ephemeral() {
			t.Errorf("%s: reindexed %v, want %v; reply %s", tc.name, ran, tc.allowed, resp.Data)
		}
		if !tc.allowed && !strings.Contains(resp.Content, "operators only") {
			t.Errorf("%s: refusal %q", tc.name, resp.Content)
		}
	}
}

// TestSignedReindexTeamMembers: for an application a team owns, its
// members who accepted are operators; an invited member is not, nor is the
// team's pseudo-user that Discord gives as the owner.
func TestSignedReindexTeamMembers(t *testing.T) {
	t.Parallel()
	const teamID, teamOwner, dev, invited = "610000000000000001", "610000000000000002", "610000000000000003", "610000000000000004"
	g := startSpacesServe(t, func(f *discordtest.Server) {
		f.SetTeam(teamID, teamOwner, discordtest.TeamMember{UserID: dev}, discordtest.TeamMember{UserID: invited, Invited: true})
	}, nil)
	for user, allowed := range map[string]bool{teamOwner: true, dev: true, invited: false, teamID: false, discordtest.DefaultOwnerID: false} {
		before := g.admin.reindexCount()
		resp := g.post(t, g.command(serverA, user, memberPerms|discordgo.PermissionManageServer, cmdReindex))
		if ran := g.admin.reindexCount() != before; ran != allowed {
			t.Errorf("user %s: reindexed %v, want %v; reply %s", user, ran, allowed, resp.Data)
		}
	}
}

// TestSignedServersAllowList: with Servers set, an interaction from another
// server or a DM gets one ephemeral "not enabled"; PING is still answered.
func TestSignedServersAllowList(t *testing.T) {
	t.Parallel()
	g := startSpacesServe(t, nil, func(o *HandlerOptions) { o.Servers = []string{serverA} })
	if got := g.post(t, g.command(serverA, "701", memberPerms, cmdSources)).Data; !strings.Contains(got, "techwire.example") {
		t.Errorf("/sources in A: %s", got)
	}
	for where, i := range map[string]*discordgo.Interaction{
		"B":    g.command(serverB, "702", memberPerms, cmdSources),
		"DM":   g.command("", "703", 0, cmdSources),
		"B, ▶": g.button(serverB, "704", "p|s|2||||||Kursk"),
	} {
		resp := g.post(t, i)
		if resp.Type != discordgo.InteractionResponseChannelMessageWithSource || !resp.ephemeral() || !strings.Contains(resp.Content, "not enabled") {
			t.Errorf("%s: %s, want an ephemeral \"not enabled\"", where, resp.Data)
		}
	}
	in := g.fake.PostInteraction(g.url, &discordgo.Interaction{ID: g.fake.NewID(), AppID: g.fake.AppID, Type: discordgo.InteractionPing, Token: "tok-ping", Version: 1})
	if in.Status != 200 || strings.TrimSpace(string(in.Body)) != `{"type":1}` {
		t.Errorf("PING = %d %s", in.Status, in.Body)
	}
}
