// Package fetch downloads an article page or an RSS/Atom/JSON feed by URL
// for /ingest and turns it into corpus articles.
//
// Fetching a URL a Discord user typed is a server-side request forgery risk,
// so the fetcher only speaks http(s), refuses to connect to loopback,
// private, link-local (including the cloud metadata address 169.254.169.254),
// multicast and unspecified addresses, checks every address at dial time
// (after DNS resolution, also for each redirect, so DNS rebinding and
// redirects to internal hosts are caught), ignores proxy settings (a proxy
// would dial on our behalf, unchecked), caps the body size, the redirects and
// the time taken.
package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus"
	"github.com/briefbot/briefbot/corpus/feed"
)

// Options configure a Fetcher; the zero value is the production setting.
type Options struct {
	Timeout      time.Duration // whole request including the body; 0 = 10 s
	MaxBytes     int64         // body cap; 0 = 5 MiB
	MaxRedirects int           // 0 = 5
	MaxItems     int           // feed items turned into articles; 0 = 50
	UserAgent    string        // "" = "briefbot/1 (+news briefing bot)"
	// AllowLoopback lets tests fetch from httptest servers on 127.0.0.1.
	// Private and link-local addresses stay refused.
	AllowLoopback bool
	// AllowPrivate lets the operator's own feeds live on loopback, private
	// and carrier-grade NAT addresses (a feed served by a tool on the same
	// host or network). Link-local addresses, the cloud metadata address
	// among them, stay refused. Never set it for URLs users type.
	AllowPrivate bool
}

// Fetcher fetches URLs. It is safe for concurrent use.
type Fetcher struct {
	opts   Options
	client *http.Client
}

// ErrRefused is wrapped by errors for addresses the SSRF guard refuses.
var ErrRefused = errors.New("address not allowed")

// ErrTooLarge is wrapped when the body exceeds Options.MaxBytes.
var ErrTooLarge = errors.New("response too large")

// New returns a Fetcher.
func New(opts Options) *Fetcher {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 5 << 20
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = 5
	}
	if opts.MaxItems <= 0 {
		opts.MaxItems = 50
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "briefbot/1 (+news briefing bot)"
	}
	dialer := &net.Dialer{
		Timeout: opts.Timeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			return checkAddr(address, opts.AllowLoopback || opts.AllowPrivate, opts.AllowPrivate)
		},
	}
	tr := &http.Transport{
		Proxy:                 nil, // never: a proxy would connect for us, unchecked
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	f := &Fetcher{opts: opts}
	f.client = &http.Client{
		Timeout:   opts.Timeout,
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > opts.MaxRedirects {
				return fmt.Errorf("more than %d redirects", opts.MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to a %s: URL refused", req.URL.Scheme)
			}
			return nil
		},
	}
	return f
}

// checkAddr is the dial-time SSRF guard: address is "ip:port" after DNS.
func checkAddr(address string, allowLoopback, allowPrivate bool) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrRefused, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s is not an IP address", ErrRefused, host)
	}
	ip = ip.Unmap()
	if reason := forbidden(ip, allowLoopback, allowPrivate); reason != "" {
		return fmt.Errorf("%w: %s is %s", ErrRefused, ip, reason)
	}
	return nil
}

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT, often internal
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	benchmark = netip.MustParsePrefix("198.18.0.0/15")
	nat64     = netip.MustParsePrefix("64:ff9b::/96")  // may embed an internal IPv4
	metadata  = netip.MustParseAddr("169.254.169.254") // cloud instance metadata
)

func forbidden(ip netip.Addr, allowLoopback, allowPrivate bool) string {
	switch {
	case ip.IsLoopback():
		if allowLoopback {
			return ""
		}
		return "a loopback address"
	case ip == metadata:
		return "the cloud metadata address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "a link-local address"
	case ip.IsPrivate(), cgnat.Contains(ip), benchmark.Contains(ip):
		if allowPrivate {
			return ""
		}
		return "a private address"
	case ip.IsUnspecified(), thisNet.Contains(ip):
		return "an unspecified address"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "a multicast address"
	case nat64.Contains(ip):
		return "a NAT64 address"
	}
	return ""
}

// Response is what Get read: the status and headers, and for a 2xx status
// the body (within MaxBytes).
type Response struct {
	StatusCode int
	Status     string // "304 Not Modified"
	Header     http.Header
	Body       []byte   // nil unless the status is 2xx
	URL        *url.URL // after redirects
}

