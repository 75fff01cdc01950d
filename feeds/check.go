package feeds

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/briefbot/briefbot/corpus/feed"
)

// Validate checks what an operator asks to subscribe to: an http(s) URL
// with a host, and an interval of at least MinEvery.
func Validate(rawURL string, every time.Duration) error {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", rawURL)
	}
	if every < MinEvery {
		return fmt.Errorf("the interval %v is below the minimum of %v", every, MinEvery)
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

// Subscribe adds a subscription to the file, due at once; subscribing
// twice to the same URL for the same server is an error.
func Subscribe(ctx context.Context, file string, sub Subscription) error {
	return Update(ctx, file, func(l *List) error {
		if l.Find(sub.URL, sub.Server) != nil {
			return fmt.Errorf("already subscribed to %s", sub.URL)
		}
		l.Feeds = append(l.Feeds, sub)
		return nil
	})
}

// Unsubscribe removes a subscription; it is an error when there is none.
func Unsubscribe(ctx context.Context, file, rawURL, server string) error {
	return Update(ctx, file, func(l *List) error {
		if !l.Remove(rawURL, server) {
			return fmt.Errorf("no subscription to %s", rawURL)
		}
		return nil
	})
}
