package feed

import (
	"cmp"
	"encoding/xml"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Namespaces whose elements the reader takes fields from. An undeclared
// prefix keeps its own name as the space (encoding/xml leaves it so), so the
// usual prefixes count too: real feeds use dc: without declaring it.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsAtom03  = "http://purl.org/atom/ns#"
	nsRSS10   = "http://purl.org/rss/1.0/"
	nsRSS090  = "http://my.netscape.com/rdf/simple/0.9/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsXML     = "http://www.w3.org/XML/1998/namespace"
	nsSy      = "http://purl.org/rss/1.0/modules/syndication/"
)

// known holds those namespaces. Others (media:, itunes:, slash:…) reuse
// names such as title, content and author for other things (a media:content
// is an enclosure, not the text), so their elements are ignored.
var known = map[string]bool{
	"": true, nsRSS10: true, nsRSS090: true,
	nsAtom: true, nsAtom03: true, "atom": true,
	nsDC: true, "dc": true, nsContent: true, "content": true,
}

// An item is read whole into an item, and each of its fields into a node;
// a feed-level field (the channel's title) is a node too. What lies deeper
// than a node's children is skipped, and only nodes keep their inner XML,
// so a document of deeply nested elements costs no more memory than a flat
// one (every level with inner XML would keep its own copy of the text).
type item struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Fields  []node     `xml:",any"`
}

type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Inner    string     `xml:",innerxml"`
	Children []leaf     `xml:",any"`
}

type leaf struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
}

func attr(attrs []xml.Attr, local string) string {
	for _, a := range attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (n node) attr(local string) string { return attr(n.Attrs, local) }

func (n node) text() string { return strings.TrimSpace(n.Text) }

// newDecoder reads text that toUTF8 produced.
func newDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	d.Strict = false          // unknown entities and mismatched end tags are not fatal
	d.Entity = xml.HTMLEntity // &nbsp;, &mdash;… which RSS text is full of
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) {
		return in, nil // already UTF-8, whatever the declaration says
	}
	return d
}

// detectXML names the format by the document's first element.
func detectXML(text string) Kind {
	d := newDecoder(strings.NewReader(text))
	for {
		tok, err := d.Token()
		if err != nil {
			return Unknown
		}
		if start, ok := tok.(xml.StartElement); ok {
			switch name := start.Name; {
			case name.Local == "rss":
				return RSS
			case name.Local == "RDF":
				return RDF
			case name.Local == "feed" && (name.Space == nsAtom || name.Space == nsAtom03 || name.Space == ""):
				return Atom
			}
			return Unknown
		}
	}
}

// isContainer names the elements whose children are the feed's fields and
// items: the root of each format and the RSS channel.
func isContainer(local string) bool {
	return local == "rss" || local == "RDF" || local == "feed" || local == "channel"
}

// xmlReader collects a feed from an RSS, RDF or Atom document.
type xmlReader struct {
	feed     Feed
	base     *url.URL // the feed's URL, then as the containers' xml:base set it
	author   string   // the feed's author, which Atom entries without one inherit
	reopen   string   // the root's start tag with its namespace declarations
	syPeriod string   // sy:updatePeriod, "" when absent
	syFreq   int      // sy:updateFrequency, 0 when absent
}

// itemStartRe finds the start of an item or entry, to resume after a
// broken one.
var itemStartRe = regexp.MustCompile(`<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]`)

// maxResumes bounds the broken items skipped in one document: real feeds
// have one or two, and a document made of thousands is not worth the work.
const maxResumes = 100

// parseXML reads the document. encoding/xml stops at the first syntax
// error, so when an item is broken the reader resumes at the next item,
// inside a copy of the root's start tag so namespace prefixes still
// resolve. It fails only when no item could be read and there was an error.
func parseXML(text string, base *url.URL) (*Feed, error) {
	r := &xmlReader{base: base}
	var firstErr error
	for pos, prefix, resumes := 0, "", 0; resumes <= maxResumes; resumes++ {
		d := newDecoder(io.MultiReader(strings.NewReader(prefix), strings.NewReader(text[pos:])))
		err := r.walk(d)
		if err == nil {
			break
		}
		if firstErr == nil {
			firstErr = err
		}
		failed := pos + max(0, int(d.InputOffset())-len(prefix))
		from := min(max(failed, pos+1), len(text)) // always forward
		loc := itemStartRe.FindStringIndex(text[from:])
		if loc == nil || r.reopen == "" {
			break
		}
		pos, prefix = from+loc[0], r.reopen
	}
	if len(r.feed.Items) == 0 && firstErr != nil {
		return nil, firstErr
	}
	for i := range r.feed.Items {
		r.feed.Items[i].Author = cmp.Or(r.feed.Items[i].Author, r.author)
	}
	r.feed.UpdateInterval = updateInterval(r.syPeriod, r.syFreq)
	return &r.feed, nil
}