// Get requests rawURL with the given extra headers (If-None-Match,
// If-Modified-Since…) under the same guard and caps as Fetch. Every HTTP
// status is a Response, not an error: a feed poller needs the 304s, 429s
// and 503s with their headers. Only a 2xx body is read.
func (f *Fetcher) Get(ctx context.Context, rawURL string, header http.Header) (*Response, error) {
	u, err := checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/html;q=0.9, */*;q=0.5")
	for k, vs := range header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	defer resp.Body.Close()
	out := &Response{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, URL: resp.Request.URL}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return out, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: reading the body: %w", u, err)
	}
	if int64(len(data)) > f.opts.MaxBytes {
		return nil, fmt.Errorf("fetch %s: %w (over %d bytes)", u, ErrTooLarge, f.opts.MaxBytes)
	}
	out.Body = data
	return out, nil
}

// checkURL accepts http(s) URLs with a host and no credentials, and drops
// the fragment.
func checkURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("fetch %q: only http and https URLs can be fetched", rawURL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("fetch %s: URLs with credentials are refused", u.Redacted())
	}
	u.Fragment = ""
	return u, nil
}

// Fetch downloads rawURL and returns its articles: one per feed item for an
// RSS/Atom/JSON feed, or the page's article for an HTML page.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) ([]briefbot.Article, error) {
	resp, err := f.Get(ctx, rawURL, nil)
	if err != nil {
		return nil, err
	}
	u, _ := checkURL(rawURL) // Get accepted it
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("fetch %s: HTTP %s", u, resp.Status)
	}
	data := resp.Body
	final := resp.URL // after redirects
	ct := strings.ToLower(resp.Header.Get("Content-Type"))

	if feed.Detect(data) != feed.Unknown {
		arts, err := f.feedArticles(data, final)
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", u, err)
		}
		return arts, nil
	}
	if !looksHTML(ct, data) {
		return nil, fmt.Errorf("fetch %s: neither a feed nor an HTML page (Content-Type %q)", u, ct)
	}
	arts, warns := corpus.ParseHTML(data, final.String(), resp.Header.Get("Content-Type"))
	if len(arts) == 0 {
		reason := "no article text found"
		if len(warns) > 0 {
			reason = warns[0].Reason
		}
		return nil, fmt.Errorf("fetch %s: %s", u, reason)
	}
	return arts, nil // with the page's URL, its id, and its host as the source when the page names none
}

func looksHTML(contentType string, data []byte) bool {
	if strings.Contains(contentType, "html") {
		return true
	}
	sniff := strings.ToLower(http.DetectContentType(data))
	return strings.HasPrefix(sniff, "text/html")
}

func (f *Fetcher) feedArticles(data []byte, feedURL *url.URL) ([]briefbot.Article, error) {
	parsed, err := feed.Parse(data, feedURL)
	if err != nil {
		return nil, fmt.Errorf("unreadable feed: %w", err)
	}
	source := FeedSource(parsed, feedURL)
	var arts []briefbot.Article
	for k, it := range parsed.Items {
		if len(arts) >= f.opts.MaxItems {
			break
		}
		if a := ItemArticle(it, k, feedURL, source); len(a.Paragraphs) > 0 {
			arts = append(arts, a) // a headline without text has nothing to quote
		}
	}
	if len(arts) == 0 {
		return nil, errors.New("the feed has no items with text")
	}
	return arts, nil
}

// FeedSource is the source named on a feed's articles: the site the feed
// links to, else the feed's own host.
func FeedSource(parsed *feed.Feed, feedURL *url.URL) string {
	if parsed.Link != "" { // absolute http(s) when set
		return corpus.SiteName(parsed.Link)
	}
	return corpus.SiteName(feedURL.String())
}

// ItemArticle turns the feed item at position k (0-based) into an article:
// its id from the link, else from the item's id (or position) under the
// feed's URL, and its paragraphs from the full content when the feed has
// it, else from the summary. An item without text has no paragraphs.
func ItemArticle(it feed.Item, k int, feedURL *url.URL, source string) briefbot.Article {
	// it.Link is absolute http(s) or empty: feed resolved it against the
	// feed's URL.
	a := briefbot.Article{Title: it.Title, Source: source, Author: it.Author, URL: it.Link}
	if a.URL != "" {
		a.ID = corpus.IDFromURL(a.URL)
	}
	if a.ID == "" {
		// No link: the item's id (or the position) keeps the id stable.
		// No '#' in ids: corpus uses it for paragraph numbers.
		key := it.ID
		if key == "" {
			key = fmt.Sprintf("item-%d", k+1)
		}
		sum := sha256.Sum256([]byte(key))
		a.ID = corpus.IDFromURL(feedURL.String()) + "/item-" + hex.EncodeToString(sum[:6])
	}
	if !it.Published.IsZero() {
		a.Published = it.Published.UTC()
	} else if !it.Updated.IsZero() {
		a.Published = it.Updated.UTC()
	}
	// The same reading, cleaning and numbering as a file's paragraphs.
	for _, body := range []string{it.Content, it.Summary} {
		if full, _ := corpus.FromFragment(a, body, a.ID); len(full.Paragraphs) > 0 {
			return full
		}
	}
	return a
}
