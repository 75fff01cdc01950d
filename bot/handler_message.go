package bot

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// askMessage answers the "Ask briefbot" message command (right-click a
// message → Apps): the message's text is the question, answered as /ask
// answers it. Discord sends the message in data.resolved.messages under
// data.target_id, content included, without the Message Content intent.
func (h *Handler) askMessage(ctx context.Context, i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData, start time.Time, out *outcome) (*discordgo.InteractionResponse, error) {
	var target *discordgo.Message
	if data.Resolved != nil {
		target = data.Resolved.Messages[data.TargetID]
	}
	if target == nil {
		return nil, invalidf("That message arrived without its text; please try again.")
	}
	q := messageQuestion(target)
	if q == "" {
		return nil, invalidf("That message has no text I can ask about. Try `/ask` with a question.")
	}
	if refusal := h.allowQuestion(i, out); refusal != nil {
		return refusal, nil
	}
	st := pageState{Cmd: "a", Page: 1, Query: q}
	resp, err := h.runAsk(ctx, scope(i), st, start, out, false, false)
	if err == nil {
		h.stats.record(i.GuildID, h.now().Sub(start))
	}
	return resp, err
}

// discordMarkup matches mentions, channel links, custom emoji, command
// mentions and timestamps: markup, not words to look for.
var discordMarkup = regexp.MustCompile(`<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|/[^<>:]+:\d+|t:-?\d+(?::[a-zA-Z])?)>`)

// messageQuestion is the question a message asks: its text (or, for a
// message of embeds only, the first embed's title and description) without
// Discord markup, on one line, cut at a word to maxQueryRunes.
func messageQuestion(m *discordgo.Message) string {
	text := m.Content
	if strings.TrimSpace(text) == "" && len(m.Embeds) > 0 && m.Embeds[0] != nil {
		text = m.Embeds[0].Title + " " + m.Embeds[0].Description
	}
	q := normalizeQuery(discordMarkup.ReplaceAllString(text, " "))
	if utf8.RuneCountInString(q) <= maxQueryRunes {
		return q
	}
	var b strings.Builder
	for _, w := range strings.Fields(q) {
		if utf8.RuneCountInString(b.String())+1+utf8.RuneCountInString(w) > maxQueryRunes {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	if b.Len() == 0 { // one word longer than the cap
		return string([]rune(q)[:maxQueryRunes])
	}
	return b.String()
}
