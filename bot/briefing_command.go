package bot

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// cmdBriefing is /briefing set|off|show: a server's daily briefing.
const cmdBriefing = "briefing"

// maxZoneRunes caps the zone option (the longest IANA name is 32).
const maxZoneRunes = 64

// briefingCommand is the definition of /briefing: for server admins
// (default_member_permissions Manage Server; the server's admins may grant
// it to others in Server Settings → Integrations, and the handler respects
// that rather than re-checking Manage Server), in servers only.
func briefingCommand() *Command {
	return adminCommand(discordgo.ApplicationCommand{
		Name:        cmdBriefing,
		Description: "This server's daily briefing: where and when it is posted (admins)",
		Options: []*discordgo.ApplicationCommandOption{
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: "set",
				Description: "Post the daily briefing in a channel at a time of day",
				Options: []*discordgo.ApplicationCommandOption{
					{
						Type: discordgo.ApplicationCommandOptionChannel, Name: "channel", Required: true,
						Description:  "The channel to post it in",
						ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews},
					},
					stringOption("time", "Time of day, HH:MM on a 24-hour clock (e.g. 08:00)", true, false, 5),
					stringOption("zone", "Time zone, e.g. Europe/Berlin (default: the current setting, else the bot's)", false, true, maxZoneRunes),
				},
			},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "off", Description: "Stop this server's daily briefing"},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "show", Description: "Show this server's daily briefing and how its last post went"},
		},
	})
}

// operatorSet is the reply to /briefing set or off in the server whose
// briefing the operator's configuration sets.
const operatorSet = "This server's daily briefing is set by the bot operator's configuration (BRIEFBOT_SUMMARY_CHANNEL and BRIEFBOT_SUMMARY_AT), so it cannot be changed here; ask the operator. `/briefing show` shows it."

// briefing answers /briefing, an admin command (so never in a DM: see
// adminRefusal). Every reply is ephemeral.
func (h *Handler) briefing(ctx context.Context, i *discordgo.Interaction, opts []*discordgo.ApplicationCommandInteractionDataOption, out *outcome) (*discordgo.InteractionResponse, error) {
	if len(opts) != 1 || opts[0] == nil || opts[0].Type != discordgo.ApplicationCommandOptionSubCommand {
		return nil, invalidf("Use `/briefing set`, `/briefing off` or `/briefing show`.")
	}
	if h.briefings == nil {
		out.kind = "invalid"
		return ephemeral("Daily briefings are not set up on this bot."), nil
	}
	sub := opts[0]
	operator := h.briefings.operatorGuild() == i.GuildID
	switch sub.Name {
	case "set":
		if operator {
			out.kind = "forbidden"
			return ephemeral(operatorSet), nil
		}
		return h.briefingSet(ctx, i.GuildID, sub.Options, out)
	case "off":
		if operator {
			out.kind = "forbidden"
			return ephemeral(operatorSet), nil
		}
		return h.briefingOff(i.GuildID)
	case "show":
		return h.briefingShow(i.GuildID), nil
	}
	return nil, invalidf("Use `/briefing set`, `/briefing off` or `/briefing show`.")
}

func (h *Handler) briefingSet(ctx context.Context, guild string, opts []*discordgo.ApplicationCommandInteractionDataOption, out *outcome) (*discordgo.InteractionResponse, error) {
	channel := optString(opts, "channel")
	if !snowflakeRE.MatchString(channel) {
		return nil, invalidf("Please pick a text channel of this server.")
	}
	hh, mm, err := parseHHMM(optString(opts, "time"))
	if err != nil {
		return nil, invalidf("The time should be HH:MM on a 24-hour clock, like 08:00 or 17:30.")
	}
	zone, err := h.briefingZone(guild, optString(opts, "zone"))
	if err != nil {
		return nil, err
	}
	if h.checker != nil {
		if refusal := h.checkBriefingChannel(ctx, guild, channel, out); refusal != nil {
			return refusal, nil
		}
	}
	now := h.now()
	b := BriefingSetting{Channel: channel, At: fmt.Sprintf("%02d:%02d", hh, mm), Zone: zone.String(), Since: now.UTC().Format(time.RFC3339)}
	if err := h.briefings.set(guild, b); err != nil {
		return nil, fmt.Errorf("briefing set: %w", err)
	}
	first := slotOn(now, hh, mm, zone)
	if first.Before(now) {
		first = slotOn(nextDay(now, zone), hh, mm, zone)
	}
	return ephemeral(fmt.Sprintf("Done: the daily briefing will be posted in <#%s> every day at %s (%s), the first on <t:%d:F>. "+
		"It summarises the day's articles: the bot's shared ones and those added to this server with `/ingest`.",
		channel, b.At, zone, first.Unix())), nil
}

