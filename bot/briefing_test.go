package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/atomicfile"
	"github.com/briefbot/briefbot/internal/discordtest"
)

// Two servers of the fake Discord: A is the fake's default server, B one
// modelled in full (its @everyone role may do everything but administer).
const (
	guildA = discordtest.DefaultGuildID
	guildB = "300000000000000002"
	chanA  = "500000000000000101"
	chanB  = "500000000000000201"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("no tzdata: %v", err)
	}
	return loc
}

// scopeEngine is an engine whose day summary names the server it was asked
// for, and which records every summary request with the scheduler's time.
type scopeEngine struct {
	stubEngine
	clock *fakeClock
	mu    sync.Mutex
	reqs  []summaryCall
}

type summaryCall struct {
	server string
	day    string // the local day asked for
	zone   string
	at     time.Time // the scheduler's clock when asked
}

func (e *scopeEngine) Summary(_ context.Context, req briefbot.SummaryRequest) (briefbot.Summary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reqs = append(e.reqs, summaryCall{server: req.Scope.Server, day: req.Day.Format(time.DateOnly), zone: req.Location.String(), at: e.clock.Now()})
	ref := briefbot.ArticleRef{ID: "kursk", Title: "Kursk reactor", Source: "example.com", URL: "https://example.com/kursk"}
	return briefbot.Summary{Articles: 1,
		Points:  []briefbot.Point{{Article: ref, Paragraph: 1, ID: "kursk#1", Text: "The reactor was shut down on Monday in server " + req.Scope.Server + "."}},
		Stories: []briefbot.Story{{Title: "Kursk reactor", Articles: []string{"kursk"}}},
	}, nil
}

// calls returns the summary requests made for server, as "day@UTC instant".
func (e *scopeEngine) calls(server string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, c := range e.reqs {
		if c.server == server {
			out = append(out, c.day+"@"+c.at.UTC().Format(time.RFC3339))
		}
	}
	return out
}

// briefingRig is Serve over the gateway of the fake Discord, with the
// scheduler on a fake clock that also is the handler's clock.
type briefingRig struct {
	fake  *discordtest.Server
	clock *fakeClock
	eng   *scopeEngine
	run   *running
}

func newBriefingFake(t *testing.T) *discordtest.Server {
	fake := discordtest.New(t)
	fake.SetGuild(discordtest.Guild{ID: guildB, Roles: []*discordgo.Role{{ID: guildB, Name: "@everyone",
		Permissions: discordgo.PermissionAll &^ discordgo.PermissionAdministrator}}})
	fake.SetChannel(&discordgo.Channel{ID: chanB, GuildID: guildB, Type: discordgo.ChannelTypeGuildText, Name: "news-b"})
	return fake
}

func startBriefing(t *testing.T, fake *discordtest.Server, cfg ServeConfig, start time.Time, mod ...func(*HandlerOptions)) *briefingRig {
	t.Helper()
	clock := newFakeClock(start)
	cfg.Clock = clock
	cfg.DeferAfter = 2 * time.Second // the checker's reads are fast; answer directly
	eng := &scopeEngine{clock: clock}
	opts := HandlerOptions{Now: clock.Now, Logger: cfg.Logger}
	for _, m := range mod {
		m(&opts)
	}
	h := NewHandler(eng, opts)
	rig := &briefingRig{fake: fake, clock: clock, eng: eng, run: startServe(t, cfg, h)}
	fake.WaitReady(5*time.Second, 1)
	return rig
}

// stop stops Serve, letting the scheduler arm (and drop) its last timers.
func (r *briefingRig) stop(t *testing.T) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.run.stop(t); err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	for {
		select {
		case <-done:
			return
		case <-r.clock.armed:
		}
	}
}

func subcommand(name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts}
}

func channelOpt(id string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: "channel", Type: discordgo.ApplicationCommandOptionChannel, Value: id}
}