// walk enters the containers and decodes each of their children whole.
func (r *xmlReader) walk(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if isContainer(start.Name.Local) {
			if r.reopen == "" {
				r.reopen = reopenTag(start)
			}
			// A channel's xml:base also applies to the RDF items beside
			// it; no real feed has one, so this is not worth a stack.
			r.base = rebase(r.base, xmlBase(start.Attr))
			continue
		}
		if err := r.take(d, start); err != nil {
			return err
		}
	}
}

// reopenTag rebuilds the root's start tag with only its namespace
// declarations.
func reopenTag(start xml.StartElement) string {
	var b strings.Builder
	b.WriteString("<" + start.Name.Local)
	for _, a := range start.Attr {
		name := "xmlns:" + a.Name.Local
		if a.Name.Space == "" && a.Name.Local == "xmlns" {
			name = "xmlns"
		} else if a.Name.Space != "xmlns" {
			continue
		}
		b.WriteString(" " + name + `="`)
		_ = xml.EscapeText(&b, []byte(a.Value)) // a strings.Builder does not fail
		b.WriteString(`"`)
	}
	b.WriteString(">")
	return b.String()
}

// take reads a container's child: an item, or the feed's own title, link
// or author (the first non-empty one of each wins). Anything else is
// skipped unread.
func (r *xmlReader) take(d *xml.Decoder, start xml.StartElement) error {
	local := start.Name.Local
	switch {
	case isSchedule(start.Name):
		return r.takeSchedule(d, start)
	case !known[start.Name.Space]:
		return d.Skip()
	case local == "item" || local == "entry":
		var el item
		if err := d.DecodeElement(&el, &start); err != nil {
			return err
		}
		if it := r.item(el); it.keep() {
			r.feed.Items = append(r.feed.Items, it)
		}
		return nil
	case local != "title" && local != "link" && local != "author":
		return d.Skip()
	}
	var n node
	if err := d.DecodeElement(&n, &start); err != nil {
		return err
	}
	switch local {
	case "title":
		r.feed.Title = cmp.Or(r.feed.Title, textOf(n))
	case "link":
		r.feed.Link = cmp.Or(r.feed.Link, linkOf(n, r.base))
	case "author":
		r.author = cmp.Or(r.author, authorOf(n))
	}
	return nil
}

// item reads an RSS item or Atom entry; the first non-empty element of
// each field wins.
func (r *xmlReader) item(n item) Item {
	base := rebase(r.base, xmlBase(n.Attrs))
	var it Item
	permalink := "" // a guid that is the item's URL, when it has no link
	for _, c := range n.Fields {
		if !known[c.XMLName.Space] {
			continue
		}
		switch c.XMLName.Local {
		case "guid":
			it.ID = cmp.Or(it.ID, c.text())
			if c.attr("isPermaLink") != "false" { // RSS 2.0: true unless said otherwise
				permalink = cmp.Or(permalink, absLink(nil, c.text()))
			}
		case "id":
			it.ID = cmp.Or(it.ID, c.text())
		case "link":
			it.Link = cmp.Or(it.Link, linkOf(c, base))
		case "title":
			it.Title = cmp.Or(it.Title, textOf(c))
		case "creator", "author":
			it.Author = cmp.Or(it.Author, authorOf(c))
		case "pubDate", "date", "published", "issued":
			setTime(&it.Published, c.text())
		case "updated", "modified":
			setTime(&it.Updated, c.text())
		case "encoded", "content":
			it.Content = cmp.Or(it.Content, textOf(c))
		case "description", "summary":
			it.Summary = cmp.Or(it.Summary, textOf(c))
		}
	}
	it.ID = cmp.Or(it.ID, attr(n.Attrs, "about")) // RSS 1.0: <item rdf:about="…">
	it.Link = cmp.Or(it.Link, permalink)
	return it
}

