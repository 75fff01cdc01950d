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