// briefing sends /briefing <sub> from a member of guild with no permission
// of their own (Discord's command permissions let them use it), and returns
// the reply's text, which must be ephemeral.
func (r *briefingRig) briefing(t *testing.T, guild string, sub *discordgo.ApplicationCommandInteractionDataOption) string {
	t.Helper()
	i := r.fake.NewCommand(cmdBriefing, sub)
	i.GuildID = guild
	r.fake.DispatchInteraction(i)
	cb := r.fake.WaitRequests(5*time.Second, 1, "POST", `/api/v9/interactions/`+i.ID+`/[^/]+/callback`)[0]
	var body struct {
		Type int `json:"type"`
		Data struct {
			Content string `json:"content"`
			Flags   int    `json:"flags"`
		} `json:"data"`
	}
	cb.Decode(t, &body)
	if body.Data.Flags&int(discordgo.MessageFlagsEphemeral) == 0 {
		t.Errorf("/briefing %s: reply not ephemeral: %s", sub.Name, cb.Body)
	}
	if body.Type == int(discordgo.InteractionResponseDeferredChannelMessageWithSource) {
		edit := r.fake.WaitRequests(5*time.Second, 1, "PATCH", `/api/v9/webhooks/[0-9]+/`+i.Token+`/messages/@original`)[0]
		edit.Decode(t, &body.Data)
	}
	requireNoMentions(t, cb.Body)
	return body.Data.Content
}

func setOpts(ch, at, zone string) *discordgo.ApplicationCommandInteractionDataOption {
	opts := []*discordgo.ApplicationCommandInteractionDataOption{channelOpt(ch), discordtest.StringOption("time", at)}
	if zone != "" {
		opts = append(opts, discordtest.StringOption("zone", zone))
	}
	return subcommand("set", opts...)
}

// contents is the day line of each message in ch.
func contents(fake *discordtest.Server, ch string) []string {
	var out []string
	for _, m := range fake.Messages(ch) {
		out = append(out, strings.SplitN(m.Content, "\n", 2)[0])
	}
	return out
}

// Two servers in different zones each get one post per local day at their
// own 08:00, covering their own space, across New York's spring-forward day
// (8 March 2026) and a restart between the two servers' posts.
func TestBriefingTwoServersOncePerLocalDay(t *testing.T) {
	t.Parallel()
	fake := newBriefingFake(t)
	cfg := baseConfig(t, fake)
	rig := startBriefing(t, fake, cfg, time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC))
	if got := rig.briefing(t, guildA, setOpts(chanA, "08:00", "europe/berlin")); !strings.Contains(got, "<#"+chanA+"> every day at 08:00 (Europe/Berlin)") {
		t.Fatalf("/briefing set in A: %q", got)
	}
	if got := rig.briefing(t, guildB, setOpts(chanB, "8:00", "America/New_York")); !strings.Contains(got, "at 08:00 (America/New_York)") {
		t.Fatalf("/briefing set in B: %q", got)
	}
	rig.clock.runUntil(t, time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC))
	rig.stop(t)
	// Restarted at 10:00 UTC on the 9th: A has posted that day, B not yet.
	second := startBriefing(t, fake, cfg, time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC))
	second.clock.runUntil(t, time.Date(2026, 3, 10, 23, 0, 0, 0, time.UTC))
	second.stop(t)

	wantA := []string{"2026-03-07@2026-03-07T07:00:00Z", "2026-03-08@2026-03-08T07:00:00Z", "2026-03-09@2026-03-09T07:00:00Z"}
	wantB := []string{"2026-03-07@2026-03-07T13:00:00Z", "2026-03-08@2026-03-08T12:00:00Z"}
	if got := rig.eng.calls(guildA); strings.Join(got, " ") != strings.Join(wantA, " ") {
		t.Errorf("server A before the restart: %v, want %v", got, wantA)
	}
	if got := rig.eng.calls(guildB); strings.Join(got, " ") != strings.Join(wantB, " ") {
		t.Errorf("server B before the restart: %v, want %v (EST, then EDT)", got, wantB)
	}
	wantA2 := []string{"2026-03-10@2026-03-10T07:00:00Z"}
	wantB2 := []string{"2026-03-09@2026-03-09T12:00:00Z", "2026-03-10@2026-03-10T12:00:00Z"}
	if got := second.eng.calls(guildA); strings.Join(got, " ") != strings.Join(wantA2, " ") {
		t.Errorf("server A after the restart: %v, want %v", got, wantA2)
	}
	if got := second.eng.calls(guildB); strings.Join(got, " ") != strings.Join(wantB2, " ") {
		t.Errorf("server B after the restart: %v, want %v", got, wantB2)
	}
	for _, c := range []struct{ ch, guild string }{{chanA, guildA}, {chanB, guildB}} {
		msgs := fake.Messages(c.ch)
		days := contents(fake, c.ch)
		want := []string{"Saturday 7 March 2026", "Sunday 8 March 2026", "Monday 9 March 2026", "Tuesday 10 March 2026"}
		if len(days) != len(want) {
			t.Fatalf("channel %s holds %d posts, want one per day: %q", c.ch, len(days), days)
		}
		for n, d := range days {
			if !strings.Contains(d, want[n]) {
				t.Errorf("post %d in %s is %q, want the briefing of %s", n, c.ch, d, want[n])
			}
			raw, _ := json.Marshal(msgs[n])
			if !strings.Contains(string(raw), "in server "+c.guild) {
				t.Errorf("post %d in %s does not cover its own server's space: %s", n, c.ch, raw)
			}
		}
	}
}

