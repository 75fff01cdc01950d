package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the parser's output")

// The feeds in testdata are written for these tests in the shapes real
// publishers serve; each has a golden JSON file of the parsed Feed, checked
// by hand when written.
var goldenCases = []struct {
	file, feedURL string
	kind          Kind
	items         int
}{
	{"wordpress.xml", "https://harbour.example.net/feed/", RSS, 2},
	{"substack.xml", "https://quietledger.example.com/feed", RSS, 2},
	{"agency-atom.xml", "https://wire.example.org/rss/world.atom", Atom, 3},
	{"jsonfeed.json", "https://valley.example.com/feed.json", JSON, 3},
	{"rdf.xml", "https://science.example.edu/news/rss", RDF, 2},
	{"rss091.xml", "http://gazette.example.com/rss.xml", RSS, 2},
	{"latin1.xml", "https://cafe.example.fr/feed", RSS, 1},
	{"bom.xml", "https://tides.example.net/rss", RSS, 1},
	{"entity.xml", "https://puzzles.example.org/rss", RSS, 1},
	{"broken-item.xml", "https://results.example.com/rss", RSS, 2},
}

func TestParseGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := Detect(data); got != tc.kind {
				t.Errorf("Detect = %q, want %q", got, tc.kind)
			}
			f, err := Parse(data, mustURL(t, tc.feedURL))
			if err != nil {
				t.Fatal(err)
			}
			if f.Kind != tc.kind || len(f.Items) != tc.items {
				t.Errorf("kind %q with %d items, want %q with %d", f.Kind, len(f.Items), tc.kind, tc.items)
			}
			got := marshal(t, f)
			golden := filepath.Join("testdata", strings.TrimSuffix(tc.file, filepath.Ext(tc.file))+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("parsed feed differs from %s:\n%s", golden, got)
			}
		})
	}
}

