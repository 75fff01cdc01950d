package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/bwmarrin/discordgo"
)

// operators are the users who manage the shared space and the whole bot
// (/reindex): the ids the operator configured (BRIEFBOT_OPERATORS), plus the
// application's owner or its team's members, which Serve reads from Discord
// once at start-up. Holding Manage Server in some server makes nobody an
// operator: that permission is about one server, and /reindex changes what
// every server sees.
type operators struct {
	configured map[string]bool // fixed at NewHandler

	mu     sync.RWMutex
	owners map[string]bool // from Discord, replaced by SetOwners
}

func newOperators(ids []string) *operators {
	o := &operators{configured: map[string]bool{}}
	for _, id := range ids {
		if id != "" {
			o.configured[id] = true
		}
	}
	return o
}

// is reports whether user may run operator commands.
func (o *operators) is(user string) bool {
	if user == "" {
		return false
	}
	if o.configured[user] {
		return true
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.owners[user]
}

// SetOwners replaces the users who own the application (its owner, or the
// members of its team), as read from Discord. It is safe to call while
// interactions are being handled: Serve calls it after start-up, and again
// would be harmless.
func (h *Handler) SetOwners(ids []string) {
	owners := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id != "" {
			owners[id] = true
		}
	}
	h.operators.mu.Lock()
	h.operators.owners = owners
	h.operators.mu.Unlock()
}

// ApplicationOwners lists who owns app, as Discord's application object
// says it: for an application that belongs to a team, the team's owner and
// its members who accepted the invitation (an invited member has not yet
// joined; app.owner is then a pseudo-user standing for the team, not a
// person); otherwise app.owner.
func ApplicationOwners(app *discordgo.Application) []string {
	if app == nil {
		return nil
	}
	var ids []string
	if app.Team != nil {
		if app.Team.OwnerID != "" {
			ids = append(ids, app.Team.OwnerID)
		}
		for _, m := range app.Team.Members {
			if m != nil && m.User != nil && m.MembershipState == discordgo.MembershipStateAccepted {
				ids = append(ids, m.User.ID)
			}
		}
		return ids
	}
	if app.Owner != nil && app.Owner.ID != "" {
		ids = append(ids, app.Owner.ID)
	}
	return ids
}

// fetchOwners reads the application's owners from Discord
// (GET /oauth2/applications/@me) and gives them to the handler. A failure
// is logged, not fatal: the operators listed in BRIEFBOT_OPERATORS still
// work, and everything but /reindex does not need operators at all.
func fetchOwners(ctx context.Context, s *discordgo.Session, cfg *ServeConfig, ih interactionHandler) {
	h, ok := ih.(*Handler)
	if !ok {
		return
	}
	// discordgo's Application takes no context; this is its request with one,
	// so that a stop during start-up is not held up by Discord.
	body, err := s.RequestWithBucketID(http.MethodGet, discordgo.EndpointOAuth2Application("@me"), nil,
		discordgo.EndpointOAuth2Application(""), discordgo.WithContext(ctx))
	var app *discordgo.Application
	if err == nil {
		err = json.Unmarshal(body, &app)
	}
	if err != nil {
		cfg.Logger.Warn("could not read the application's owner; only BRIEFBOT_OPERATORS may use /reindex",
			"err", fmt.Errorf("GET /oauth2/applications/@me: %w", err))
		return
	}
	owners := ApplicationOwners(app)
	h.SetOwners(owners)
	cfg.Logger.Debug("read the application's owners", "count", len(owners), "team", app != nil && app.Team != nil)
}
