package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// briefingOver posts /briefing sub in serverB to the endpoint at url and
// returns the reply's text (from the edit, when the reply was deferred).
func briefingOver(t *testing.T, fake *discordtest.Server, url string, sub *discordgo.ApplicationCommandInteractionDataOption) string {
	t.Helper()
	i := fake.NewCommand("briefing", sub)
	i.GuildID = serverB
	i.Member.Permissions = discordgo.PermissionAdministrator
	in := fake.PostInteraction(url, i)
	var body struct {
		Type int `json:"type"`
		Data struct {
			Content string `json:"content"`
		} `json:"data"`
	}
	if err := json.Unmarshal(in.Body, &body); err != nil || !in.Accepted {
		t.Fatalf("/briefing %s: %d %s", sub.Name, in.Status, in.Body)
	}
	if body.Type == int(discordgo.InteractionResponseDeferredChannelMessageWithSource) {
		edit := fake.WaitRequests(10*time.Second, 1, "PATCH", `/api/v9/webhooks/[0-9]+/`+i.Token+`/messages/@original`)[0]
		edit.Decode(t, &body.Data)
	}
	return body.Data.Content
}

// Two serve replicas on embedded NATS, each behind its own HTTP endpoint:
// /briefing set through a is shown by /briefing show through b, and
// /stats through b names b.
func TestServeReplicasShareBriefingSettings(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two serve replicas")
	}
	ns := singleNATS(t)
	fake := discordtest.New(t)
	const channel = "500000000000000301"
	fake.SetGuild(discordtest.Guild{ID: serverB, Roles: []*discordgo.Role{{ID: serverB, Name: "@everyone",
		Permissions: discordgo.PermissionAll &^ discordgo.PermissionAdministrator}}})
	fake.SetChannel(&discordgo.Channel{ID: channel, GuildID: serverB, Type: discordgo.ChannelTypeGuildText, Name: "news"})
	root := t.TempDir()
	urlA := startServeHTTP(t, loadReplicaVars(fake, root, "a", ns.URL(), 1), "a", slog.LevelInfo)
	urlB := startServeHTTP(t, loadReplicaVars(fake, root, "b", ns.URL(), 1), "b", slog.LevelInfo)

	set := &discordgo.ApplicationCommandInteractionDataOption{Name: "set", Type: discordgo.ApplicationCommandOptionSubCommand,
		Options: []*discordgo.ApplicationCommandInteractionDataOption{
			{Name: "channel", Type: discordgo.ApplicationCommandOptionChannel, Value: channel},
			discordtest.StringOption("time", "06:15"), discordtest.StringOption("zone", "Asia/Tokyo"),
		}}
	if got := briefingOver(t, fake, urlA, set); !strings.Contains(got, "every day at 06:15 (Asia/Tokyo)") {
		t.Fatalf("/briefing set through a: %q", got)
	}
	show := &discordgo.ApplicationCommandInteractionDataOption{Name: "show", Type: discordgo.ApplicationCommandOptionSubCommand}
	want := "<#" + channel + "> every day at 06:15 (Asia/Tokyo)"
	var got string
	eventually(t, 20*time.Second, func() bool {
		got = briefingOver(t, fake, urlB, show)
		return strings.Contains(got, want)
	}, func() string { return fmt.Sprintf("/briefing show through b: %q, want %q", got, want) })
	i := fake.NewCommand("stats")
	i.GuildID = serverB
	i.Member.Permissions = discordgo.PermissionAdministrator
	in := fake.PostInteraction(urlB, i)
	var stats struct {
		Data struct {
			Embeds []*discordgo.MessageEmbed `json:"embeds"`
		} `json:"data"`
	}
	if err := json.Unmarshal(in.Body, &stats); err != nil || len(stats.Data.Embeds) != 1 {
		t.Fatalf("/stats through b: %d %s", in.Status, in.Body)
	}
	if e := stats.Data.Embeds[0]; e.Footer == nil || e.Footer.Text != "Answered by replica b" || !strings.Contains(e.Description, "Articles and feedback: the whole deployment's") {
		t.Errorf("/stats through b: %q, footer %+v", e.Description, e.Footer)
	}
}