// /briefing set checks the bot's permissions in the channel at once and
// names what is missing instead of storing a setting that would fail.
func TestBriefingSetRefusedNamesMissingPermission(t *testing.T) {
	t.Parallel()
	fake := newBriefingFake(t)
	all := int64(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks | discordgo.PermissionReadMessageHistory)
	fake.SetChannelPermissions(chanA, all&^discordgo.PermissionEmbedLinks)
	const hidden = "500000000000000102"
	fake.SetChannelPermissions(hidden, 0)
	// In B, a role overwrite on the channel takes Send Messages and Read
	// Message History from @everyone.
	fake.SetChannel(&discordgo.Channel{ID: chanB, GuildID: guildB, Type: discordgo.ChannelTypeGuildText, Name: "news-b",
		PermissionOverwrites: []*discordgo.PermissionOverwrite{{ID: guildB, Type: discordgo.PermissionOverwriteTypeRole,
			Deny: discordgo.PermissionSendMessages | discordgo.PermissionReadMessageHistory}}})
	rig := startBriefing(t, fake, baseConfig(t, fake), time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		guild, ch string
		want      string
	}{
		{guildA, chanA, "I'm missing **Embed Links** there"},
		{guildA, hidden, "I'm missing **View Channel** there"},
		{guildB, chanB, "I'm missing **Send Messages** and **Read Message History** there"},
		{guildB, chanA, "I can't find <#" + chanA + ">"},
	} {
		got := rig.briefing(t, tc.guild, setOpts(tc.ch, "08:00", "UTC"))
		if !strings.Contains(got, tc.want) || !strings.Contains(got, "nothing was changed") && !strings.Contains(got, "I can't find") {
			t.Errorf("set %s in %s: %q, want %q", tc.ch, tc.guild, got, tc.want)
		}
	}
	// Server A's channel, named in B, reads as a channel that does not
	// exist: the same words, only the id differs.
	const nowhere = "500000000000000999"
	fromB := rig.briefing(t, guildB, setOpts(chanA, "08:00", "UTC"))
	unknown := rig.briefing(t, guildB, setOpts(nowhere, "08:00", "UTC"))
	if strings.ReplaceAll(fromB, chanA, nowhere) != unknown {
		t.Errorf("another server's channel: %q; a channel that does not exist: %q", fromB, unknown)
	}
	for _, g := range []string{guildA, guildB} {
		if got := rig.briefing(t, g, subcommand("show")); !strings.Contains(got, "has no daily briefing") {
			t.Errorf("show in %s after refusals: %q", g, got)
		}
	}
	rig.clock.runUntil(t, time.Date(2026, 3, 8, 23, 0, 0, 0, time.UTC))
	rig.stop(t)
	if n := len(fake.Find("POST", `/api/v9/channels/[0-9]+/messages`)); n != 0 {
		t.Errorf("%d posts after refused settings", n)
	}
}

