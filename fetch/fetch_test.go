package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

const rssFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Example News</title>
  <link>https://www.example.com/</link>
  <item>
    <title>Reactor &lt;b&gt;shut&lt;/b&gt; down</title>
    <link>https://www.example.com/2026/03/02/reactor.html</link>
    <dc:creator>Jane Roe</dc:creator>
    <pubDate>Mon, 02 Mar 2026 09:30:00 +0000</pubDate>
    <description><![CDATA[<p>The reactor was shut down on Monday after a coolant leak.</p><p>Engineers said the leak was <b>small</b>.<br>No one was hurt.</p><script>alert(1)</script>]]></description>
  </item>
  <item>
    <title>Headline only</title>
    <link>https://www.example.com/2026/03/02/empty</link>
  </item>
  <item>
    <title>No link</title>
    <guid isPermaLink="false">abc-123</guid>
    <description>Plain text description without markup.</description>
  </item>
</channel>
</rss>`

const atomFeed = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom News</title>
  <link href="https://atom.example.org/"/>
  <updated>2026-03-03T10:00:00Z</updated>
  <entry>
    <title>Talks resume</title>
    <link href="https://atom.example.org/talks"/>
    <id>urn:uuid:1</id>
    <updated>2026-03-03T10:00:00Z</updated>
    <author><name>John Doe</name></author>
    <content type="html">&lt;p&gt;Talks resumed in Geneva on Tuesday.&lt;/p&gt;</content>
  </entry>
</feed>`

const htmlPage = `<!DOCTYPE html><html><head><title>Talks resume in Geneva</title>
<meta name="author" content="John Doe"></head>
<body><article><h1>Talks resume in Geneva</h1>
<p>Talks between the two delegations resumed in Geneva on Tuesday, officials said.</p>
<p>The negotiators are expected to meet again on Thursday to discuss the ceasefire.</p>
</article></body></html>`

func testFetcher() *Fetcher {
	return New(Options{AllowLoopback: true, Timeout: 2 * time.Second})
}

func serveString(t *testing.T, contentType, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchRSS(t *testing.T) {
	srv := serveString(t, "application/rss+xml", rssFeed)
	arts, err := testFetcher().Fetch(context.Background(), srv.URL+"/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 2 {
		t.Fatalf("%d articles, want 2 (the headline-only item has nothing to quote): %+v", len(arts), arts)
	}
	a := arts[0]
	if a.ID != "example.com/2026/03/02/reactor" || a.URL != "https://www.example.com/2026/03/02/reactor.html" {
		t.Errorf("id %q url %q", a.ID, a.URL)
	}
	if a.Title != "Reactor shut down" || a.Author != "Jane Roe" || a.Source != "example.com" {
		t.Errorf("title %q author %q source %q", a.Title, a.Author, a.Source)
	}
	if want := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("published %v", a.Published)
	}
	var texts []string
	for _, p := range a.Paragraphs {
		texts = append(texts, p.Text)
	}
	// Read as corpus reads a page: a single <br> is a space, the script goes.
	want := []string{
		"The reactor was shut down on Monday after a coolant leak.",
		"Engineers said the leak was small. No one was hurt.",
	}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Errorf("paragraphs %q, want %q", texts, want)
	}
	if len(a.Paragraphs) != 2 || a.Paragraphs[0].N != 1 || a.Paragraphs[1].N != 2 {
		t.Errorf("numbering %+v", a.Paragraphs)
	}
	b := arts[1]
	if b.URL != "" || !strings.HasPrefix(b.ID, "127.0.0.1/feed.xml/item-") || strings.Contains(b.ID, "#") {
		t.Errorf("link-less item id %q url %q", b.ID, b.URL)
	}
	if len(b.Paragraphs) != 1 || b.Paragraphs[0].Text != "Plain text description without markup." {
		t.Errorf("plain description %+v", b.Paragraphs)
	}
}

