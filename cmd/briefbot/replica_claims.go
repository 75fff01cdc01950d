package main

import (
	"context"
	"fmt"
	"time"

	"github.com/briefbot/briefbot/bot"
	"github.com/briefbot/briefbot/replica"
)

// postClaimsStale is how long another replica's unfinished claim on a
// daily post must stand unchanged before this one takes it over: longer
// than a post can take with Discord's retries and rate limits (seconds to
// a minute or two), short enough that a replica that died mid-post delays
// the day's briefing by minutes, not hours.
var postClaimsStale = 10 * time.Minute

// postClaims adapts replica.Claims, the deployment's claims bucket on
// NATS, to bot.PostClaims, so that each daily post is made by one replica.
type postClaims struct{ c *replica.Claims }

// newPostClaims opens the claims bucket for this replica.
func (d *replicaRun) newPostClaims(ctx context.Context) (bot.PostClaims, error) {
	c, err := replica.NewClaims(ctx, d.node.JetStream(), d.cfg.name, d.cfg.replicas, postClaimsStale)
	if err != nil {
		return nil, fmt.Errorf("replica: daily post claims: %w", err)
	}
	return postClaims{c}, nil
}

func (p postClaims) Claim(ctx context.Context, key, nonce string) (bot.ClaimResult, error) {
	r, err := p.c.Claim(ctx, key, nonce)
	return bot.ClaimResult{Granted: r.Granted, PrevNonce: r.PrevNonce, Done: r.Done, Outcome: r.Outcome, Holder: r.Holder}, err
}

func (p postClaims) Done(ctx context.Context, key, outcome string) error {
	return p.c.Done(ctx, key, outcome)
}