// A post refused for want of a permission (403 50013) is shown by
// /briefing show with the permission to grant, and cleared by the next
// successful post; a deleted channel (10003) is shown as such.
func TestBriefingFailureShownThenCleared(t *testing.T) {
	t.Parallel()
	fake := newBriefingFake(t)
	rig := startBriefing(t, fake, baseConfig(t, fake), time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC))
	if got := rig.briefing(t, guildB, setOpts(chanB, "09:00", "UTC")); !strings.Contains(got, "Done") {
		t.Fatalf("set: %q", got)
	}
	// Someone takes Send Messages from the bot after the setting.
	fake.SetChannel(&discordgo.Channel{ID: chanB, GuildID: guildB, Type: discordgo.ChannelTypeGuildText, Name: "news-b",
		PermissionOverwrites: []*discordgo.PermissionOverwrite{{ID: guildB, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionSendMessages}}})
	rig.clock.runUntil(t, time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC))
	if posts := fake.Find("POST", `/api/v9/channels/`+chanB+`/messages`); len(posts) != 1 || posts[0].Status != 403 {
		t.Fatalf("post attempts %d, want one refused", len(posts))
	}
	got := rig.briefing(t, guildB, subcommand("show"))
	for _, want := range []string{"not posted", "2026-03-07", "50013", "I'm missing **Send Messages** in <#" + chanB + ">", "grant it to the bot"} {
		if !strings.Contains(got, want) {
			t.Errorf("show after the refusal lacks %q: %q", want, got)
		}
	}
	// Granted again: the next day's post goes out and clears the failure.
	fake.SetChannel(&discordgo.Channel{ID: chanB, GuildID: guildB, Type: discordgo.ChannelTypeGuildText, Name: "news-b"})
	rig.clock.runUntil(t, time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC))
	got = rig.briefing(t, guildB, subcommand("show"))
	if strings.Contains(got, "not posted") || !strings.Contains(got, "Last posted: the briefing of 2026-03-08") {
		t.Errorf("show after a successful post: %q", got)
	}
	// The channel is deleted: Discord answers 404 10003.
	fake.Script("POST", `/api/v9/channels/`+chanB+`/messages`, discordtest.APIError(404, 10003, "Unknown Channel"))
	rig.clock.runUntil(t, time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC))
	got = rig.briefing(t, guildB, subcommand("show"))
	if !strings.Contains(got, "no longer exists") || !strings.Contains(got, "2026-03-09") {
		t.Errorf("show after the channel was deleted: %q", got)
	}
	rig.stop(t)
	if n := len(fake.Messages(chanB)); n != 1 {
		t.Errorf("%d messages, want the one of 8 March", n)
	}
}

// /briefing off stops the posts at once, without a restart; /briefing show
// and off then say there is none.
func TestBriefingOffStopsPosts(t *testing.T) {
	t.Parallel()
	fake := newBriefingFake(t)
	rig := startBriefing(t, fake, baseConfig(t, fake), time.Date(2026, 3, 7, 10, 0, 0, 0, time.UTC))
	// Set after today's 08:00: the first post is tomorrow's, not one at once.
	if got := rig.briefing(t, guildA, setOpts(chanA, "08:00", "UTC")); !strings.Contains(got, fmt.Sprintf("<t:%d:F>", time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC).Unix())) {
		t.Errorf("set reply does not name tomorrow 08:00 as the first post: %q", got)
	}
	rig.clock.runUntil(t, time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC))
	if n := len(fake.Messages(chanA)); n != 1 {
		t.Fatalf("%d posts by 8 March noon, want 1 (none on the day it was set)", n)
	}
	if got := rig.briefing(t, guildA, subcommand("off")); !strings.Contains(got, "is off") {
		t.Errorf("off: %q", got)
	}
	rig.clock.runUntil(t, time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC))
	if n := len(fake.Messages(chanA)); n != 1 {
		t.Errorf("%d posts after /briefing off, want still 1", n)
	}
	if got := rig.briefing(t, guildA, subcommand("show")); !strings.Contains(got, "has no daily briefing") {
		t.Errorf("show after off: %q", got)
	}
	if got := rig.briefing(t, guildA, subcommand("off")); !strings.Contains(got, "no daily briefing to turn off") {
		t.Errorf("off twice: %q", got)
	}
	rig.stop(t)
}

