package bot

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// feedbackEntry is one line of the append-only feedback log (JSON Lines).
// User is the pseudonymous user hash, never the Discord id.
type feedbackEntry struct {
	Time time.Time `json:"time"`
	Vote string    `json:"vote"` // "up" or "down"
	User string    `json:"user"`
	// Guild is the server voted in ("" in a DM, and on lines written before
	// servers were told apart: those belong to no server).
	Guild   string   `json:"guild,omitempty"`
	Message string   `json:"message,omitempty"` // id of the answer voted on (else of the vote's interaction)
	Query   string   `json:"query,omitempty"`
	Cited   []string `json:"cited,omitempty"` // passage ids shown
}

// feedbackLog appends votes to a file and counts them for /stats. With a
// share (several replicas) each vote is also shared, first, and /stats
// counts the shared votes: the whole deployment's.
type feedbackLog struct {
	mu    sync.Mutex
	path  string
	share FeedbackShare
}

// keeps reports whether votes are kept at all.
func (f *feedbackLog) keeps() bool { return f.path != "" || f.share != nil }

// record keeps one vote: in the share first (when it fails, the vote is
// not kept anywhere, so the replicas' counts never miss what a log has),
// then in the log. id stands for the answer when the vote's message is
// unknown.
func (f *feedbackLog) record(ctx context.Context, e feedbackEntry, id string) error {
	if e.Message == "" { // in the log too: its votes and the shared ones have the same keys
		e.Message = id
	}
	if f.share != nil {
		if err := f.share.Record(ctx, SharedVote{Guild: e.Guild, Answer: e.Message, User: e.User, Up: e.Vote == "up"}); err != nil {
			return fmt.Errorf("sharing the vote: %w", err)
		}
	}
	if f.path == "" {
		return nil
	}
	return f.add(e)
}

// tally is the counts /stats shows: the shared ones when shared, else the
// log's.
func (f *feedbackLog) tally(ctx context.Context, guild string) (up, down int, err error) {
	if f.share != nil {
		return f.share.Counts(ctx, guild)
	}
	return f.counts(guild)
}

// add appends one vote. Each write is a single line written with O_APPEND,
// so concurrent writers (even another process) never interleave lines.
func (f *feedbackLog) add(e feedbackEntry) error {
	if f.path == "" {
		return errors.New("no feedback log configured")
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fh, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = fh.Write(append(line, '\n'))
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}

// counts reads the log and counts the votes cast in server guild ("" = the
// votes of no server: DMs, and lines older than the guild field), so one
// server's /stats shows nothing of another's.
func (f *feedbackLog) counts(guild string) (up, down int, err error) {
	if f.path == "" {
		return 0, 0, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	votes, err := latestVotes(f.path, func(g string) bool { return g == guild })
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil
	}
	for _, v := range votes {
		if v == "up" {
			up++
		} else {
			down++
		}
	}
	return up, down, err
}

// voteKey is who voted on what, where: one vote counts per key.
type voteKey struct{ guild, answer, user string }

// latestVotes reads the log at path: the latest vote ("up" or "down") of
// each user on each answer, in the servers keep accepts. A user who voted
// on one answer more than once counts once. Lines with no answer id (older
// ones) cannot be told apart: each is its own answer, named by its line
// number (the log only grows, so the name stays). Unreadable lines are
// skipped: a torn last line after a crash must not hide the rest.
func latestVotes(path string, keep func(guild string) bool) (map[voteKey]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	votes := map[voteKey]string{}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var e feedbackEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil || (e.Vote != "up" && e.Vote != "down") || !keep(e.Guild) {
			continue
		}
		answer := e.Message
		if answer == "" {
			answer = fmt.Sprintf("line%d", line)
		}
		votes[voteKey{e.Guild, answer, e.User}] = e.Vote
	}
	return votes, sc.Err()
}