func marshal(t *testing.T, f *Feed) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the golden files stay readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       Kind
	}{
		{"rss", `<?xml version="1.0"?><rss version="2.0"><channel/></rss>`, RSS},
		{"rss after a comment and a doctype", "\n<!-- generated -->\n<!DOCTYPE rss>\n<rss/>", RSS},
		{"atom", `<feed xmlns="http://www.w3.org/2005/Atom"/>`, Atom},
		{"rdf", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>`, RDF},
		{"json feed 1.0", `{"version":"https://jsonfeed.org/version/1","items":[]}`, JSON},
		{"json feed, leading space", " \n{\"version\":\"https://jsonfeed.org/version/1.1\"}", JSON},
		{"other json", `{"version":"2.1","data":[1,2]}`, Unknown},
		{"broken json", `{"version":"https://jsonfeed.org/version/1.1",`, Unknown},
		{"html page", "<!DOCTYPE html><html><head><title>x</title></head><body><p>Hi</p></body></html>", Unknown},
		{"sitemap", `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>`, Unknown},
		{"feed in another namespace", `<feed xmlns="http://example.com/not-atom"/>`, Unknown},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Unknown},
		{"empty", "", Unknown},
	} {
		if got := Detect([]byte(tc.data)); got != tc.want {
			t.Errorf("%s: Detect = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseNotFeed(t *testing.T) {
	_, err := Parse([]byte("<html><body><p>Not a feed</p></body></html>"), nil)
	if !errors.Is(err, ErrNotFeed) {
		t.Errorf("Parse(html) = %v, want ErrNotFeed", err)
	}
	// A feed whose only item is broken has nothing to give.
	_, err = Parse([]byte(`<rss><channel><item><title>a < b</title></item></channel></rss>`), nil)
	if err == nil {
		t.Errorf("Parse(only a broken item) succeeded")
	}
}

func TestParseTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"Mon, 02 Mar 2026 09:30:00 +0000", utc(2026, 3, 2, 9, 30, 0)},
		{"Mon, 02 Mar 2026 09:30:00 GMT", utc(2026, 3, 2, 9, 30, 0)},
		{"Mon, 2 Mar 2026 09:30 GMT", utc(2026, 3, 2, 9, 30, 0)},
		{"Mon,  02 Mar 2026 04:30:00 -0500", utc(2026, 3, 2, 9, 30, 0)},
		{"Mon, 02 Mar 2026 04:30:00 EST", utc(2026, 3, 2, 9, 30, 0)},
		{"Mon, 02 Mar 2026 01:30:00 PST", utc(2026, 3, 2, 9, 30, 0)},
		{"Mon, 02 Mar 2026 10:30:00 +01:00", utc(2026, 3, 2, 9, 30, 0)},
		{"Monday, 02 Mar 2026 09:30:00 UT", utc(2026, 3, 2, 9, 30, 0)},
		{"Tue, 02 Mar 2026 09:30:00 +0000", utc(2026, 3, 2, 9, 30, 0)}, // wrong weekday
		{"02 Mar 26 09:30 Z", utc(2026, 3, 2, 9, 30, 0)},
		{"2 March 2026 09:30:00 +0000", utc(2026, 3, 2, 9, 30, 0)},
		{"Mon, 02 Mar 2026 09:30:00 CEST", utc(2026, 3, 2, 9, 30, 0)}, // unknown zone: as UTC
		{"Mon, 02 Mar 2026", utc(2026, 3, 2, 0, 0, 0)},
		{"2026-03-02T09:30:00Z", utc(2026, 3, 2, 9, 30, 0)},
		{"2026-03-02T10:30:00.123+01:00", time.Date(2026, 3, 2, 9, 30, 0, 123e6, time.UTC)},
		{"2026-03-02T10:30+01:00", utc(2026, 3, 2, 9, 30, 0)},
		{"2026-03-02T10:30:00+0100", utc(2026, 3, 2, 9, 30, 0)},
		{"2026-03-02T09:30:00", utc(2026, 3, 2, 9, 30, 0)},
		{"2026-03-02 09:30:00", utc(2026, 3, 2, 9, 30, 0)},
		{"2026-03-02", utc(2026, 3, 2, 0, 0, 0)},
		{"  2026-03-02T09:30:00Z \n", utc(2026, 3, 2, 9, 30, 0)},
		{"yesterday", time.Time{}},
		{"", time.Time{}},
		{"Mon, 32 Mar 2026 09:30:00 +0000", time.Time{}},
	} {
		if got := parseTime(tc.in); !got.Equal(tc.want) {
			t.Errorf("parseTime(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// Publishers' encodings: declared and true, declared and false, undeclared.
func TestEncodings(t *testing.T) {
	const title = "Crème brûlée “maison”"
	rss := func(decl, title string) []byte {
		return []byte(decl + `<rss version="2.0"><channel><item><title>` + title +
			`</title><link>https://cafe.example.fr/a</link></item></channel></rss>`)
	}
	cp1252 := "Cr\xe8me br\xfbl\xe9e \x93maison\x94" // the same title in windows-1252
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"windows-1252 declared", rss(`<?xml version="1.0" encoding="windows-1252"?>`, cp1252)},
		{"ISO-8859-1 declared, windows-1252 quotes", rss(`<?xml version="1.0" encoding="ISO-8859-1"?>`, cp1252)},
		{"ISO-8859-1 declared, UTF-8 sent", rss(`<?xml version="1.0" encoding="ISO-8859-1"?>`, title)},
		{"UTF-8 declared, windows-1252 sent", rss(`<?xml version="1.0" encoding="UTF-8"?>`, cp1252)},
		{"undeclared, windows-1252 sent", rss("", cp1252)},
		{"unknown label", rss(`<?xml version="1.0" encoding="x-made-up"?>`, title)},
		{"UTF-16 declared in ASCII", rss(`<?xml version="1.0" encoding="UTF-16"?>`, title)},
		{"UTF-16LE with a BOM", utf16LE(string(rss(`<?xml version="1.0" encoding="UTF-16"?>`, title)))},
		{"UTF-8 BOM", append([]byte("\xef\xbb\xbf"), rss("", title)...)},
		{"control characters", rss("", "Crème\x0b brûlée\x00 “maison”\x1b")},
	} {
		f, err := Parse(tc.data, nil)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(f.Items) != 1 || f.Items[0].Title != title {
			t.Errorf("%s: items %+v, want the title %q", tc.name, f.Items, title)
		}
	}
}