// /briefing off and then set again on a day already posted does not post
// that day a second time, even at a later time of day: off keeps the record
// of the last post.
func TestBriefingOffThenSetSameDayPostsOnce(t *testing.T) {
	t.Parallel()
	fake := newBriefingFake(t)
	rig := startBriefing(t, fake, baseConfig(t, fake), time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC))
	rig.briefing(t, guildA, setOpts(chanA, "08:00", "UTC"))
	rig.clock.runUntil(t, time.Date(2026, 3, 8, 9, 0, 0, 0, time.UTC))
	if n := len(fake.Messages(chanA)); n != 1 {
		t.Fatalf("%d posts by 8 March 09:00, want 1", n)
	}
	// Discord forgets a nonce within minutes: it cannot stand in for the
	// record of the day's post.
	fake.Advance(11 * time.Hour)
	if got := rig.briefing(t, guildA, subcommand("off")); !strings.Contains(got, "is off") {
		t.Fatalf("off: %q", got)
	}
	rig.briefing(t, guildA, setOpts(chanA, "20:00", "UTC"))
	rig.clock.runUntil(t, time.Date(2026, 3, 8, 23, 0, 0, 0, time.UTC))
	if n := len(fake.Messages(chanA)); n != 1 {
		t.Errorf("%d posts on 8 March after off and set again, want still 1", n)
	}
	rig.clock.runUntil(t, time.Date(2026, 3, 9, 21, 0, 0, 0, time.UTC))
	if n := len(fake.Messages(chanA)); n != 2 {
		t.Errorf("%d posts by 9 March 21:00, want 2 (the new time works the next day)", n)
	}
	rig.stop(t)
}

// The operator's BRIEFBOT_SUMMARY_CHANNEL is one more entry, for the server
// that channel belongs to: its state file from before per-server settings
// is kept (no second post on the upgrade day), the post covers that
// server's space, /briefing show there says the operator set it, and set
// and off there are refused.
func TestBriefingOperatorEntry(t *testing.T) {
	t.Parallel()
	loc := zone(t, "Europe/Berlin")
	fake := newBriefingFake(t)
	const opChan = "500000000000000301"
	fake.SetChannel(&discordgo.Channel{ID: opChan, GuildID: guildB, Type: discordgo.ChannelTypeGuildText, Name: "briefing"})
	cfg := baseConfig(t, fake)
	cfg.SummaryChannel, cfg.SummaryAt, cfg.Location = opChan, "07:30", loc
	// Before the upgrade, today's post went out.
	if err := atomicfile.WriteJSON(filepath.Join(cfg.StateDir, dailyStateFile), dailyState{LastDay: "2026-03-07", Outcome: "posted", Channel: opChan}); err != nil {
		t.Fatal(err)
	}
	rig := startBriefing(t, fake, cfg, time.Date(2026, 3, 7, 9, 0, 0, 0, loc))
	got := rig.briefing(t, guildB, subcommand("show"))
	for _, want := range []string{"<#" + opChan + "> every day at 07:30 (Europe/Berlin)", "operator's configuration", "Last posted: the briefing of 2026-03-07"} {
		if !strings.Contains(got, want) {
			t.Errorf("show in the operator's server lacks %q: %q", want, got)
		}
	}
	for _, sub := range []*discordgo.ApplicationCommandInteractionDataOption{setOpts(chanB, "09:00", "UTC"), subcommand("off")} {
		if got := rig.briefing(t, guildB, sub); !strings.Contains(got, "set by the bot operator's configuration") {
			t.Errorf("/briefing %s in the operator's server: %q", sub.Name, got)
		}
	}
	if got := rig.briefing(t, guildA, subcommand("show")); !strings.Contains(got, "has no daily briefing") {
		t.Errorf("show in another server: %q", got)
	}
	rig.clock.runUntil(t, time.Date(2026, 3, 8, 23, 0, 0, 0, loc))
	rig.stop(t)
	if got, want := rig.eng.calls(guildB), []string{"2026-03-08@2026-03-08T06:30:00Z"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("operator entry summaries %v, want %v (server B's space, not again on the 7th)", got, want)
	}
	if days := contents(fake, opChan); len(days) != 1 || !strings.Contains(days[0], "Sunday 8 March 2026") {
		t.Errorf("operator channel posts %q, want the one of 8 March", days)
	}
	if n := len(fake.Messages(chanB)); n != 0 {
		t.Errorf("%d posts in B's other channel", n)
	}
}