func TestFetchAtom(t *testing.T) {
	srv := serveString(t, "application/atom+xml", atomFeed)
	arts, err := testFetcher().Fetch(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 1 || arts[0].Author != "John Doe" || arts[0].Source != "atom.example.org" ||
		len(arts[0].Paragraphs) != 1 || arts[0].Paragraphs[0].Text != "Talks resumed in Geneva on Tuesday." {
		t.Errorf("atom articles %+v", arts)
	}
}

const rdfFeed = `<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="https://science.example.edu/news/rss">
    <title>Science News</title>
    <link>https://science.example.edu/news/</link>
  </channel>
  <item rdf:about="https://science.example.edu/news/2026/glacier-core">
    <title>Glacier core reveals a warm century</title>
    <link>https://science.example.edu/news/2026/glacier-core</link>
    <description>A two-metre ice core drilled last summer records an unusually warm century.</description>
    <dc:creator>Ines Varga</dc:creator>
    <dc:date>2026-03-03T12:00:00+01:00</dc:date>
  </item>
</rdf:RDF>`

const jsonFeed = `{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Field Notes",
  "authors": [{"name": "Priya Hallstrom"}],
  "items": [
    {"id": "1", "url": "/2026/03/orchard-frost", "title": "Late frost hits the orchards",
     "content_html": "<p>A late frost damaged blossom across the lower valley on Sunday night.</p>",
     "date_published": "2026-03-01T21:30:00-08:00"}
  ]
}`

// RSS 1.0 keeps its items beside the channel; a JSON Feed's relative item
// URL is resolved against the feed's own URL.
func TestFetchRDFAndJSONFeed(t *testing.T) {
	srv := serveString(t, "application/rdf+xml", rdfFeed)
	arts, err := testFetcher().Fetch(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 1 || arts[0].ID != "science.example.edu/news/2026/glacier-core" || arts[0].Author != "Ines Varga" ||
		arts[0].Source != "science.example.edu" || !arts[0].Published.Equal(time.Date(2026, 3, 3, 11, 0, 0, 0, time.UTC)) ||
		len(arts[0].Paragraphs) != 1 {
		t.Errorf("rdf articles %+v", arts)
	}

	srv = serveString(t, "application/feed+json", jsonFeed)
	arts, err = testFetcher().Fetch(context.Background(), srv.URL+"/feed.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 1 || arts[0].URL != srv.URL+"/2026/03/orchard-frost" || arts[0].Author != "Priya Hallstrom" ||
		arts[0].Title != "Late frost hits the orchards" || len(arts[0].Paragraphs) != 1 ||
		arts[0].Paragraphs[0].Text != "A late frost damaged blossom across the lower valley on Sunday night." {
		t.Errorf("json feed articles %+v", arts)
	}
}

func TestFetchHTMLPage(t *testing.T) {
	srv := serveString(t, "text/html; charset=utf-8", htmlPage)
	arts, err := testFetcher().Fetch(context.Background(), srv.URL+"/world/talks.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 1 {
		t.Fatalf("%d articles", len(arts))
	}
	a := arts[0]
	if a.URL != srv.URL+"/world/talks.html" || a.Source != "127.0.0.1" || a.Path != "" {
		t.Errorf("url %q source %q path %q", a.URL, a.Source, a.Path)
	}
	all := ""
	for _, p := range a.Paragraphs {
		all += p.Text + "\n"
	}
	if !strings.Contains(all, "resumed in Geneva on Tuesday") || !strings.Contains(all, "meet again on Thursday") {
		t.Errorf("paragraphs %q", all)
	}
}

func TestFetchFailures(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body><p>" + strings.Repeat("a", 2048) + "</p></body></html>"))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	})
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/to-private", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.1.2.3/", http.StatusFound)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	f := New(Options{AllowLoopback: true, Timeout: 300 * time.Millisecond, MaxBytes: 1024, MaxRedirects: 3})
	for _, tc := range []struct {
		url, want string
		is        error
	}{
		{srv.URL + "/500", "HTTP 500", nil},
		{srv.URL + "/loop", "redirects", nil},
		{srv.URL + "/big", "too large", ErrTooLarge},
		{srv.URL + "/slow", "Timeout", nil},
		{srv.URL + "/png", "neither a feed nor an HTML page", nil},
		{srv.URL + "/to-metadata", "metadata", ErrRefused},
		{srv.URL + "/to-private", "private", ErrRefused},
		{srv.URL + "/to-file", "file", nil},
		{"ftp://example.com/x", "only http and https", nil},
		{"javascript:alert(1)", "only http and https", nil},
		{"http://user:pw@example.com/", "credentials", nil},
	} {
		_, err := f.Fetch(context.Background(), tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Fetch(%s) = %v, want an error containing %q", tc.url, err, tc.want)
			continue
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("Fetch(%s) = %v, want errors.Is %v", tc.url, err, tc.is)
		}
	}
}

// The SSRF guard refuses at dial time, whatever the URL spelling: literal
// private and metadata IPs, loopback by name, IPv6 forms. Nothing is
// connected to, so this runs offline.
func TestFetchRefusesInternalAddresses(t *testing.T) {
	f := New(Options{Timeout: 2 * time.Second}) // production setting: no loopback
	for _, u := range []string{
		"http://127.0.0.1/",
		"http://localhost:8080/",
		"http://[::1]/",
		"http://10.0.0.1/",
		"http://192.168.1.1/",
		"http://172.16.0.1/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[fe80::1]/",
		"http://[::ffff:10.0.0.1]/",
		"http://0.0.0.0/",
		"http://100.64.0.1/",
		"http://[fd00::1]/",
	} {
		_, err := f.Fetch(context.Background(), u)
		if !errors.Is(err, ErrRefused) {
			t.Errorf("Fetch(%s) = %v, want ErrRefused", u, err)
		}
	}
}

func TestCheckAddrAllowsPublic(t *testing.T) {
	for _, a := range []string{"93.184.216.34:443", "[2606:2800:220:1:248:1893:25c8:1946]:80", "1.1.1.1:80"} {
		if err := checkAddr(a, false, false); err != nil {
			t.Errorf("checkAddr(%s) = %v", a, err)
		}
	}
	if err := checkAddr("127.0.0.1:80", true, false); err != nil {
		t.Errorf("loopback with AllowLoopback: %v", err)
	}
	if err := checkAddr("10.0.0.1:80", true, false); err == nil {
		t.Errorf("AllowLoopback let a private address through")
	}
}

// TestFetchHTMLInDeclaredCharset: a page served in another encoding, named
// only in the Content-Type header, is read in that encoding.
func TestFetchHTMLInDeclaredCharset(t *testing.T) {
	text := "Переговоры двух делегаций возобновились в Женеве во вторник, сообщили официальные лица."
	page, err := charmap.Windows1251.NewEncoder().String("<html><body><article><p>" + text + "</p></article></body></html>")
	if err != nil {
		t.Fatal(err)
	}
	srv := serveString(t, "text/html; charset=windows-1251", page)
	arts, err := testFetcher().Fetch(context.Background(), srv.URL+"/world/talks.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 1 || len(arts[0].Paragraphs) != 1 || arts[0].Paragraphs[0].Text != text {
		t.Errorf("read %+v, want the paragraph %q", arts, text)
	}
}