func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// Links are absolute http(s) or empty, whatever the feed says.
func TestLinks(t *testing.T) {
	const doc = `<rss><channel><link>/home</link>
<item><title>1</title><link>javascript:alert(1)</link></item>
<item><title>2</title><link>  /relative/2  </link></item>
<item><title>3</title><guid>https://news.example.com/3</guid></item>
<item><title>4</title><guid isPermaLink="false">https://news.example.com/4</guid></item>
<item><title>5</title><guid>item-5</guid></item>
<item><title>6</title><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="alternate" href="/six"/></item>
<item><title>7</title><link>mailto:desk@example.com</link></item>
</channel></rss>`
	want := []string{"", "https://news.example.com/relative/2", "https://news.example.com/3", "", "", "https://news.example.com/six", ""}
	f, err := Parse([]byte(doc), mustURL(t, "https://news.example.com/feed.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Link != "https://news.example.com/home" || len(f.Items) != len(want) {
		t.Fatalf("feed link %q, %d items", f.Link, len(f.Items))
	}
	for i, it := range f.Items {
		if it.Link != want[i] {
			t.Errorf("item %s: link %q, want %q", it.Title, it.Link, want[i])
		}
	}
	// Without the feed's URL a relative link cannot be followed.
	f, err = Parse([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Link != "" || f.Items[1].Link != "" || f.Items[2].Link != "https://news.example.com/3" {
		t.Errorf("without a base: feed link %q, item links %q, %q", f.Link, f.Items[1].Link, f.Items[2].Link)
	}
}

// Authors as RSS writes them: an address with the name, or an address alone.
func TestAuthors(t *testing.T) {
	const doc = `<rss><channel>
<item><title>1</title><author>desk@example.com (Jane Roe)</author></item>
<item><title>2</title><author>Jane Roe &lt;desk@example.com&gt;</author></item>
<item><title>3</title><author>desk@example.com</author></item>
<item><title>4</title><dc:creator>Jane Roe</dc:creator><author>desk@example.com (Someone Else)</author></item>
<item><title>5</title><itunes:author xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">Not Read</itunes:author></item>
</channel></rss>`
	f, err := Parse([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Jane Roe", "Jane Roe", "", "Jane Roe", ""}
	for i, it := range f.Items {
		if it.Author != want[i] {
			t.Errorf("item %s: author %q, want %q", it.Title, it.Author, want[i])
		}
	}
}

// Breakage elsewhere than in testdata/broken-item.xml: a bad channel
// header costs only the header, a mistyped end tag costs nothing, a JSON
// item of the wrong shape costs only that item.
func TestBrokenParts(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		titles    []string
	}{
		{"bare < in the channel description",
			`<rss><channel><title>Desk</title><description>a < b</description>
<item><title>One</title></item><item><title>Two</title></item></channel></rss>`,
			[]string{"One", "Two"}},
		{"mistyped end tag",
			`<rss><channel><item><title>One</titel><link>https://a.example/1</link></item>
<item><title>Two</title></item></channel></rss>`,
			[]string{"One", "Two"}},
		{"json item of the wrong shape",
			`{"version":"https://jsonfeed.org/version/1.1","items":["oops",{"id":"2","title":["x"],"content_text":"Two"},{"id":"3","title":"Three"}]}`,
			[]string{"", "Three"}},
	} {
		f, err := Parse([]byte(tc.doc), nil)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var titles []string
		for _, it := range f.Items {
			titles = append(titles, it.Title)
		}
		if strings.Join(titles, "|") != strings.Join(tc.titles, "|") {
			t.Errorf("%s: item titles %q, want %q", tc.name, titles, tc.titles)
		}
	}
}

// A truncated download keeps the items that arrived whole.
func TestTruncated(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "wordpress.xml"))
	if err != nil {
		t.Fatal(err)
	}
	cut := bytes.Index(data, []byte("Lifeboat crew"))
	f, err := Parse(data[:cut], nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 1 || f.Items[0].Title != "Ferry timetable changes for the spring season" {
		t.Errorf("items %+v", f.Items)
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range goldenCases {
		data, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<rss><channel><item><title>a < b</title></item><item><link>/x</link></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="//evil"><entry xml:base="javascript:"><link href="x"/></entry></feed>`))
	base := mustURL(f, "https://feeds.example.com/a/feed.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		Detect(data)
		feed, err := Parse(data, base)
		if err != nil {
			return
		}
		for _, link := range append([]string{feed.Link}, itemLinks(feed)...) {
			if link == "" {
				continue
			}
			u, err := url.Parse(link)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("link %q is not an absolute http(s) URL", link)
			}
		}
	})
}

func itemLinks(f *Feed) []string {
	var links []string
	for _, it := range f.Items {
		links = append(links, it.Link)
	}
	return links
}
