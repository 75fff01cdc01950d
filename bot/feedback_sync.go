package bot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// FeedbackShare keeps the 👍/👎 of every replica of a deployment, so that
// /stats counts the votes cast through any of them (cmd implements it over
// a JetStream key-value bucket with BRIEFBOT_NATS_URL). A vote goes to it
// first, then to this replica's feedback log, which stays the record of
// what was rated (query, passages cited).
type FeedbackShare interface {
	// Record keeps one vote; the same Guild, Answer and User again replace
	// it (a user who changes their mind counts once, with the latest).
	Record(ctx context.Context, v SharedVote) error
	// Offer keeps v unless a vote of the same Guild, Answer and User is
	// kept already: the votes of an instance from before it was a
	// replica must not replace one changed since.
	Offer(ctx context.Context, v SharedVote) error
	// Counts are the votes kept for guild ("" = those cast in DMs).
	Counts(ctx context.Context, guild string) (up, down int, err error)
}

// SharedVote is one vote as shared: who, on what, which way. Nothing of
// the question or the passages goes with it.
type SharedVote struct {
	Guild  string // the server voted in; "" in a DM
	Answer string // id of the message voted on, else of the vote's interaction
	User   string // the pseudonymous user hash, never the Discord id
	Up     bool
}

// ShareFeedbackLog offers to share the votes of the feedback log at path
// (the latest of each user on each answer, in every server), once: the
// votes a single instance recorded before it became a replica, which
// /stats would otherwise no longer count. A marker beside the log (path +
// ".shared") says it was done, so that later starts skip reading the log;
// votes recorded as a replica went to the share first and are offered
// again harmlessly. It returns how many votes it offered.
func ShareFeedbackLog(ctx context.Context, path string, share FeedbackShare) (int, error) {
	if path == "" {
		return 0, nil
	}
	marker := path + ".shared"
	if _, err := os.Stat(marker); err == nil {
		return 0, nil
	}
	votes, err := latestVotes(path, func(string) bool { return true })
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("reading the feedback log: %w", err)
	}
	for k, vote := range votes {
		if err := share.Offer(ctx, SharedVote{Guild: k.guild, Answer: k.answer, User: k.user, Up: vote == "up"}); err != nil {
			return 0, fmt.Errorf("sharing the feedback log's votes: %w", err)
		}
	}
	if err := os.WriteFile(marker, []byte("the votes of feedback.jsonl up to this point are in the deployment's share\n"), 0o644); err != nil {
		return len(votes), fmt.Errorf("marking the feedback log shared: %w", err)
	}
	return len(votes), nil
}
