package bot

import "github.com/bwmarrin/discordgo"

// serverGate is HandlerOptions.Servers: when it lists servers, the bot
// answers only in them (a private deployment); nil = every server and DMs.
type serverGate map[string]bool

func newServerGate(ids []string) serverGate {
	var g serverGate
	for _, id := range ids {
		if id == "" {
			continue
		}
		if g == nil {
			g = serverGate{}
		}
		g[id] = true
	}
	return g
}

// allows reports whether the bot answers in guild ("" = a DM, which a
// non-empty list never allows: a DM has no server to be enabled in).
func (g serverGate) allows(guild string) bool {
	return g == nil || g[guild]
}

// notEnabled is the one reply to any command or button where the bot is not
// enabled; an autocomplete gets no choices instead (it cannot show text).
func notEnabled(i *discordgo.Interaction, out *outcome) *discordgo.InteractionResponse {
	out.kind = "forbidden"
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{},
		}
	}
	where := "in this server"
	if i.GuildID == "" {
		where = "in direct messages"
	}
	return ephemeral("Sorry, briefbot is not enabled " + where + ".")
}
