package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/bot"
)

const (
	shareGuild   = "300000000000000011"
	shareChannel = "500000000000000111"
)

// anyChannel finds every channel in shareGuild, with every permission.
type anyChannel struct{}

func (anyChannel) CheckChannel(context.Context, string) (bot.ChannelAccess, error) {
	return bot.ChannelAccess{GuildID: shareGuild}, nil
}

// sharingHandler is the handler serve builds on replica d: its settings
// in stateDir, its feedback log there too, shared with the others.
func sharingHandler(t *testing.T, d *replicaRun, stateDir string) (*bot.Handler, bot.HandlerOptions) {
	t.Helper()
	opts := bot.HandlerOptions{ChannelChecker: anyChannel{}, FeedbackLog: filepath.Join(stateDir, "feedback.jsonl")}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.shareWithReplicas(ctx, stateDir, &opts); err != nil {
		t.Fatal(err)
	}
	return bot.NewHandler(d.ix, opts), opts
}

func guildInteraction(id string, typ discordgo.InteractionType, data discordgo.InteractionData) *discordgo.Interaction {
	return &discordgo.Interaction{ID: id, AppID: "2", Type: typ, GuildID: shareGuild, ChannelID: shareChannel, Token: "token-" + id,
		Member: &discordgo.Member{User: &discordgo.User{ID: "4000000000000000" + id}, Permissions: discordgo.PermissionAdministrator},
		Data:   data}
}

func slash(id, name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	return guildInteraction(id, discordgo.InteractionApplicationCommand,
		discordgo.ApplicationCommandInteractionData{ID: "5", Name: name, CommandType: discordgo.ChatApplicationCommand, Options: opts})
}

func briefingSub(name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	return slash("11", "briefing", &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts})
}

func briefingSet(at, zone string) *discordgo.Interaction {
	return briefingSub("set",
		&discordgo.ApplicationCommandInteractionDataOption{Name: "channel", Type: discordgo.ApplicationCommandOptionChannel, Value: shareChannel},
		&discordgo.ApplicationCommandInteractionDataOption{Name: "time", Type: discordgo.ApplicationCommandOptionString, Value: at},
		&discordgo.ApplicationCommandInteractionDataOption{Name: "zone", Type: discordgo.ApplicationCommandOptionString, Value: zone})
}

// showUntil asks /briefing show on h until its reply satisfies ok.
func showUntil(t *testing.T, h *bot.Handler, what string, ok func(string) bool) {
	t.Helper()
	var got string
	eventually(t, 20*time.Second, func() bool {
		got = h.Handle(context.Background(), briefingSub("show")).Data.Content
		return ok(got)
	}, func() string { return fmt.Sprintf("%s: /briefing show says %q", what, got) })
}

