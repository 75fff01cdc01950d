package discordtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func (s *Server) testCall(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", s.Token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// A channel given only SetChannelPermissions is shown with a member
// overwrite that, over the default server's @everyone role, gives back
// exactly those permissions.
func TestChannelPermissionsAsOverwrite(t *testing.T) {
	t.Parallel()
	s := New(t)
	const ch = "300000000000000002"
	perms := int64(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages)
	s.SetChannelPermissions(ch, perms)
	status, body := s.testCall(t, "GET", "/api/v9/channels/"+ch, "")
	var c discordgo.Channel
	if err := json.Unmarshal(body, &c); status != 200 || err != nil {
		t.Fatalf("GET channel: %d %s (%v)", status, body, err)
	}
	status, body = s.testCall(t, "GET", "/api/v9/guilds/"+c.GuildID+"/roles", "")
	var roles []*discordgo.Role
	if err := json.Unmarshal(body, &roles); status != 200 || err != nil {
		t.Fatalf("GET roles: %d %s (%v)", status, body, err)
	}
	g := Guild{ID: c.GuildID, Roles: roles}
	if got := botPermissions(g, &c, s.BotUserID); got != perms {
		t.Errorf("permissions from the answers %#x, want %#x", got, perms)
	}
	if status, _ := s.testCall(t, "GET", "/api/v9/guilds/"+c.GuildID+"/members/"+s.BotUserID, ""); status != 200 {
		t.Errorf("GET the bot's member: %d", status)
	}
	if status, _ := s.testCall(t, "GET", "/api/v9/guilds/1234567/roles", ""); status != 404 {
		t.Errorf("GET roles of an unknown server: %d, want 404", status)
	}
}

// A modelled channel refuses posts by the permissions its model gives: a
// role overwrite denying Send Messages wins over the role allowing it; and
// GET answers 50001 when the bot cannot see the channel.
func TestModelledChannelRefusesPosts(t *testing.T) {
	t.Parallel()
	s := New(t)
	const ch, role = "300000000000000002", "300000000000000010"
	s.SetGuild(Guild{ID: DefaultGuildID, BotRoles: []string{role}, Roles: []*discordgo.Role{
		{ID: DefaultGuildID, Permissions: discordgo.PermissionViewChannel},
		{ID: role, Permissions: discordgo.PermissionSendMessages},
	}})
	deny := &discordgo.PermissionOverwrite{ID: role, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionSendMessages}
	s.SetChannel(&discordgo.Channel{ID: ch, PermissionOverwrites: []*discordgo.PermissionOverwrite{deny}})
	if status, body := s.testCall(t, "POST", "/api/v9/channels/"+ch+"/messages", `{"content":"hi"}`); status != 403 || !strings.Contains(string(body), "50013") {
		t.Errorf("post with Send Messages denied: %d %s, want 403 50013", status, body)
	}
	s.SetChannel(&discordgo.Channel{ID: ch})
	if status, body := s.testCall(t, "POST", "/api/v9/channels/"+ch+"/messages", `{"content":"hi"}`); status != 200 {
		t.Errorf("post with the overwrite gone: %d %s, want 200", status, body)
	}
	hidden := &discordgo.PermissionOverwrite{ID: DefaultGuildID, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel}
	s.SetChannel(&discordgo.Channel{ID: ch, PermissionOverwrites: []*discordgo.PermissionOverwrite{hidden}})
	if status, body := s.testCall(t, "GET", "/api/v9/channels/"+ch, ""); status != 403 || !strings.Contains(string(body), "50001") {
		t.Errorf("GET a channel the bot cannot see: %d %s, want 403 50001", status, body)
	}
}

// GET /oauth2/applications/@me names the owner; once a team owns the
// application, the owner is the team's pseudo-user and the team lists its
// members with their membership state, as Discord's Application and Team
// resources document.
func TestApplicationOwnerAndTeam(t *testing.T) {
	t.Parallel()
	s := New(t)
	get := func() (map[string]json.RawMessage, discordgo.Application) {
		status, body := s.testCall(t, "GET", "/api/v9/oauth2/applications/@me", "")
		var raw map[string]json.RawMessage
		var app discordgo.Application
		if status != 200 || json.Unmarshal(body, &raw) != nil || json.Unmarshal(body, &app) != nil {
			t.Fatalf("GET application: %d %s", status, body)
		}
		return raw, app
	}
	raw, app := get()
	if app.ID != s.AppID || app.Owner == nil || app.Owner.ID != DefaultOwnerID || string(raw["team"]) != "null" {
		t.Errorf("application %+v, team %s", app, raw["team"])
	}
	s.SetTeam("500000000000000001", "500000000000000002", TeamMember{UserID: "500000000000000003"}, TeamMember{UserID: "500000000000000004", Invited: true})
	raw, app = get()
	if app.Owner == nil || app.Owner.ID != "500000000000000001" || app.Owner.PublicFlags != 1<<10 {
		t.Errorf("owner of a team's application = %+v, want the team's pseudo-user", app.Owner)
	}
	if app.Team == nil || app.Team.OwnerID != "500000000000000002" || len(app.Team.Members) != 3 {
		t.Fatalf("team = %s", raw["team"])
	}
	states := map[string]discordgo.MembershipState{}
	for _, m := range app.Team.Members {
		states[m.User.ID] = m.MembershipState
		if m.TeamID != "500000000000000001" {
			t.Errorf("member %s of team %q", m.User.ID, m.TeamID)
		}
	}
	want := map[string]discordgo.MembershipState{"500000000000000002": 2, "500000000000000003": 2, "500000000000000004": 1}
	for id, st := range want {
		if states[id] != st {
			t.Errorf("member %s: membership_state %d, want %d", id, states[id], st)
		}
	}
	if !strings.Contains(string(raw["team"]), `"role":"admin"`) {
		t.Errorf("team members carry no role: %s", raw["team"])
	}
}
