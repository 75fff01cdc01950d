package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot/bot"
	"github.com/briefbot/briefbot/replica"
)

// The 👍/👎 among replicas. Each replica keeps its feedback log (what was
// rated, for whoever improves the answers); the votes themselves go first
// to the feedbackBucket, one key per user and answer, so that a changed
// vote replaces the old one, and /stats counts the keys of its server.
// Counting reads every vote of the server each time: a few thousand keys
// read in one ordered consumer, fine at this bot's sizes; a deployment
// with millions of votes would keep running counts instead.

// feedbackBucket holds one key per vote, feedbackKey, its value "up" or
// "down".
const feedbackBucket = "briefbot_feedback"

// feedbackCountWait bounds a /stats count: the command is answered
// without counts ("unreadable") rather than not at all.
var feedbackCountWait = 5 * time.Second

// keyToken is what a key's token may hold as is (ids, user hashes).
var keyToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// keyTok is s as a key token: itself when it may be one, else its hash.
func keyTok(s string) string {
	if keyToken.MatchString(s) {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "h" + hex.EncodeToString(sum[:12])
}

// feedbackGuild is the key's first token: the server, or "dm".
func feedbackGuild(guild string) string {
	if guild == "" {
		return "dm"
	}
	return "g" + keyTok(guild)
}

// feedbackKey is a vote's key: <server>.<answer>.<user>.
func feedbackKey(v bot.SharedVote) string {
	return feedbackGuild(v.Guild) + "." + keyTok(v.Answer) + "." + keyTok(v.User)
}

// feedbackShare is bot.FeedbackShare over the bucket.
type feedbackShare struct{ kv jetstream.KeyValue }

func newFeedbackShare(ctx context.Context, js jetstream.JetStream, replicas int) (*feedbackShare, error) {
	kv, err := replica.OpenBucket(ctx, js, feedbackBucket, replicas)
	if err != nil {
		return nil, err
	}
	return &feedbackShare{kv: kv}, nil
}

// Record puts the vote, replacing the user's earlier one on that answer.
func (f *feedbackShare) Record(ctx context.Context, v bot.SharedVote) error {
	if _, err := f.kv.PutString(ctx, feedbackKey(v), voteValue(v.Up)); err != nil {
		return fmt.Errorf("%s: %w", feedbackBucket, err)
	}
	return nil
}

// voteValue is a vote's value in the bucket.
func voteValue(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// Offer puts the vote unless the user's vote on that answer is there
// already.
func (f *feedbackShare) Offer(ctx context.Context, v bot.SharedVote) error {
	if _, err := f.kv.Create(ctx, feedbackKey(v), []byte(voteValue(v.Up))); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("%s: %w", feedbackBucket, err)
	}
	return nil
}

// Counts reads the votes of guild: a watch of its keys, stopped once it
// has delivered what the bucket holds.
func (f *feedbackShare) Counts(ctx context.Context, guild string) (up, down int, err error) {
	ctx, cancel := context.WithTimeout(ctx, feedbackCountWait)
	defer cancel()
	w, err := f.kv.Watch(ctx, feedbackGuild(guild)+".>", jetstream.IgnoreDeletes())
	if err != nil {
		return 0, 0, fmt.Errorf("reading %s: %w", feedbackBucket, err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return 0, 0, fmt.Errorf("reading %s: %w", feedbackBucket, ctx.Err())
		case e, ok := <-w.Updates():
			switch {
			case !ok:
				return 0, 0, fmt.Errorf("reading %s: the watch ended", feedbackBucket)
			case e == nil: // all read
				return up, down, nil
			case string(e.Value()) == "up":
				up++
			case string(e.Value()) == "down":
				down++
			}
		}
	}
}