// Two replicas on embedded NATS: /briefing set on a is in b's store and
// settings file, and b's /briefing show shows it; off on b reaches a; a
// third replica started later knows the setting at once, and offers the
// deployment the setting its file held from before.
func TestBriefingSettingsSharedByReplicas(t *testing.T) {
	ns := singleNATS(t)
	a, _ := testReplica(t, ns.URL(), "a")
	b, _ := testReplica(t, ns.URL(), "b")
	dirB := t.TempDir()
	ha, optsA := sharingHandler(t, a, t.TempDir())
	hb, optsB := sharingHandler(t, b, dirB)
	ctx := context.Background()

	if got := ha.Handle(ctx, briefingSet("07:45", "Europe/Lisbon")).Data.Content; !strings.Contains(got, "every day at 07:45 (Europe/Lisbon)") {
		t.Fatalf("/briefing set on a: %q", got)
	}
	want := "<#" + shareChannel + "> every day at 07:45 (Europe/Lisbon)"
	showUntil(t, hb, "b after the set on a", func(s string) bool { return strings.Contains(s, want) })
	if raw, err := os.ReadFile(filepath.Join(dirB, "briefings.json")); err != nil || !strings.Contains(string(raw), `"at": "07:45"`) && !strings.Contains(string(raw), `"at":"07:45"`) {
		t.Errorf("b's settings file: %s %v", raw, err)
	}
	if optsB.ReplicaName != "b" || optsB.Feedback == nil || optsB.Briefings == nil {
		t.Errorf("b's handler options: %+v", optsB)
	}

	// A third replica, its file holding another server's setting from
	// before it was a replica.
	other := "300000000000000012"
	dirC := t.TempDir()
	before := `{"servers":{"` + other + `":{"channel":"500000000000000112","at":"06:00","zone":"UTC","state":{}}}}`
	if err := os.WriteFile(filepath.Join(dirC, "briefings.json"), []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := testReplica(t, ns.URL(), "c")
	hc, _ := sharingHandler(t, c, dirC)
	if got := hc.Handle(ctx, briefingSub("show")).Data.Content; !strings.Contains(got, want) {
		t.Errorf("c, started after the set: %q", got)
	}
	showUntil(t, ha, "a after c joined", func(string) bool {
		b, ok := optsA.Briefings.Setting(other)
		return ok && b.At == "06:00"
	})

	hb.Handle(ctx, briefingSub("off"))
	showUntil(t, ha, "a after off on b", func(s string) bool { return !strings.Contains(s, shareChannel) })
	showUntil(t, hc, "c after off on b", func(s string) bool { return !strings.Contains(s, shareChannel) })
}

// vote clicks 👍 ("u") or 👎 ("d") on answer msg as user.
func vote(t *testing.T, h *bot.Handler, user, which, msg string) {
	t.Helper()
	i := guildInteraction("21", discordgo.InteractionMessageComponent,
		discordgo.MessageComponentInteractionData{CustomID: "f|" + which, ComponentType: discordgo.ButtonComponent})
	i.Member.User.ID = user
	i.Message = &discordgo.Message{ID: msg}
	if got := h.Handle(context.Background(), i).Data.Content; !strings.Contains(got, "noted") {
		t.Fatalf("vote %s by %s: %q", which, user, got)
	}
}

// statsEmbed is /stats on h.
func statsEmbed(t *testing.T, h *bot.Handler) *discordgo.MessageEmbed {
	t.Helper()
	resp := h.Handle(context.Background(), slash("31", "stats"))
	if resp.Data == nil || len(resp.Data.Embeds) != 1 {
		t.Fatalf("/stats: %+v", resp.Data)
	}
	return resp.Data.Embeds[0]
}

// Votes cast through two replicas are counted alike by both (a changed
// vote once, a vote in another server not at all), each vote also in the
// log of the replica it came through; /stats names the replica.
func TestFeedbackSharedByReplicas(t *testing.T) {
	ns := singleNATS(t)
	a, _ := testReplica(t, ns.URL(), "a")
	b, _ := testReplica(t, ns.URL(), "b")
	dirA := t.TempDir()
	ha, _ := sharingHandler(t, a, dirA)
	hb, _ := sharingHandler(t, b, t.TempDir())
	const u1, u2, u3 = "400000000000000001", "400000000000000002", "400000000000000003"
	vote(t, ha, u1, "u", "600000000000000001")
	vote(t, hb, u2, "u", "600000000000000001")
	vote(t, hb, u1, "d", "600000000000000001") // u1 changes their mind, through b
	vote(t, ha, u3, "d", "600000000000000002")
	elsewhere := guildInteraction("22", discordgo.InteractionMessageComponent,
		discordgo.MessageComponentInteractionData{CustomID: "f|u", ComponentType: discordgo.ButtonComponent})
	elsewhere.GuildID, elsewhere.Message = "300000000000000099", &discordgo.Message{ID: "600000000000000003"}
	hb.Handle(context.Background(), elsewhere)

	for name, h := range map[string]*bot.Handler{"a": ha, "b": hb} {
		e := statsEmbed(t, h)
		if fb := embedField(e, "Feedback"); fb != "👍 1 · 👎 2" {
			t.Errorf("/stats on %s: feedback %q, want 👍 1 · 👎 2", name, fb)
		}
		if e.Footer == nil || e.Footer.Text != "Answered by replica "+name || !strings.Contains(e.Description, "Articles and feedback: the whole deployment's") {
			t.Errorf("/stats on %s does not say whose figures are whose: %q %+v", name, e.Description, e.Footer)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dirA, "feedback.jsonl"))
	if err != nil || strings.Count(string(raw), "\n") != 2 {
		t.Errorf("a's feedback log: %q %v, want the 2 votes cast through a", raw, err)
	}
}

// A single instance turned replica brings the votes of its feedback log
// into the deployment (in the background, once): /stats on another
// replica counts them, and the marker beside the log stops a second offer.
func TestEarlierVotesShared(t *testing.T) {
	ns := singleNATS(t)
	a, _ := testReplica(t, ns.URL(), "a")
	b, _ := testReplica(t, ns.URL(), "b")
	dirA := t.TempDir()
	logA := filepath.Join(dirA, "feedback.jsonl")
	earlier := `{"time":"2026-03-01T10:00:00Z","vote":"up","user":"u1","guild":"` + shareGuild + `","message":"600000000000000001"}
{"time":"2026-03-01T10:01:00Z","vote":"down","user":"u2","guild":"` + shareGuild + `","message":"600000000000000001"}
{"time":"2026-03-01T10:02:00Z","vote":"up","user":"u3","guild":"` + shareGuild + `","message":"600000000000000002"}
`
	if err := os.WriteFile(logA, []byte(earlier), 0o644); err != nil {
		t.Fatal(err)
	}
	sharingHandler(t, a, dirA)
	hb, _ := sharingHandler(t, b, t.TempDir())
	// The marker is written once every vote is offered.
	eventually(t, 30*time.Second, func() bool { _, err := os.Stat(logA + ".shared"); return err == nil },
		func() string { return "a's earlier votes were not marked shared within 30 s" })
	if got := embedField(statsEmbed(t, hb), "Feedback"); got != "👍 2 · 👎 1" {
		t.Errorf("/stats on b: feedback %q, want a's earlier 👍 2 · 👎 1", got)
	}
}

// embedField is the value of e's field name ("" when it has none).
func embedField(e *discordgo.MessageEmbed, name string) string {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Keys hold what they may: ids and hashes as they are, anything else
// hashed, a DM's votes apart from every server's.
func TestFeedbackKey(t *testing.T) {
	for _, tc := range []struct {
		v    bot.SharedVote
		want string
	}{
		{bot.SharedVote{Guild: "3", Answer: "500", User: "ab12"}, "g3.500.ab12"},
		{bot.SharedVote{Answer: "500", User: "ab12"}, "dm.500.ab12"},
	} {
		if got := feedbackKey(tc.v); got != tc.want {
			t.Errorf("feedbackKey(%+v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	odd := feedbackKey(bot.SharedVote{Guild: "3", Answer: "a.b*>", User: ""})
	if parts := strings.Split(odd, "."); len(parts) != 3 || !keyToken.MatchString(parts[1]) || !keyToken.MatchString(parts[2]) {
		t.Errorf("feedbackKey of odd parts = %q", odd)
	}
}
