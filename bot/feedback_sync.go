package bot

import "context"

// FeedbackShare keeps the 👍/👎 of every replica of a deployment, so that
// /stats counts the votes cast through any of them (cmd implements it over
// a JetStream key-value bucket with BRIEFBOT_NATS_URL). A vote goes to it
// first, then to this replica's feedback log, which stays the record of
// what was rated (query, passages cited).
type FeedbackShare interface {
	// Record keeps one vote; the same Guild, Answer and User again replace
	// it (a user who changes their mind counts once, with the latest).
	Record(ctx context.Context, v SharedVote) error
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
