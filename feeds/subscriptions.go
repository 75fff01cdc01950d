// Package feeds keeps the feed subscriptions (the operator's and the
// servers') and polls them as a good citizen: conditional GETs, the feed's
// and the server's own pacing, Retry-After, backoff with jitter, bounded
// concurrency and one request at a time per host. New and changed items
// become articles in a Store (the index, through a small interface: this
// package knows nothing of Bleve or Discord).
//
// Every subscription has a Space: briefbot.SharedSpace for the operator's
// feeds, which every server sees, or a Discord server id for a server's
// own feeds, whose articles go into that server's space only. The same URL
// may be subscribed by several spaces, each with its own polling state and
// its own copy of the articles.
package feeds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/briefbot/briefbot/internal/atomicfile"
)

// The polling interval an operator may ask for.
const (
	MinEvery     = 15 * time.Minute
	DefaultEvery = time.Hour
)

// FileFor is the subscriptions file of the index in indexDir: in the
// index's state directory, beside the bot's other state.
func FileFor(indexDir string) string {
	return filepath.Join(filepath.Clean(indexDir)+".state", "feeds.json")
}

// List is the subscriptions file.
type List struct {
	Feeds []Subscription `json:"feeds"`
}

// Subscription is one feed to poll, with its polling state.
type Subscription struct {
	URL string `json:"url"`
	// Space is where its articles go: briefbot.SharedSpace (""; also an
	// entry written before spaces existed) or a Discord server id.
	Space string    `json:"space,omitempty"`
	Every Interval  `json:"every"`
	Added time.Time `json:"added"`
	State State     `json:"state"`
}

// State is what the poller remembers of a feed between polls.
type State struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	NextDue      time.Time `json:"next_due,omitzero"` // zero: due now
	// FeedInterval is the pacing the feed itself asked for (<ttl>,
	// sy:updatePeriod) when last parsed, kept for the 304s that follow.
	FeedInterval  Interval  `json:"feed_interval,omitempty"`
	LastSuccess   time.Time `json:"last_success,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	LastErrorAt   time.Time `json:"last_error_at,omitzero"`
	Failures      int       `json:"failures,omitempty"` // consecutive
	Seen          []Seen    `json:"seen,omitempty"`     // oldest first, at most maxSeen
	WeekOf        time.Time `json:"week_of,omitzero"`   // Monday 00:00 UTC of the week AddedThisWeek counts
	AddedThisWeek int       `json:"added_this_week,omitempty"`
}

// Seen is an item already ingested: by id and link, and the hash of its
// content, so that a repeat is skipped and an edit updates the article.
type Seen struct {
	ID   string `json:"id,omitempty"`
	Link string `json:"link,omitempty"`
	Hash string `json:"hash"`
}

// maxSeen bounds the items remembered per feed: well above what one feed
// document holds, so an item is not forgotten while the feed still lists it.
const maxSeen = 300

// Interval is a duration written as text ("1h0m0s") in the file.
type Interval time.Duration

func (d Interval) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Interval) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("interval %q: %w", b, err)
	}
	*d = Interval(v)
	return nil
}

// Load reads the subscriptions file; a missing file is an empty list.
func Load(path string) (List, error) {
	var l List
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("feeds: %w", err)
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return l, fmt.Errorf("feeds: reading %s: %w", path, err)
	}
	return l, nil
}

// Update changes the subscriptions file under a lock shared with every
// process that uses it (the CLI adding a feed while serve polls), so that
// no change is lost between reading and writing.
func Update(ctx context.Context, path string, change func(*List) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("feeds: %w", err)
	}
	lock := flock.New(path + ".lock")
	locked, err := lock.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !locked {
		return fmt.Errorf("feeds: locking %s: %w", path, errors.Join(err, ctx.Err()))
	}
	defer lock.Unlock()
	l, err := Load(path)
	if err != nil {
		return err
	}
	if err := change(&l); err != nil {
		return err
	}
	if err := atomicfile.WriteJSON(path, l); err != nil {
		return fmt.Errorf("feeds: %w", err)
	}
	return nil
}

// Find returns space's subscription to url, or nil.
func (l *List) Find(url, space string) *Subscription {
	for i := range l.Feeds {
		if l.Feeds[i].URL == url && l.Feeds[i].Space == space {
			return &l.Feeds[i]
		}
	}
	return nil
}

// Remove drops space's subscription to url and says whether there was one.
func (l *List) Remove(url, space string) bool {
	for i := range l.Feeds {
		if l.Feeds[i].URL == url && l.Feeds[i].Space == space {
			l.Feeds = append(l.Feeds[:i], l.Feeds[i+1:]...)
			return true
		}
	}
	return false
}

// InSpace is space's subscriptions, in the order they were added.
func (l List) InSpace(space string) []Subscription {
	var out []Subscription
	for _, s := range l.Feeds {
		if s.Space == space {
			out = append(out, s)
		}
	}
	return out
}

// weekStart is Monday 00:00 UTC of t's week.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// countAdded adds n to this week's count, starting a new week when due.
func (s *State) countAdded(now time.Time, n int) {
	if w := weekStart(now); !s.WeekOf.Equal(w) {
		s.WeekOf, s.AddedThisWeek = w, 0
	}
	s.AddedThisWeek += n
}

// AddedInWeekOf is the count of articles added in now's week (0 when the
// last count is of an earlier week).
func (s State) AddedInWeekOf(now time.Time) int {
	if s.WeekOf.Equal(weekStart(now)) {
		return s.AddedThisWeek
	}
	return 0
}