func setTime(t *time.Time, s string) {
	if t.IsZero() {
		*t = parseTime(s)
	}
}

// textOf is an element's text. Atom XHTML content, and HTML a publisher
// forgot to escape, arrive as child elements: then their markup is the text.
func textOf(n node) string {
	if n.attr("type") == "xhtml" || len(n.Children) > 0 {
		return strings.TrimSpace(n.Inner)
	}
	return n.text()
}

// linkOf reads an RSS <link>URL</link> or an Atom <link href rel>, of which
// only a link to the item itself (rel alternate, the default) counts.
func linkOf(n node, base *url.URL) string {
	href := n.attr("href")
	if href == "" {
		return absLink(base, n.text())
	}
	if rel := n.attr("rel"); rel != "" && rel != "alternate" {
		return ""
	}
	return absLink(rebase(base, xmlBase(n.Attrs)), href)
}

func xmlBase(attrs []xml.Attr) string {
	for _, a := range attrs {
		if a.Name.Local == "base" && (a.Name.Space == nsXML || a.Name.Space == "xml") {
			return a.Value
		}
	}
	return ""
}

var (
	mailThenNameRe = regexp.MustCompile(`^\S+@\S+\s*\((.+)\)$`) // jane@example.com (Jane Roe)
	nameThenMailRe = regexp.MustCompile(`^(.+?)\s*<\S+@\S+>$`)  // Jane Roe <jane@example.com>
)

// authorOf reads an Atom <author><name>, a dc:creator, or an RSS author,
// which RSS 2.0 makes an e-mail address with the name in parentheses. A
// bare address is no byline.
func authorOf(n node) string {
	for _, c := range n.Children {
		if c.XMLName.Local == "name" {
			return strings.TrimSpace(c.Text)
		}
	}
	s := n.text()
	if m := mailThenNameRe.FindStringSubmatch(s); m != nil {
		return strings.TrimSpace(m[1])
	}
	if m := nameThenMailRe.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	if strings.Contains(s, "@") && !strings.ContainsAny(s, " \t") {
		return ""
	}
	return s
}

// isSchedule names the channel elements that say how often to poll: RSS
// 2.0 <ttl> and the syndication module's sy:updatePeriod and
// sy:updateFrequency.
func isSchedule(name xml.Name) bool {
	if name.Local == "ttl" {
		return name.Space == ""
	}
	return (name.Space == nsSy || name.Space == "sy") &&
		(name.Local == "updatePeriod" || name.Local == "updateFrequency")
}

func (r *xmlReader) takeSchedule(d *xml.Decoder, start xml.StartElement) error {
	var n node
	if err := d.DecodeElement(&n, &start); err != nil {
		return err
	}
	switch start.Name.Local {
	case "ttl":
		if minutes, err := strconv.Atoi(n.text()); err == nil && minutes > 0 && r.feed.TTL == 0 {
			r.feed.TTL = time.Duration(minutes) * time.Minute
		}
	case "updatePeriod":
		r.syPeriod = cmp.Or(r.syPeriod, strings.ToLower(n.text()))
	case "updateFrequency":
		if f, err := strconv.Atoi(n.text()); err == nil && f > 0 && r.syFreq == 0 {
			r.syFreq = f
		}
	}
	return nil
}

// syPeriods are the values sy:updatePeriod may take.
var syPeriods = map[string]time.Duration{
	"hourly": time.Hour, "daily": 24 * time.Hour, "weekly": 7 * 24 * time.Hour,
	"monthly": 30 * 24 * time.Hour, "yearly": 365 * 24 * time.Hour,
}

// updateInterval is the period divided by the frequency (1 by default, as
// the module says). A frequency without a period means per day.
func updateInterval(period string, freq int) time.Duration {
	if period == "" && freq == 0 {
		return 0
	}
	d, ok := syPeriods[cmp.Or(period, "daily")]
	if !ok {
		return 0
	}
	return d / time.Duration(max(freq, 1))
}
