package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"

	"github.com/bwmarrin/discordgo"
)

// The routes `briefbot doctor` reads, and the server model behind them:
// GET /oauth2/applications/@me, /channels/{id}, /guilds/{id}/roles and
// /guilds/{id}/members/{user}.
//
// A channel nothing modelled (only SetChannelPermissions, or nothing) sits
// in DefaultGuildID, whose @everyone role has every permission but
// Administrator, and carries one overwrite for the bot member that allows
// exactly the permissions SetChannelPermissions gave it and denies the rest:
// Discord's algorithm over these answers gives back those permissions.
// SetGuild and SetChannel model a server in full instead; the fake then also
// refuses posts by the permissions it computes from that model.

// DefaultGuildID is the server of the fake's channels unless SetChannel says
// otherwise (NewCommand's interactions come from it too).
const DefaultGuildID = "300000000000000001"

// everyoneDefault is the @everyone role's permissions in a server nothing
// modelled.
const everyoneDefault = discordgo.PermissionAll &^ discordgo.PermissionAdministrator

// Guild is a server as the fake models it for permission checks.
type Guild struct {
	ID string
	// Roles, the @everyone role among them (its id is the server's).
	Roles []*discordgo.Role
	// BotRoles are the ids of the roles the bot member has.
	BotRoles []string
}

// guildModel is what SetGuild and SetChannel set.
type guildModel struct {
	guilds   map[string]Guild
	channels map[string]*discordgo.Channel
}

// SetGuild models a server: its roles and the bot member's roles.
func (s *Server) SetGuild(g Guild) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.model().guilds[g.ID] = g
}

// SetChannel models a channel: its server (GuildID, DefaultGuildID when
// empty) and its permission overwrites. From then on the bot's permissions
// in it are computed from the server's roles and these overwrites, and
// SetChannelPermissions no longer applies to it.
func (s *Server) SetChannel(ch *discordgo.Channel) {
	c := *ch
	if c.GuildID == "" {
		c.GuildID = DefaultGuildID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.model().channels[c.ID] = &c
}

// model returns the server model, made on first use; caller holds s.mu.
func (s *Server) model() *guildModel {
	if s.guilds == nil {
		s.guilds = &guildModel{guilds: map[string]Guild{}, channels: map[string]*discordgo.Channel{}}
	}
	return s.guilds
}

// guildLocked is the modelled server id, or the default one; caller holds s.mu.
func (s *Server) guildLocked(id string) (Guild, bool) {
	if g, ok := s.model().guilds[id]; ok {
		return g, true
	}
	if id != DefaultGuildID {
		return Guild{}, false
	}
	everyone := &discordgo.Role{ID: id, Name: "@everyone", Permissions: everyoneDefault}
	return Guild{ID: id, Roles: []*discordgo.Role{everyone}}, true
}

// channelLocked is channel ch as GET /channels/{id} shows it; caller holds s.mu.
func (s *Server) channelLocked(ch string) *discordgo.Channel {
	if c, ok := s.model().channels[ch]; ok {
		return c
	}
	c := &discordgo.Channel{ID: ch, GuildID: DefaultGuildID, Type: discordgo.ChannelTypeGuildText, Name: "channel-" + ch}
	if p, ok := s.perms[ch]; ok {
		c.PermissionOverwrites = []*discordgo.PermissionOverwrite{{
			ID: s.BotUserID, Type: discordgo.PermissionOverwriteTypeMember, Allow: p, Deny: discordgo.PermissionAll &^ p,
		}}
	}
	return c
}

// modelledPerms is the bot's permissions in ch when SetChannel modelled it;
// caller holds s.mu.
func (s *Server) modelledPerms(ch string) (int64, bool) {
	c, ok := s.model().channels[ch]
	if !ok {
		return 0, false
	}
	g, _ := s.guildLocked(c.GuildID)
	return botPermissions(g, c, s.BotUserID), true
}

// botPermissions is Discord's permission algorithm for the bot member,
// written out here on its own so that the fake does not check briefbot's
// code against itself.
func botPermissions(g Guild, c *discordgo.Channel, botID string) int64 {
	has := map[string]bool{}
	for _, id := range g.BotRoles {
		has[id] = true
	}
	var perms int64
	for _, r := range g.Roles {
		if r.ID == g.ID || has[r.ID] {
			perms |= r.Permissions
		}
	}
	if perms&discordgo.PermissionAdministrator != 0 {
		return discordgo.PermissionAll
	}
	var roleAllow, roleDeny int64
	for _, o := range c.PermissionOverwrites {
		if o.ID == g.ID {
			perms = perms&^o.Deny | o.Allow
		} else if o.Type == discordgo.PermissionOverwriteTypeRole && has[o.ID] {
			roleAllow |= o.Allow
			roleDeny |= o.Deny
		}
	}
	perms = perms&^roleDeny | roleAllow
	for _, o := range c.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == botID {
			perms = perms&^o.Deny | o.Allow
		}
	}
	return perms
}

var (
	reChannel     = regexp.MustCompile(`^/api/v9/channels/([0-9]+)$`)
	reGuildRoles  = regexp.MustCompile(`^/api/v9/guilds/([0-9]+)/roles$`)
	reGuildMember = regexp.MustCompile(`^/api/v9/guilds/([0-9]+)/members/([0-9]+)$`)
)

