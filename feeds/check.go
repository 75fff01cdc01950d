package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus/feed"
)

// What a server's admins may subscribe to (/feeds add): at most
// DefaultMaxServerFeeds feeds per server, each polled at most every
// DefaultServerMinEvery. The operator's own subscriptions have no cap.
const (
	DefaultMaxServerFeeds = 50
	DefaultServerMinEvery = MinEvery
)

// Errors a caller may tell apart (errors.Is), to say what is wrong.
var (
	ErrSubscribed    = errors.New("already subscribed")
	ErrNotSubscribed = errors.New("not subscribed")
	ErrTooMany       = errors.New("too many feeds")
)

// Validate checks what an operator asks to subscribe to: an http(s) URL
// with a host, and an interval of at least MinEvery.
func Validate(rawURL string, every time.Duration) error {
	return ValidateMin(rawURL, every, MinEvery)
}

// ValidateMin is Validate with another minimum interval (a server's), never
// below MinEvery.
func ValidateMin(rawURL string, every, minEvery time.Duration) error {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", rawURL)
	}
	if minEvery = max(minEvery, MinEvery); every < minEvery {
		return fmt.Errorf("the interval %v is below the minimum of %v", every, minEvery)
	}
	return nil
}

// Check fetches rawURL once and says whether it is a feed, returning it.
func Check(ctx context.Context, f Fetcher, rawURL string) (*feed.Feed, error) {
	resp, err := f.Get(ctx, rawURL, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("%s: HTTP %s", rawURL, resp.Status)
	}
	parsed, err := feed.Parse(resp.Body, resp.URL)
	if err != nil {
		return nil, fmt.Errorf("%s is not a feed: %w", rawURL, err)
	}
	return parsed, nil
}

// Subscribe adds a subscription to the file, due at once. Subscribing a
// space twice to the same URL is ErrSubscribed; with maxFeeds > 0, a space
// that already has maxFeeds subscriptions gets ErrTooMany. Both are
// checked under the file's lock, so two admins adding at once cannot
// exceed the cap.
func Subscribe(ctx context.Context, file string, sub Subscription, maxFeeds int) error {
	if sub.Space != briefbot.SharedSpace {
		if err := briefbot.CheckServerID(sub.Space); err != nil {
			return fmt.Errorf("feeds: %w", err)
		}
	}
	return Update(ctx, file, func(l *List) error {
		if l.Find(sub.URL, sub.Space) != nil {
			return fmt.Errorf("%w to %s", ErrSubscribed, sub.URL)
		}
		if n := len(l.InSpace(sub.Space)); maxFeeds > 0 && n >= maxFeeds {
			return fmt.Errorf("%w: %d of at most %d", ErrTooMany, n, maxFeeds)
		}
		l.Feeds = append(l.Feeds, sub)
		return nil
	})
}

// Unsubscribe removes space's subscription to rawURL; it is
// ErrNotSubscribed when there is none.
func Unsubscribe(ctx context.Context, file, rawURL, space string) error {
	return Update(ctx, file, func(l *List) error {
		if !l.Remove(rawURL, space) {
			return fmt.Errorf("%w to %s", ErrNotSubscribed, rawURL)
		}
		return nil
	})
}
