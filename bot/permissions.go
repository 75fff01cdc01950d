package bot

import "github.com/bwmarrin/discordgo"

// ChannelPermissions computes a member's permissions in a server channel the
// way Discord does (developers/topics/permissions): the @everyone role (the
// role whose id is the server's) and the member's roles, OR-ed; then, in the
// channel, the @everyone overwrite, the overwrites of the member's roles
// (all their denies, then all their allows) and last the member's own
// overwrite. Administrator grants everything and no overwrite takes it back.
// The server owner, who also has everything, is not handled: the bot does
// not own the servers it is checked in. ch, roles and member are what GET
// /channels/{id}, /guilds/{id}/roles and /guilds/{id}/members/{user} answer.
func ChannelPermissions(ch *discordgo.Channel, roles []*discordgo.Role, member *discordgo.Member) int64 {
	has := make(map[string]bool, len(member.Roles))
	for _, id := range member.Roles {
		has[id] = true
	}
	var perms int64
	for _, r := range roles {
		if r.ID == ch.GuildID || has[r.ID] {
			perms |= r.Permissions
		}
	}
	if perms&discordgo.PermissionAdministrator != 0 {
		return discordgo.PermissionAll
	}
	perms = applyOverwrite(perms, overwritesFor(ch.PermissionOverwrites, func(o *discordgo.PermissionOverwrite) bool {
		return o.ID == ch.GuildID
	}))
	perms = applyOverwrite(perms, overwritesFor(ch.PermissionOverwrites, func(o *discordgo.PermissionOverwrite) bool {
		return o.Type == discordgo.PermissionOverwriteTypeRole && o.ID != ch.GuildID && has[o.ID]
	}))
	if member.User != nil {
		perms = applyOverwrite(perms, overwritesFor(ch.PermissionOverwrites, func(o *discordgo.PermissionOverwrite) bool {
			return o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == member.User.ID
		}))
	}
	return perms
}

// overwritesFor merges the overwrites that match into one: Discord applies
// the role overwrites together, denies first, so an allow on any of the
// member's roles wins over a deny on another.
func overwritesFor(all []*discordgo.PermissionOverwrite, match func(*discordgo.PermissionOverwrite) bool) discordgo.PermissionOverwrite {
	var merged discordgo.PermissionOverwrite
	for _, o := range all {
		if match(o) {
			merged.Allow |= o.Allow
			merged.Deny |= o.Deny
		}
	}
	return merged
}

func applyOverwrite(perms int64, o discordgo.PermissionOverwrite) int64 {
	return perms&^o.Deny | o.Allow
}

// NamedPermission is one permission bit and its name in Discord's client.
type NamedPermission struct {
	Bit  int64
	Name string
}

// BriefingChannelNeeds are the permissions the bot needs in a channel it
// posts briefings to: to see it, to post, to post embeds, and to read the
// channel's messages (after a restart, the daily post looks for its own
// earlier post before posting again).
var BriefingChannelNeeds = []NamedPermission{
	{discordgo.PermissionViewChannel, "View Channel"},
	{discordgo.PermissionSendMessages, "Send Messages"},
	{discordgo.PermissionEmbedLinks, "Embed Links"},
	{discordgo.PermissionReadMessageHistory, "Read Message History"},
}

// MissingPermissions names the permissions of needs that perms lacks, in
// the order of needs.
func MissingPermissions(perms int64, needs []NamedPermission) []string {
	var missing []string
	for _, n := range needs {
		if perms&n.Bit == 0 {
			missing = append(missing, n.Name)
		}
	}
	return missing
}