// briefingZone is the zone option as a location: typed (any IANA name,
// case aside), else the server's current zone, else the bot's.
func (h *Handler) briefingZone(guild, typed string) (*time.Location, error) {
	typed = strings.TrimSpace(typed)
	if typed == "" {
		if v, ok := h.briefings.view(guild); ok {
			typed = v.Zone
		} else {
			return h.loc, nil
		}
	}
	if len(typed) > maxZoneRunes {
		return nil, invalidf("That is not a time zone name; pick one from the list, like Europe/Berlin.")
	}
	name := canonicalZone(typed)
	if name == "Local" || strings.HasPrefix(name, "/") {
		return nil, invalidf("%s is not a time zone name; pick one from the list, like Europe/Berlin.", quoteInput(typed))
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, invalidf("%s is not a time zone I know; pick one from the list, like Europe/Berlin or America/New_York.", quoteInput(typed))
	}
	return loc, nil
}

// canonicalZone is the listed zone name that typed spells, case and spaces
// aside ("europe/berlin", "America/New York"), or typed itself.
func canonicalZone(typed string) string {
	want := strings.ReplaceAll(typed, " ", "_")
	for _, z := range ianaZones {
		if strings.EqualFold(z, want) {
			return z
		}
	}
	return want
}

// checkBriefingChannel returns a refusal when the bot cannot post the
// briefing in channel, naming what it lacks; nil when it can.
func (h *Handler) checkBriefingChannel(ctx context.Context, guild, channel string, out *outcome) *discordgo.InteractionResponse {
	acc, err := h.checker.CheckChannel(ctx, channel)
	switch {
	case errors.Is(err, errUnknownChannel) || err == nil && acc.GuildID != "" && acc.GuildID != guild:
		// Another server's channel gets the reply of one that does not
		// exist: nothing tells this server's admins that it does.
		out.kind = "invalid"
		return ephemeral(fmt.Sprintf("I can't find <#%s>; pick an existing text channel of this server.", channel))
	case err != nil:
		out.kind, out.err = "error", err
		return ephemeral(fmt.Sprintf("I couldn't check my permissions in <#%s> just now, so nothing was changed. Please try again in a moment.", channel))
	case len(acc.Missing) > 0:
		out.kind = "invalid"
		return ephemeral(fmt.Sprintf("I can't post the briefing in <#%s>: I'm missing %s there, so nothing was changed. "+
			"Grant %s to the bot (its role in Server Settings → Roles, or the channel's Permissions), then run `/briefing set` again.",
			channel, boldList(acc.Missing), pronoun(acc.Missing)))
	}
	return nil
}

func (h *Handler) briefingOff(guild string) (*discordgo.InteractionResponse, error) {
	had, err := h.briefings.off(guild)
	if err != nil {
		return nil, fmt.Errorf("briefing off: %w", err)
	}
	if !had {
		return ephemeral("This server has no daily briefing to turn off."), nil
	}
	return ephemeral("The daily briefing of this server is off. `/briefing set` turns it on again."), nil
}

