package bot

import (
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/discordtest"
)

// The daily post into a channel where the bot lacks a permission gets
// Discord's own refusal from the fake (403 50001 without View Channel,
// 50013 without Send Messages or Embed Links): one attempt, the day given
// up, serve still running.
func TestDailyPostMissingPermission(t *testing.T) {
	t.Parallel()
	all := int64(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks | discordgo.PermissionReadMessageHistory)
	for _, tc := range []struct {
		name    string
		missing int64
		code    string
	}{
		{"View Channel", discordgo.PermissionViewChannel, "50001"},
		{"Send Messages", discordgo.PermissionSendMessages, "50013"},
		{"Embed Links", discordgo.PermissionEmbedLinks, "50013"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			loc := berlin(t)
			fake := discordtest.New(t)
			const ch = "500000000000000010"
			fake.SetChannelPermissions(ch, all&^tc.missing)
			ref := briefbot.ArticleRef{ID: "kursk", Title: "Kursk reactor", Source: "example.com", URL: "https://example.com/kursk"}
			eng := &stubEngine{summary: briefbot.Summary{Articles: 1,
				Points:  []briefbot.Point{{Article: ref, Paragraph: 1, ID: "kursk#1", Text: "The reactor was shut down on Monday."}},
				Stories: []briefbot.Story{{Title: "Kursk reactor", Articles: []string{"kursk"}}},
			}}
			cfg := baseConfig(t, fake)
			cfg.SummaryChannel, cfg.SummaryAt, cfg.Location = ch, "08:00", loc
			clock := newFakeClock(time.Date(2026, 3, 30, 7, 59, 0, 0, loc))
			cfg.Clock = clock
			run := startServe(t, cfg, NewHandler(eng, HandlerOptions{Location: loc}))
			clock.runUntil(t, time.Date(2026, 3, 30, 23, 0, 0, 0, loc))
			if err := run.stop(t); err != nil {
				t.Fatalf("Serve = %v, want nil: a missing channel permission is not fatal", err)
			}
			posts := fake.Find("POST", `/api/v9/channels/`+ch+`/messages`)
			if len(posts) != 1 {
				t.Fatalf("%d post attempts, want 1 (a 403 is not retried)", len(posts))
			}
			if posts[0].Status != 403 {
				t.Errorf("post answered %d, want 403 %s", posts[0].Status, tc.code)
			}
			if n := len(fake.Messages(ch)); n != 0 {
				t.Errorf("%d messages in the channel", n)
			}
		})
	}
}