// The zone option suggests IANA names by prefix, by city and by part, and
// every suggested name loads.
func TestBriefingZoneAutocomplete(t *testing.T) {
	t.Parallel()
	for _, z := range ianaZones {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("listed zone %q does not load: %v", z, err)
		}
	}
	h := NewHandler(&stubEngine{}, HandlerOptions{})
	for _, tc := range []struct{ typed, first string }{
		{"europe/ber", "Europe/Berlin"},
		{"berl", "Europe/Berlin"},
		{"new y", "America/New_York"},
		{"", "Africa/Abidjan"},
	} {
		zoneOpt := discordtest.StringOption("zone", tc.typed)
		zoneOpt.Focused = true
		i := guildCommand("1", 0, cmdBriefing, subcommand("set", channelOpt(chanA), zoneOpt))
		i.Type = discordgo.InteractionApplicationCommandAutocomplete
		resp := h.Handle(context.Background(), i)
		if resp.Type != discordgo.InteractionApplicationCommandAutocompleteResult || len(resp.Data.Choices) == 0 {
			t.Fatalf("%q: %+v", tc.typed, resp)
		}
		if got := resp.Data.Choices[0].Value; got != tc.first || len(resp.Data.Choices) > maxChoices {
			t.Errorf("%q: first choice %v of %d, want %s", tc.typed, got, len(resp.Data.Choices), tc.first)
		}
	}
}

// /briefing set with a zone that is not one, or a time that is not HH:MM,
// is refused before any Discord check; in a DM it is refused.
func TestBriefingSetBadInput(t *testing.T) {
	t.Parallel()
	store, _ := NewBriefingStore("")
	h := NewHandler(&stubEngine{}, HandlerOptions{Briefings: store, ChannelChecker: refusingChecker{t}})
	for _, tc := range []struct {
		sub  *discordgo.ApplicationCommandInteractionDataOption
		want string
	}{
		{setOpts(chanA, "25:00", "UTC"), "HH:MM"},
		{setOpts(chanA, "08:00", "Mars/Olympus"), "not a time zone I know"},
		{setOpts(chanA, "08:00", "Local"), "not a time zone name"},
		{setOpts("#news", "08:00", "UTC"), "text channel"},
	} {
		resp := h.Handle(context.Background(), guildCommand("1", 0, cmdBriefing, tc.sub))
		if !strings.Contains(resp.Data.Content, tc.want) || resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Errorf("%v: %q, want an ephemeral %q", tc.sub.Options, resp.Data.Content, tc.want)
		}
	}
	// Deferred, the reply stays ephemeral.
	if d := h.Deferral(guildCommand("1", 0, cmdBriefing, subcommand("show"))); d.Data == nil || d.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("/briefing deferral not ephemeral: %+v", d)
	}
	dm := dmCommand("1", cmdBriefing, subcommand("show"))
	if resp := h.Handle(context.Background(), dm); !strings.Contains(resp.Data.Content, "only inside a server") {
		t.Errorf("DM: %q", resp.Data.Content)
	}
}

type refusingChecker struct{ t *testing.T }

func (c refusingChecker) CheckChannel(context.Context, string) (ChannelAccess, error) {
	c.t.Error("the channel was checked for input that is refused anyway")
	return ChannelAccess{}, nil
}