func (h *Handler) briefingShow(guild string) *discordgo.InteractionResponse {
	v, ok := h.briefings.view(guild)
	if !ok {
		return ephemeral("This server has no daily briefing. Set one with `/briefing set channel:#channel time:08:00`.")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The daily briefing is posted in <#%s> every day at %s (%s).", v.Channel, v.At, v.Zone)
	if v.Operator {
		b.WriteString("\nIt is set by the bot operator's configuration (BRIEFBOT_SUMMARY_CHANNEL and BRIEFBOT_SUMMARY_AT); ask the operator to change it.")
	}
	switch st := v.State; {
	case st.LastDay == "":
	case st.Outcome == "posted":
		fmt.Fprintf(&b, "\nLast posted: the briefing of %s.", st.LastDay)
	case st.Outcome == "empty":
		fmt.Fprintf(&b, "\nLast day: %s had no articles, so nothing was posted.", st.LastDay)
	}
	if f := v.State.Failure; f != nil {
		b.WriteString("\n" + failureText(f, v.Channel))
	}
	return ephemeral(b.String())
}

// failureText tells what went wrong with a refused post and what to do.
func failureText(f *postFailure, channel string) string {
	when := f.Day
	if t, err := time.Parse(time.RFC3339, f.At); err == nil {
		when = fmt.Sprintf("%s (<t:%d:f>)", f.Day, t.Unix())
	}
	head := fmt.Sprintf("⚠️ The briefing of %s was not posted: Discord refused it (%s). ", when, refusalName(f))
	needs := make([]string, len(BriefingChannelNeeds))
	for n, p := range BriefingChannelNeeds {
		needs[n] = p.Name
	}
	switch {
	case f.Code == discordUnknownChannel:
		return head + "The channel no longer exists: pick another one with `/briefing set`."
	case len(f.Missing) > 0:
		return head + fmt.Sprintf("I'm missing %s in <#%s>: grant %s to the bot. The next post will try again.", boldList(f.Missing), channel, pronoun(f.Missing))
	case f.Code == discordMissingAccess, f.Code == discordMissingPermissions, f.Status == 403:
		return head + fmt.Sprintf("Make sure the bot has %s in <#%s>. The next post will try again.", boldList(needs), channel)
	}
	return head + "The next post will try again."
}

func refusalName(f *postFailure) string {
	s := fmt.Sprintf("HTTP %d", f.Status)
	if f.Code != 0 {
		s += fmt.Sprintf(", code %d", f.Code)
	}
	if f.Message != "" {
		s += " " + escapeMarkdown(oneLine(cleanText(f.Message, false)))
	}
	return s
}

// boldList is "**A**", "**A** and **B**", "**A**, **B** and **C**".
func boldList(names []string) string {
	b := make([]string, len(names))
	for n, s := range names {
		b[n] = "**" + s + "**"
	}
	if len(b) == 1 {
		return b[0]
	}
	return strings.Join(b[:len(b)-1], ", ") + " and " + b[len(b)-1]
}

func pronoun(names []string) string {
	if len(names) == 1 {
		return "it"
	}
	return "them"
}

// zoneChoices suggests IANA zones for what was typed (lower case): names
// that start with it, then whose city starts with it, then that contain it.
func zoneChoices(typed string) []*discordgo.ApplicationCommandOptionChoice {
	typed = strings.ReplaceAll(strings.TrimSpace(typed), " ", "_")
	var rank [3][]string
	for _, z := range ianaZones {
		lower := strings.ToLower(z)
		city := lower[strings.LastIndex(lower, "/")+1:]
		switch {
		case strings.HasPrefix(lower, typed):
			rank[0] = append(rank[0], z)
		case strings.HasPrefix(city, typed):
			rank[1] = append(rank[1], z)
		case strings.Contains(lower, typed):
			rank[2] = append(rank[2], z)
		}
	}
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, names := range rank {
		sort.Strings(names)
		for _, z := range names {
			if len(out) == maxChoices {
				return out
			}
			out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: strings.ReplaceAll(z, "_", " "), Value: z})
		}
	}
	return out
}

// withSubOptions is opts and the options of its subcommands, for finding
// the focused option of an autocomplete under /briefing set.
func withSubOptions(opts []*discordgo.ApplicationCommandInteractionDataOption) []*discordgo.ApplicationCommandInteractionDataOption {
	out := append([]*discordgo.ApplicationCommandInteractionDataOption(nil), opts...)
	for _, o := range opts {
		if o != nil && (o.Type == discordgo.ApplicationCommandOptionSubCommand || o.Type == discordgo.ApplicationCommandOptionSubCommandGroup) {
			out = append(out, withSubOptions(o.Options)...)
		}
	}
	return out
}
