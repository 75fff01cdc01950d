package bot

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"

	"github.com/bwmarrin/discordgo"
)

// autocomplete suggests indexed sources for "source", the indexed authors
// for /search's "author" and recent days with articles for /summary's
// "date". It answers with at most 25 choices of at
// most 100 characters; on any problem it answers with no choices (the user
// can still type a value, which the command validates).
func (h *Handler) autocomplete(ctx context.Context, i *discordgo.Interaction, out *outcome) *discordgo.InteractionResponse {
	data, _ := i.Data.(discordgo.ApplicationCommandInteractionData)
	out.command = data.Name + ":autocomplete"
	var focused *discordgo.ApplicationCommandInteractionDataOption
	for _, o := range withSubOptions(data.Options) {
		if o != nil && o.Focused {
			focused = o
		}
	}
	var choices []*discordgo.ApplicationCommandOptionChoice
	if focused != nil {
		typed, _ := focused.Value.(string)
		typed = strings.ToLower(normalizeQuery(typed))
		var err error
		switch {
		case utf8.RuneCountInString(typed) > maxOptionRunes:
			// Nothing can match; the command will refuse it anyway.
		case focused.Name == "source" && (data.Name == cmdAsk || data.Name == cmdSearch):
			choices, err = h.sourceChoices(ctx, scope(i), typed)
		case focused.Name == "author" && data.Name == cmdSearch:
			choices, err = h.authorChoices(ctx, scope(i), typed)
		case focused.Name == "url" && data.Name == cmdFeeds:
			choices, err = h.feedChoices(ctx, i.GuildID, typed)
		case focused.Name == "zone" && data.Name == cmdBriefing:
			choices = zoneChoices(typed)
		case focused.Name == "date" && data.Name == cmdSummary:
			choices, err = h.dayChoices(ctx, scope(i), typed)
		}
		if err != nil {
			out.kind, out.err = "error", err
		}
	}
	if out.kind == "" {
		out.kind = "ok"
	}
	out.results = len(choices)
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: fitChoices(choices)},
	}
}

func (h *Handler) sourceChoices(ctx context.Context, sc briefbot.Scope, typed string) ([]*discordgo.ApplicationCommandOptionChoice, error) {
	srcs, err := h.eng.Sources(ctx, sc)
	if err != nil {
		return nil, err
	}
	var prefix, contains []*discordgo.ApplicationCommandOptionChoice
	for _, s := range srcs {
		name := s.Source
		// A value Discord would refuse, or that the command would reject,
		// is better not offered.
		if name == "" || utf8.RuneCountInString(name) > maxChoiceValue || textLen(name) > maxChoiceValue {
			continue
		}
		lower := strings.ToLower(name)
		c := &discordgo.ApplicationCommandOptionChoice{
			Name:  oneLine(cleanText(name, false)) + " (" + textrules.Plural(s.Articles, "article", "articles") + ")",
			Value: name,
		}
		switch {
		case strings.HasPrefix(lower, typed):
			prefix = append(prefix, c)
		case strings.Contains(lower, typed):
			contains = append(contains, c)
		}
	}
	return append(prefix, contains...), nil
}

// authorChoices offers the authors whose name starts with what was typed,
// then those whose name contains it, in the index's order (most articles
// first). Each value is the byline as indexed, which the author filter finds.
func (h *Handler) authorChoices(ctx context.Context, sc briefbot.Scope, typed string) ([]*discordgo.ApplicationCommandOptionChoice, error) {
	authors, err := h.eng.Authors(ctx, sc)
	if err != nil {
		return nil, err
	}
	var prefix, contains []*discordgo.ApplicationCommandOptionChoice
	for _, name := range authors {
		if name == "" || utf8.RuneCountInString(name) > maxOptionRunes || textLen(name) > maxChoiceValue {
			continue
		}
		lower := strings.ToLower(name)
		c := &discordgo.ApplicationCommandOptionChoice{Name: oneLine(cleanText(name, false)), Value: name}
		switch {
		case strings.HasPrefix(lower, typed):
			prefix = append(prefix, c)
		case strings.Contains(lower, typed):
			contains = append(contains, c)
		}
		if len(prefix) == maxChoices {
			break
		}
	}
	return append(prefix, contains...), nil
}

func (h *Handler) dayChoices(ctx context.Context, sc briefbot.Scope, typed string) ([]*discordgo.ApplicationCommandOptionChoice, error) {
	// With something typed, look further back so that "2024-12" finds
	// December even when newer days fill the first 25.
	limit := maxChoices
	if typed != "" {
		limit = 400
	}
	days, err := h.eng.Days(ctx, sc, h.loc, limit)
	if err != nil {
		return nil, err
	}
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, d := range days {
		d = d.In(h.loc)
		value := d.Format("2006-01-02")
		name := value + " (" + d.Format("Mon 2 Jan") + ")"
		if typed != "" && !strings.Contains(strings.ToLower(name), typed) {
			continue
		}
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: value})
		if len(out) == maxChoices {
			break
		}
	}
	return out, nil
}

// fitChoices enforces the autocomplete limits: 25 choices, names of 1–100
// characters, string values of 1–100 that are not just whitespace (Discord
// refuses the whole response otherwise). With no choices left, discordgo
// leaves "choices" out of the JSON, which Discord shows as "no options match";
// an explicit empty list was reported to fail ("loading options failed").
func fitChoices(in []*discordgo.ApplicationCommandOptionChoice) []*discordgo.ApplicationCommandOptionChoice {
	out := make([]*discordgo.ApplicationCommandOptionChoice, 0, min(len(in), maxChoices))
	for _, c := range in {
		if c == nil || len(out) == maxChoices {
			continue
		}
		if s, ok := c.Value.(string); ok && (strings.TrimSpace(s) == "" || textLen(s) > maxChoiceValue) {
			continue
		}
		c.Name = truncate(oneLine(c.Name), maxChoiceName)
		if c.Name == "" {
			continue
		}
		out = append(out, c)
	}
	return out
}
