package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/briefbot/briefbot"

	"github.com/bwmarrin/discordgo"
)

// DailyMessage renders server's scheduled briefing for the calendar day of
// day in day's own location (the zone of that server's setting): the shared
// space and server's space ("" = the shared space only). allowed_mentions
// allows none: a channel message would otherwise ping users, roles and
// @everyone found in quoted text.
//
// When the day has no articles (or the summary has no points) it returns
// ok=false and logs why: the scheduler posts nothing rather than an empty
// "no news" message every quiet day.
func (h *Handler) DailyMessage(ctx context.Context, server string, day time.Time) (msg *discordgo.MessageSend, ok bool, err error) {
	d := midnight(day)
	sum, err := h.eng.Summary(ctx, briefbot.SummaryRequest{Day: d, Location: day.Location(), Scope: briefbot.Scope{Server: server}})
	if err != nil {
		return nil, false, fmt.Errorf("daily summary for %s: %w", dayString(d), err)
	}
	if len(sum.Points) == 0 {
		h.log.Info("daily briefing: nothing to post", "day", dayString(d), "articles", sum.Articles, "reason", summaryNoMatch(sum, d).reason())
		return nil, false, nil
	}
	content, embeds := renderSummary("Daily briefing — "+longDay(d), sum, -1)
	content, embeds, _ = fitMessage(content, embeds, nil)
	h.log.Info("daily briefing rendered", "day", dayString(d), "points", len(sum.Points), "embeds", len(embeds))
	return &discordgo.MessageSend{
		Content:         content,
		Embeds:          embeds,
		AllowedMentions: noMentions(),
	}, true, nil
}
