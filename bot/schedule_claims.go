package bot

import (
	"context"
	"log/slog"
	"time"
)

// claimDoneTimeout bounds marking a post done among the replicas.
const claimDoneTimeout = 10 * time.Second

// PostClaims makes each daily post one replica's among several briefbot
// processes that share a deployment (ServeConfig.PostClaims). The bot
// defines it and cmd adapts the shared store (replica.Claims on NATS) to
// it, so the bot knows nothing of NATS.
type PostClaims interface {
	// Claim asks for key (a server's entry and local day), recording nonce
	// as the one this attempt posts with. Only one replica is granted a
	// key; a replica whose claim stays unfinished past the store's stale
	// timeout is taken over, and the taker gets that attempt's nonce in
	// PrevNonce. An error grants nothing.
	Claim(ctx context.Context, key, nonce string) (ClaimResult, error)
	// Done settles key with outcome ("posted", "failed"): it is never
	// claimed again, and the others record outcome too.
	Done(ctx context.Context, key, outcome string) error
}

// ClaimResult is the answer to PostClaims.Claim.
type ClaimResult struct {
	// Granted: this replica posts. With PrevNonce set, an earlier attempt
	// (another replica's that stalled or died, or this process's own) may
	// have posted with that nonce: the channel is checked first.
	Granted   bool
	PrevNonce string
	// Done: already settled, with Outcome, by Holder.
	Done    bool
	Outcome string
	// Holder is the replica holding or having settled the key, for the log.
	Holder string
}

// claimKey is the claim of j's post on the local day: the same on every
// replica, since they share the settings and the operator's configuration.
func claimKey(j briefingJob, day string) string { return j.key + "." + day }

// claim asks the replicas' claims for j's post of day. proceed: post now.
// Otherwise settled says whether the day is settled (another replica posted
// it, or an earlier attempt's post was found in the channel) or must be
// retried later (another replica holds it, or the claims cannot be read:
// never post without a claim, which could post twice).
func (d *dailyScheduler) claim(ctx context.Context, log *slog.Logger, j briefingJob, day, nonce, marker string) (proceed, settled bool) {
	if d.claims == nil {
		return true, false
	}
	res, err := d.claims.Claim(ctx, claimKey(j, day), nonce)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			log.Error("daily briefing: cannot claim the post among the replicas; will retry", "err", err)
		}
		return false, false
	case res.Done:
		log.Info("daily briefing: settled by another replica", "by", res.Holder, "outcome", res.Outcome)
		outcome := res.Outcome
		if outcome == "" {
			outcome = "posted"
		}
		d.recordOrLog(log, j, day, outcome, nil)
		return false, true
	case !res.Granted:
		log.Info("daily briefing: another replica is posting it; will look again", "holder", res.Holder, "retry_in", retryPostAfter)
		return false, false
	case res.PrevNonce == "":
		return true, false
	}
	// Granted over an attempt that did not finish: it may have posted
	// before its holder stopped.
	found, err := d.post.findPost(ctx, j.channel, res.PrevNonce, marker)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("daily briefing: an unfinished attempt may have posted, and the channel cannot be read to check; will retry", "err", err, "holder", res.Holder)
		}
		return false, false
	}
	if found {
		log.Info("daily briefing: an unfinished attempt had posted it; not posting again", "holder", res.Holder)
		d.finish(ctx, log, j, day, "posted", nil)
		return false, true
	}
	log.Info("daily briefing: took over an unfinished attempt that had not posted", "holder", res.Holder)
	return true, false
}

// finish records the outcome of day's post for j, here and, with claims,
// for the other replicas. A Done that fails leaves the claim to be taken
// over after its stale timeout; the taker then finds the post in the
// channel.
func (d *dailyScheduler) finish(ctx context.Context, log *slog.Logger, j briefingJob, day, outcome string, failure *postFailure) {
	d.recordOrLog(log, j, day, outcome, failure)
	if d.claims == nil {
		return
	}
	// Marked even when serve is stopping: the post is out.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), claimDoneTimeout)
	defer cancel()
	if err := d.claims.Done(dctx, claimKey(j, day), outcome); err != nil {
		log.Error("daily briefing: cannot mark the post done among the replicas; another replica will check the channel before posting", "err", err)
	}
}
