package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// The end-to-end attacks of issue 11 §4: `briefbot serve --http` as an
// operator runs it (the bundled sample as BRIEFBOT_CORPUS, the shared
// space; BRIEFBOT_SERVERS naming servers A and B), a real index in a
// temporary directory, A's own articles ingested with `ingest --server A`
// through serve's socket, and interactions signed with Ed25519 by the fake
// Discord, shaped as Discord sends them, from A and from B.
//
// "Reveals nothing" is tested against a twin deployment where A has no
// articles: every reply B gets must be the same in both (timings aside),
// so that no count, no suggestion, no wording and no respelling tells B
// that A's articles exist. A's own replies show A's articles, so that the
// comparison cannot pass for want of them.

// deployment is one running serve and the fake Discord it talks to.
type deployment struct {
	t        *testing.T
	fake     *discordtest.Server
	url      string // the interactions endpoint
	root     string
	indexDir string
	vars     map[string]string
}

// startDeployment runs serve in HTTP mode until the test ends, and waits
// until its endpoint answers (the corpus is ingested by then).
func startDeployment(t *testing.T) *deployment {
	t.Helper()
	fake := discordtest.New(t)
	root := t.TempDir()
	corpusDir := filepath.Join(root, "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	d := &deployment{t: t, fake: fake, root: root, indexDir: filepath.Join(root, "index")}
	d.vars = map[string]string{
		"HOME": root, "DISCORD_TOKEN": strings.TrimPrefix(fake.Token, "Bot "), "DISCORD_APP_ID": fake.AppID,
		"DISCORD_API_BASE": fake.URL, "DISCORD_PUBLIC_KEY": fake.PublicKey(),
		"BRIEFBOT_INDEX": d.indexDir, "BRIEFBOT_CORPUS": corpusDir,
		"BRIEFBOT_SERVERS": serverA + "," + serverB,
	}
	d.url = startServeHTTP(t, d.vars, "", slog.LevelInfo)
	return d
}

// cli runs the command line against the deployment's index (through
// serve's socket).
func (d *deployment) cli(args ...string) result {
	d.t.Helper()
	code, out, errOut := runCmd(d.t, map[string]string{"BRIEFBOT_INDEX": d.indexDir, "HOME": d.root}, args...)
	return result{code, out, errOut}
}

// ingestA ingests folder dir into A's space and returns the report.
func (d *deployment) ingestA(dir string) string {
	d.t.Helper()
	r := d.cli("ingest", "--server", serverA, dir)
	if r.code != exitOK {
		d.t.Fatalf("ingest --server A: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// Members: an admin (Manage Server, as Discord sends it for the owner or
// an administrator) and someone else.
const (
	adminPerms  = discordgo.PermissionManageServer | discordgo.PermissionSendMessages | discordgo.PermissionViewChannel
	memberPerms = discordgo.PermissionSendMessages | discordgo.PermissionViewChannel
)

// inServer makes i come from a member of server (in a channel of its own)
// with perms. Each interaction comes from another member: one member's
// dozens would meet the rate limit, and compare refusals only.
func (d *deployment) inServer(i *discordgo.Interaction, server string, perms int64) *discordgo.Interaction {
	i.GuildID = server
	i.ChannelID = server[:len(server)-1] + "9"
	i.Member = &discordgo.Member{User: &discordgo.User{ID: d.fake.NewID(), Username: "member"}, Permissions: perms}
	i.AppPermissions = discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks | discordgo.PermissionViewChannel
	return i
}

// command is a slash command from server.
func (d *deployment) command(server, name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	perms := int64(memberPerms)
	if name == "stats" {
		perms = adminPerms
	}
	i := d.inServer(d.fake.NewCommand(name, opts...), server, perms)
	data := i.Data.(discordgo.ApplicationCommandInteractionData)
	data.CommandType = discordgo.ChatApplicationCommand
	i.Data = data
	return i
}

// autocomplete is what Discord sends while a member types value into the
// option focus of command name.
func (d *deployment) autocomplete(server, name, focus, value string) *discordgo.Interaction {
	opt := discordtest.StringOption(focus, value)
	opt.Focused = true
	opts := []*discordgo.ApplicationCommandInteractionDataOption{opt}
	if name == "search" {
		opts = append([]*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("keywords", "ferry")}, opts...)
	}
	i := d.command(server, name, opts...)
	i.Type = discordgo.InteractionApplicationCommandAutocomplete
	return i
}

// button is a click on a button with customID under a message of the bot,
// from server: built by hand, as an attacker can.
func (d *deployment) button(server, customID string) *discordgo.Interaction {
	i := d.inServer(d.fake.NewCommand("unused"), server, memberPerms)
	i.Type = discordgo.InteractionMessageComponent
	i.Data = discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: discordgo.ButtonComponent}
	i.Message = &discordgo.Message{ID: d.fake.NewID(), ChannelID: i.ChannelID, Content: "**Search:** festival",
		Author: &discordgo.User{ID: d.fake.AppID, Bot: true}}
	return i
}

// reply is what the member who sent an interaction sees: the message (or
// the autocomplete choices) of the inline reply, or of the edit of
// @original after a deferral.
type reply struct {
	Ephemeral  bool            `json:"ephemeral"`
	Content    string          `json:"content"`
	Embeds     json.RawMessage `json:"embeds"`
	Components json.RawMessage `json:"components"`
	Choices    json.RawMessage `json:"choices"`
}

type messageData struct {
	Content    string          `json:"content"`
	Embeds     json.RawMessage `json:"embeds"`
	Components json.RawMessage `json:"components"`
	Choices    json.RawMessage `json:"choices"`
	Flags      int             `json:"flags"`
}

// send delivers i, signed, and returns the reply it got.
func (d *deployment) send(i *discordgo.Interaction) reply {
	d.t.Helper()
	in := d.fake.PostInteraction(d.url, i)
	if in.Status != http.StatusOK || !in.Accepted {
		d.t.Fatalf("interaction %v: reply %d %s, accepted %v", i.Type, in.Status, in.Body, in.Accepted)
	}
	var cb struct {
		Type int          `json:"type"`
		Data *messageData `json:"data"`
	}
	if err := json.Unmarshal(in.Body, &cb); err != nil {
		d.t.Fatal(err)
	}
	if cb.Data == nil {
		cb.Data = &messageData{}
	}
	r := reply{Ephemeral: cb.Data.Flags&int(discordgo.MessageFlagsEphemeral) != 0}
	msg := *cb.Data
	if cb.Type == int(discordgo.InteractionResponseDeferredChannelMessageWithSource) {
		edit := d.fake.WaitRequests(20*time.Second, 1, "PATCH", `/webhooks/[0-9]+/`+regexp.QuoteMeta(i.Token)+`/messages/@original$`)[0]
		msg = messageData{}
		edit.Decode(d.t, &msg)
	}
	r.Content, r.Embeds, r.Components, r.Choices = msg.Content, msg.Embeds, msg.Components, msg.Choices
	return r
}

// elapsed matches the answer times in footers, which differ run to run.
var elapsed = regexp.MustCompile(`[0-9]+\.[0-9]{2} s\b`)

// String is the reply as compared between the twins.
func (r reply) String() string {
	b, _ := json.Marshal(r)
	return elapsed.ReplaceAllString(string(b), "T s")
}

// customIDs are the custom_ids of the reply's buttons.
func (r reply) customIDs() []string {
	return regexp.MustCompile(`"custom_id":"([^"]*)"`).FindAllString(string(r.Components), -1)
}

// statsCounts are the figures of /stats that count what the server sees.
func statsCounts(t *testing.T, r reply) map[string]string {
	t.Helper()
	var embeds []struct {
		Fields []struct{ Name, Value string } `json:"fields"`
	}
	if err := json.Unmarshal(r.Embeds, &embeds); err != nil || len(embeds) != 1 {
		t.Fatalf("/stats reply %s: %v", r, err)
	}
	out := map[string]string{}
	for _, f := range embeds[0].Fields {
		if f.Name == "Articles" || f.Name == "Paragraphs" {
			out[f.Name] = f.Value
		}
	}
	if len(out) != 2 {
		t.Errorf("/stats shows no article and paragraph counts: %s", r)
	}
	return out
}

// probe is one interaction of the attack, sent alike to both twins.
type probe struct {
	name string
	make func(d *deployment) *discordgo.Interaction
}

func opt(name, value string) *discordgo.ApplicationCommandInteractionDataOption {
	return discordtest.StringOption(name, value)
}

// bProbes are server B's attempts to see anything of A.
func bProbes(aContext []string) []probe {
	cmd := func(name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) func(*deployment) *discordgo.Interaction {
		return func(d *deployment) *discordgo.Interaction { return d.command(serverB, name, opts...) }
	}
	ac := func(name, focus, value string) func(*deployment) *discordgo.Interaction {
		return func(d *deployment) *discordgo.Interaction { return d.autocomplete(serverB, name, focus, value) }
	}
	btn := func(id string) func(*deployment) *discordgo.Interaction {
		return func(d *deployment) *discordgo.Interaction { return d.button(serverB, id) }
	}
	ps := []probe{
		{"/search with A's source", cmd("search", opt("keywords", "festival"), opt("source", "Quayside Gazette"))},
		{"/search with A's author", cmd("search", opt("keywords", "ferry"), opt("author", "Ilse Vandermeer"))},
		{"/search on a day only A has articles", cmd("search", opt("keywords", "ferry"), opt("since", "2024-10-02"), opt("until", "2024-10-02"))},
		{"/search with A's words", cmd("search", opt("keywords", "Ellery lanterns"))},
		{"/ask with A's sentence", cmd("ask", opt("question", aQuestion))},
		{"/ask from A's source", cmd("ask", opt("question", "How many visitors came to the festival?"), opt("source", "Quayside Gazette"))},
		{"/summary on A's busiest day", cmd("summary", opt("date", "2024-10-02"))},
		{"/sources", cmd("sources")},
		{"source autocomplete", ac("ask", "source", "")},
		{"source autocomplete typed", ac("search", "source", "Quay")},
		{"author autocomplete", ac("search", "author", "")},
		{"author autocomplete typed", ac("search", "author", "Ilse")},
		{"day autocomplete", ac("summary", "date", "")},
		{"day autocomplete typed", ac("summary", "date", "2024-10")},
		{"Context button of A's article, hand-built", btn("c|harbour-lights#1")},
		{"paging button with A's source", btn("p|s|2||||Quayside Gazette||festival")},
	}
	for _, id := range aContext {
		ps = append(ps, probe{"A's own Context button " + id, btn(id)})
	}
	return ps
}

// aShows are A's own requests, each with what it must show of A's
// articles in the deployment where A has them.
var aShows = []struct {
	name string
	make func(d *deployment) *discordgo.Interaction
	want string
}{
	{"/search with A's source", func(d *deployment) *discordgo.Interaction {
		return d.command(serverA, "search", opt("keywords", "festival"), opt("source", "Quayside Gazette"))
	}, "Port Ellery"},
	{"/summary on A's day", func(d *deployment) *discordgo.Interaction {
		return d.command(serverA, "summary", opt("date", "2024-10-02"))
	}, "Ellery"},
	{"/sources", func(d *deployment) *discordgo.Interaction { return d.command(serverA, "sources") }, "Quayside Gazette"},
	{"source autocomplete", func(d *deployment) *discordgo.Interaction { return d.autocomplete(serverA, "search", "source", "Quay") }, "Quayside Gazette"},
	{"author autocomplete", func(d *deployment) *discordgo.Interaction { return d.autocomplete(serverA, "search", "author", "Ilse") }, "Vandermeer"},
	{"day autocomplete", func(d *deployment) *discordgo.Interaction {
		return d.autocomplete(serverA, "summary", "date", "2024-10")
	}, "2024-10-02"},
}

func TestServerBSeesNothingOfServerA(t *testing.T) {
	with, without := startDeployment(t), startDeployment(t)
	aDir := filepath.Join(with.root, "a")
	writeAOnly(t, aDir)
	with.ingestA(aDir)

	// A asks its own sentence: the answer quotes A's article and offers
	// its Context button, the real custom_id B will replay.
	aAnswer := with.send(with.command(serverA, "ask", opt("question", aQuestion)))
	if !strings.Contains(aAnswer.String(), "48,000") {
		t.Fatalf("A's /ask does not quote A's article: %s", aAnswer)
	}
	var aContext []string
	for _, id := range aAnswer.customIDs() {
		if id = strings.TrimSuffix(strings.TrimPrefix(id, `"custom_id":"`), `"`); strings.Contains(id, "harbour-lights#") {
			aContext = append(aContext, id)
		}
	}
	if len(aContext) == 0 {
		t.Errorf("A's answer has no Context button of A's article: %s", aAnswer.Components)
	}
	for _, id := range aContext {
		if r := with.send(with.button(serverA, id)); !strings.Contains(r.String(), "Lanterns made by the town") {
			t.Errorf("A's Context button %s does not show A's article: %s", id, r)
		}
	}
	without.send(without.command(serverA, "ask", opt("question", aQuestion))) // the twins stay alike
	for _, s := range aShows {
		r := with.send(s.make(with))
		if !strings.Contains(r.String(), s.want) {
			t.Errorf("A's %s does not show %q: %s", s.name, s.want, r)
		}
		without.send(s.make(without))
	}

	for _, p := range bProbes(aContext) {
		got, want := with.send(p.make(with)), without.send(p.make(without))
		if strings.Contains(got.Content, "faster than I can read") {
			t.Errorf("B's %s met the rate limit, which says nothing of A: %s", p.name, got)
		}
		if got.String() != want.String() {
			t.Errorf("B's %s differs when A has articles:\n%s\nwhen A has none:\n%s", p.name, got, want)
		}
		if l := leaks(withoutWords(got.String(), []string{"Quayside Gazette", "Ilse Vandermeer", "Ellery lanterns", aQuestion, "harbour-lights#1"})); len(l) > 0 {
			t.Errorf("B's %s shows A's %v: %s", p.name, l, got)
		}
	}
	// /stats: B's counts are the shared space's, whatever A holds.
	got, want := statsCounts(t, with.send(with.command(serverB, "stats"))), statsCounts(t, without.send(without.command(serverB, "stats")))
	if got["Articles"] != want["Articles"] || got["Paragraphs"] != want["Paragraphs"] {
		t.Errorf("B's /stats counts %v when A has articles, %v when it has none", got, want)
	}
	if a := statsCounts(t, with.send(with.command(serverA, "stats"))); a["Articles"] == got["Articles"] {
		t.Errorf("A's /stats %v does not count A's articles (B's: %v)", a, got)
	}
	// A server BRIEFBOT_SERVERS does not list gets one private line.
	const serverC = "913425648685547543"
	if r := with.send(with.command(serverC, "sources")); !r.Ephemeral || !strings.Contains(r.Content, "not enabled") || len(leaks(r.String())) > 0 {
		t.Errorf("/sources from a server not in BRIEFBOT_SERVERS: %s", r)
	}
}

// TestRemovingAServerCopyKeepsTheSharedOne: a file the shared space holds,
// ingested into A too, then removed from A's folder: A's copy goes, the
// shared one stays, and B (and A) still quote it.
func TestRemovingAServerCopyKeepsTheSharedOne(t *testing.T) {
	d := startDeployment(t)
	aDir := filepath.Join(d.root, "a")
	writeAOnly(t, aDir)
	sample, err := os.ReadFile(filepath.Join(d.root, "corpus", "kursk-troops.txt"))
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(aDir, "kursk-troops.txt")
	if err := os.WriteFile(copyPath, sample, 0o644); err != nil {
		t.Fatal(err)
	}
	sharedBefore := d.cli("sources", "--json").stdout
	if rep := d.ingestA(aDir); !strings.HasPrefix(rep, "3 added,") || !strings.Contains(rep, "1 article is also in the shared space: the server now has its own copy") {
		t.Errorf("ingest --server A of a folder with a shared file: %q", rep)
	}
	kursk := opt("question", "How many North Korean soldiers are in Russia's Kursk region?")
	before := d.send(d.command(serverB, "ask", kursk))
	if err := os.Remove(copyPath); err != nil {
		t.Fatal(err)
	}
	if rep := d.ingestA(aDir); !strings.HasPrefix(rep, "0 added, 0 updated, 1 removed, 2 unchanged") {
		t.Errorf("ingest --server A after removing the copy: %q", rep)
	}
	for _, server := range []string{serverB, serverA} {
		r := d.send(d.command(server, "ask", kursk))
		if !strings.Contains(r.String(), "11,000") {
			t.Errorf("after A's copy was removed, /ask in %s lacks the shared article: %s", server, r)
		}
		if server == serverB && r.String() != before.String() {
			t.Errorf("B's answer changed with A's copy:\nbefore %s\nafter %s", before, r)
		}
	}
	if r := d.cli("sources", "--json"); r.stdout != sharedBefore || !strings.Contains(r.stdout, `"articles":6`) {
		t.Errorf("the shared space's sources after A's copy came and went:\n%s\nbefore:\n%s", r.stdout, sharedBefore)
	}
	if r := d.cli("sources", "--json", "--server", serverA); !strings.Contains(r.stdout, `"articles":8`) {
		t.Errorf("A sees the shared space's 6 articles and its own 2: %s", r.stdout)
	}
	shared := d.cli("search", "--json", "North Korean soldiers Kursk")
	if !strings.Contains(shared.stdout, `"id":"kursk-troops"`) {
		t.Errorf("the shared copy is gone from the shared space: %s %s", shared.stdout, shared.stderr)
	}
}