// Over the HTTP interactions endpoint, signed interactions from two server
// ids each set and see their own server's briefing only.
func TestBriefingHTTPTwoServersSeeTheirOwn(t *testing.T) {
	t.Parallel()
	fake := newBriefingFake(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(t, fake)
	cfg.Listener, cfg.PublicKey = ln, fake.PublicKey()
	clock := newFakeClock(time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC))
	cfg.Clock, cfg.DeferAfter = clock, 2*time.Second
	eng := &scopeEngine{clock: clock}
	rig := &briefingRig{fake: fake, clock: clock, eng: eng,
		run: startServe(t, cfg, NewHandler(eng, HandlerOptions{Now: clock.Now, Logger: cfg.Logger}))}
	url := "http://" + ln.Addr().String() + "/"
	send := func(guild string, sub *discordgo.ApplicationCommandInteractionDataOption) string {
		t.Helper()
		i := fake.NewCommand(cmdBriefing, sub)
		i.GuildID = guild
		in := fake.PostInteraction(url, i)
		var body struct {
			Type int `json:"type"`
			Data struct {
				Content string `json:"content"`
				Flags   int    `json:"flags"`
			} `json:"data"`
		}
		if err := json.Unmarshal(in.Body, &body); err != nil || !in.Accepted || body.Type != 4 || body.Data.Flags&int(discordgo.MessageFlagsEphemeral) == 0 {
			t.Fatalf("/briefing %s in %s: %d %s (accepted %v), want an ephemeral reply", sub.Name, guild, in.Status, in.Body, in.Accepted)
		}
		return body.Data.Content
	}
	send(guildA, setOpts(chanA, "06:00", "Asia/Tokyo"))
	send(guildB, setOpts(chanB, "18:00", "UTC"))
	if got := send(guildA, subcommand("show")); !strings.Contains(got, "<#"+chanA+"> every day at 06:00 (Asia/Tokyo)") || strings.Contains(got, chanB) {
		t.Errorf("show in A: %q", got)
	}
	if got := send(guildB, subcommand("show")); !strings.Contains(got, "<#"+chanB+"> every day at 18:00 (UTC)") || strings.Contains(got, chanA) {
		t.Errorf("show in B: %q", got)
	}
	rig.clock.runUntil(t, time.Date(2026, 3, 8, 20, 0, 0, 0, time.UTC))
	rig.stop(t)
	// Tokyo's 06:00 is 21:00 UTC the day before: 8 March's post is at
	// 7 March 21:00 UTC (7 March's had passed when it was set).
	if got, want := eng.calls(guildA), "2026-03-08@2026-03-07T21:00:00Z"; strings.Join(got, " ") != want {
		t.Errorf("server A: %v, want [%s]", got, want)
	}
	if got, want := eng.calls(guildB), "2026-03-07@2026-03-07T18:00:00Z 2026-03-08@2026-03-08T18:00:00Z"; strings.Join(got, " ") != want {
		t.Errorf("server B: %v, want [%s]", got, want)
	}
}

// A server taken off BRIEFBOT_SERVERS keeps its stored setting but gets no
// post: the bot is not enabled there any more.
func TestBriefingNotPostedWhereNotEnabled(t *testing.T) {
	t.Parallel()
	fake := newBriefingFake(t)
	cfg := baseConfig(t, fake)
	rig := startBriefing(t, fake, cfg, time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC))
	rig.briefing(t, guildA, setOpts(chanA, "08:00", "UTC"))
	rig.briefing(t, guildB, setOpts(chanB, "08:00", "UTC"))
	rig.stop(t)
	only := startBriefing(t, fake, cfg, time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC),
		func(o *HandlerOptions) { o.Servers = []string{guildA} })
	only.clock.runUntil(t, time.Date(2026, 3, 7, 23, 0, 0, 0, time.UTC))
	only.stop(t)
	if a, b := len(fake.Messages(chanA)), len(fake.Messages(chanB)); a != 1 || b != 0 {
		t.Errorf("posts: %d in A (enabled), %d in B (not enabled); want 1 and 0", a, b)
	}
}