// handleDoctor answers the routes above; ok is false for any other request.
func (s *Server) handleDoctor(r *http.Request) (status int, hdr map[string]string, out string, ok bool) {
	if r.Method != http.MethodGet {
		return 0, nil, "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	path := r.URL.Path
	switch {
	case path == "/api/v9/oauth2/applications/@me":
		status, out = jsonOK(s.applicationLocked())
	case reChannel.MatchString(path):
		status, out = s.getChannel(reChannel.FindStringSubmatch(path)[1])
	case reGuildRoles.MatchString(path):
		g, known := s.guildLocked(reGuildRoles.FindStringSubmatch(path)[1])
		if !known {
			return 404, nil, unknownGuild, true
		}
		status, out = jsonOK(g.Roles)
	case reGuildMember.MatchString(path):
		m := reGuildMember.FindStringSubmatch(path)
		status, out = s.getMember(m[1], m[2])
	default:
		return 0, nil, "", false
	}
	return status, nil, out, true
}

const (
	unknownGuild  = `{"message":"Unknown Guild","code":10004}`
	unknownMember = `{"message":"Unknown Member","code":10007}`
)

// getChannel is GET /channels/{id}: 403 50001 when the bot cannot see it,
// as Discord answers. Caller holds s.mu.
func (s *Server) getChannel(ch string) (int, string) {
	c := s.channelLocked(ch)
	perms, modelled := s.modelledPerms(ch)
	if !modelled {
		perms = discordgo.PermissionAll
		if p, ok := s.perms[ch]; ok {
			perms = p
		}
	}
	if perms&discordgo.PermissionViewChannel == 0 {
		return 403, missingAccess
	}
	return jsonOK(c)
}

// getMember is GET /guilds/{id}/members/{user}; the fake knows only the
// bot as a member. Caller holds s.mu.
func (s *Server) getMember(guild, user string) (int, string) {
	g, known := s.guildLocked(guild)
	if !known {
		return 404, unknownGuild
	}
	if user != s.BotUserID {
		return 404, unknownMember
	}
	roles := append([]string{}, g.BotRoles...)
	return jsonOK(&discordgo.Member{
		GuildID: guild,
		User:    &discordgo.User{ID: s.BotUserID, Username: "briefbot", Bot: true},
		Roles:   roles,
	})
}

func jsonOK(v any) (int, string) {
	b, err := json.Marshal(v)
	if err != nil {
		return 500, fmt.Sprintf(`{"message":%q,"code":0}`, err.Error())
	}
	return 200, string(b)
}

// TeamMember is a member of the team that owns the application (SetTeam).
type TeamMember struct {
	UserID string
	// Invited is a member who has not accepted the invitation yet
	// (membership_state 1); the others have (2).
	Invited bool
	// Role is "admin", "developer" or "read_only"; "" = "developer".
	Role string
}

// team is the developer team that owns the application, when set.
type team struct {
	id, ownerID string
	members     []TeamMember
}

// SetTeam gives the application to a team: its owner (a user id, who is
// also listed as a member, as Discord lists the owner) and members. The
// application's owner then is the team's pseudo-user, as Discord answers.
func (s *Server) SetTeam(teamID, ownerID string, members ...TeamMember) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.team = &team{id: teamID, ownerID: ownerID, members: append([]TeamMember{{UserID: ownerID, Role: "admin"}}, members...)}
}

// applicationLocked is the application object of
// GET /oauth2/applications/@me, shaped as Discord documents it
// (Application Resource: owner a partial user; team null or a team object
// with members carrying membership_state, team_id, user and role). For a
// team-owned application, owner is the team's pseudo-user: its id is the
// team's, and its flags have TEAM_PSEUDO_USER (1 << 10). Caller holds s.mu.
func (s *Server) applicationLocked() map[string]any {
	user := func(id, name string) map[string]any {
		return map[string]any{"id": id, "username": name, "avatar": nil, "discriminator": "0", "global_name": nil, "public_flags": 0}
	}
	app := map[string]any{
		"id": s.AppID, "name": "briefbot", "icon": nil, "description": "", "summary": "",
		"bot_public": false, "bot_require_code_grant": false, "verify_key": "00", "flags": 0,
		"owner": user(s.OwnerID, "owner"), "team": nil,
	}
	if t := s.team; t != nil {
		owner := user(t.id, "team"+t.id)
		owner["flags"], owner["public_flags"] = 1<<10, 1<<10
		app["owner"] = owner
		var members []map[string]any
		for _, m := range t.members {
			state, role := 2, m.Role
			if m.Invited {
				state = 1
			}
			if role == "" {
				role = "developer"
			}
			members = append(members, map[string]any{
				"membership_state": state, "team_id": t.id, "user": user(m.UserID, "member"+m.UserID), "role": role,
				"permissions": []string{"*"},
			})
		}
		app["team"] = map[string]any{"icon": nil, "id": t.id, "name": "briefbot team", "owner_user_id": t.ownerID, "members": members}
	}
	return app
}
