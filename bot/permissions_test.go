package bot

import (
	"reflect"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func TestChannelPermissions(t *testing.T) {
	const (
		guild = "500"
		mods  = "501"
		bots  = "502"
		other = "503"
		me    = "600"
		view  = discordgo.PermissionViewChannel
		send  = discordgo.PermissionSendMessages
		embed = discordgo.PermissionEmbedLinks
		hist  = discordgo.PermissionReadMessageHistory
	)
	role := func(id string, p int64) *discordgo.Role { return &discordgo.Role{ID: id, Permissions: p} }
	ow := func(id string, typ discordgo.PermissionOverwriteType, allow, deny int64) *discordgo.PermissionOverwrite {
		return &discordgo.PermissionOverwrite{ID: id, Type: typ, Allow: allow, Deny: deny}
	}
	const roleOW, memberOW = discordgo.PermissionOverwriteTypeRole, discordgo.PermissionOverwriteTypeMember
	roles := []*discordgo.Role{role(guild, view|hist), role(mods, send), role(bots, embed), role(other, discordgo.PermissionAdministrator)}
	tests := []struct {
		name        string
		memberRoles []string
		overwrites  []*discordgo.PermissionOverwrite
		want        int64
	}{
		{"@everyone only", nil, nil, view | hist},
		{"roles add up", []string{mods, bots}, nil, view | hist | send | embed},
		{"a role the member lacks does not count", []string{mods}, nil, view | hist | send},
		{"administrator grants all", []string{other}, nil, discordgo.PermissionAll},
		{"administrator ignores overwrites", []string{other}, []*discordgo.PermissionOverwrite{ow(guild, roleOW, 0, view), ow(me, memberOW, 0, send)}, discordgo.PermissionAll},
		{"@everyone overwrite denies", []string{mods}, []*discordgo.PermissionOverwrite{ow(guild, roleOW, 0, view)}, hist | send},
		{"role overwrite denies what the role allows", []string{mods, bots}, []*discordgo.PermissionOverwrite{ow(mods, roleOW, 0, send)}, view | hist | embed},
		{"role overwrite beats @everyone overwrite", []string{mods}, []*discordgo.PermissionOverwrite{ow(guild, roleOW, 0, view), ow(mods, roleOW, view, 0)}, view | hist | send},
		{"an allow on one role beats a deny on another", []string{mods, bots}, []*discordgo.PermissionOverwrite{ow(mods, roleOW, 0, send), ow(bots, roleOW, send, 0)}, view | hist | send | embed},
		{"overwrite of a role the member lacks is ignored", []string{mods}, []*discordgo.PermissionOverwrite{ow(bots, roleOW, 0, send|view)}, view | hist | send},
		{"member overwrite beats role overwrites", []string{mods}, []*discordgo.PermissionOverwrite{ow(mods, roleOW, 0, send), ow(me, memberOW, send, 0)}, view | hist | send},
		{"member overwrite denies", nil, []*discordgo.PermissionOverwrite{ow(me, memberOW, embed, hist)}, view | embed},
		{"another member's overwrite is ignored", nil, []*discordgo.PermissionOverwrite{ow("601", memberOW, 0, view)}, view | hist},
		{"a member overwrite with a role's id is not a role overwrite", []string{mods}, []*discordgo.PermissionOverwrite{ow(mods, memberOW, 0, send)}, view | hist | send},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch := &discordgo.Channel{ID: "700", GuildID: guild, PermissionOverwrites: tc.overwrites}
			m := &discordgo.Member{User: &discordgo.User{ID: me}, Roles: tc.memberRoles}
			if got := ChannelPermissions(ch, roles, m); got != tc.want {
				t.Errorf("ChannelPermissions = %#x, want %#x", got, tc.want)
			}
		})
	}
}

func TestMissingPermissions(t *testing.T) {
	tests := []struct {
		perms int64
		want  []string
	}{
		{discordgo.PermissionAll, nil},
		{0, []string{"View Channel", "Send Messages", "Embed Links", "Read Message History"}},
		{discordgo.PermissionViewChannel | discordgo.PermissionSendMessages, []string{"Embed Links", "Read Message History"}},
		{discordgo.PermissionAll &^ discordgo.PermissionSendMessages, []string{"Send Messages"}},
	}
	for _, tc := range tests {
		if got := MissingPermissions(tc.perms, BriefingChannelNeeds); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("MissingPermissions(%#x) = %q, want %q", tc.perms, got, tc.want)
		}
	}
}
