package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Discord's JSON error codes the briefing explains.
const (
	discordUnknownChannel     = 10003
	discordMissingAccess      = 50001
	discordMissingPermissions = 50013
)

// ChannelAccess is what the bot may do in a channel.
type ChannelAccess struct {
	// GuildID is the server the channel belongs to; "" when the bot cannot
	// see the channel (it is then missing View Channel).
	GuildID string
	// Missing names the permissions of BriefingChannelNeeds the bot lacks
	// there, in that order.
	Missing []string
}

// errUnknownChannel is CheckChannel's error for a channel that does not
// exist (deleted, or never was).
var errUnknownChannel = errors.New("unknown channel")

// ChannelChecker reads the bot's permissions in a channel. The /briefing
// handler does no Discord I/O of its own: Serve gives it one that asks
// Discord, tests give it a fake.
type ChannelChecker interface {
	CheckChannel(ctx context.Context, channelID string) (ChannelAccess, error)
}

// sessionChecker is the ChannelChecker of a running bot: the channel (its
// server and overwrites), the server's roles and the bot's member, read over
// REST and combined by ChannelPermissions as Discord does.
type sessionChecker struct {
	s       *discordgo.Session
	backoff time.Duration
	mu      sync.Mutex
	botID   string
}

func (c *sessionChecker) CheckChannel(ctx context.Context, channelID string) (ChannelAccess, error) {
	var ch *discordgo.Channel
	err := c.rest(ctx, func(ctx context.Context) (err error) {
		ch, err = c.s.Channel(channelID, restOptions(ctx)...)
		return err
	})
	switch {
	case httpStatus(err) == http.StatusForbidden:
		// Discord hides a channel the bot cannot view: 403 Missing Access.
		return ChannelAccess{Missing: []string{BriefingChannelNeeds[0].Name}}, nil
	case httpStatus(err) == http.StatusNotFound || discordCode(err) == discordUnknownChannel:
		return ChannelAccess{}, errUnknownChannel
	case err != nil:
		return ChannelAccess{}, fmt.Errorf("reading channel %s: %w", channelID, err)
	case ch.GuildID == "":
		return ChannelAccess{}, fmt.Errorf("channel %s is not in a server", channelID)
	}
	botID, err := c.ownID(ctx)
	if err != nil {
		return ChannelAccess{}, err
	}
	var roles []*discordgo.Role
	if err := c.rest(ctx, func(ctx context.Context) (err error) {
		roles, err = c.s.GuildRoles(ch.GuildID, restOptions(ctx)...)
		return err
	}); err != nil {
		return ChannelAccess{}, fmt.Errorf("reading the roles of server %s: %w", ch.GuildID, err)
	}
	var member *discordgo.Member
	if err := c.rest(ctx, func(ctx context.Context) (err error) {
		member, err = c.s.GuildMember(ch.GuildID, botID, restOptions(ctx)...)
		return err
	}); err != nil {
		return ChannelAccess{}, fmt.Errorf("reading the bot's member in server %s: %w", ch.GuildID, err)
	}
	if member.User == nil {
		member.User = &discordgo.User{ID: botID}
	}
	perms := ChannelPermissions(ch, roles, member)
	return ChannelAccess{GuildID: ch.GuildID, Missing: MissingPermissions(perms, BriefingChannelNeeds)}, nil
}

// rest runs an idempotent read with briefbot's retries.
func (c *sessionChecker) rest(ctx context.Context, call func(context.Context) error) error {
	return retryREST(ctx, c.backoff, 3, true, call)
}

// ownID is the bot's user id (see botUserID), read once.
func (c *sessionChecker) ownID(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.botID == "" {
		id, err := botUserID(ctx, c.s, c.backoff)
		if err != nil {
			return "", err
		}
		c.botID = id
	}
	return c.botID, nil
}
