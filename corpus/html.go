package corpus

import (
	"encoding/json"
	"net/url"
	"path"
	"strings"

	"golang.org/x/net/html/charset"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ParseHTML reads one HTML page fetched from pageURL (which may be empty) into
// articles, for fetch-by-URL. It works like Parse on a ".html" file, except
// that the article id is IDFromURL of the URL ("cnn.com/2022/06/12/media/x"),
// warnings name pageURL, and Article.Path is empty.
func ParseHTML(data []byte, pageURL, contentType string) (arts []briefbot.Article, warns []Warning) {
	label := pageURL
	if label == "" {
		label = "page.html"
	}
	defer recoverAsWarning(label, &arts, &warns)
	text, warns, ok := readText(label, fromDeclaredCharset(data, contentType))
	if !ok {
		return nil, warns
	}
	arts, w := parseHTMLText("", text, pageURL)
	for i := range w {
		if w[i].Path == "" {
			w[i].Path = label
		}
	}
	return arts, append(warns, w...)
}

// fromDeclaredCharset re-encodes an HTML page as UTF-8 when it declares
// another character set (the Content-Type header's charset, then <meta
// charset> or http-equiv in the first 1,024 bytes), as browsers do: a
// Shift_JIS or KOI8-R page read as Windows-1252 would be gibberish. A byte
// order mark, no declaration, or one for UTF-8 or Windows-1252 (which the
// WHATWG labels make of ISO-8859-1 too) leaves the bytes to readText, which
// reads valid UTF-8 as UTF-8 whatever the label says: mislabelled pages are
// common, and their bytes win.
func fromDeclaredCharset(data []byte, contentType string) []byte {
	if hasBOM(data) {
		return data
	}
	_, name, _ := charset.DetermineEncoding(data, contentType)
	if name == "utf-8" || name == "windows-1252" {
		return data
	}
	enc, _ := charset.Lookup(name)
	if enc == nil {
		return data
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return data
	}
	return out
}

// hasBOM reports whether data starts with a UTF-8 or UTF-16 byte-order mark.
func hasBOM(data []byte) bool {
	return len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF ||
		len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF)
}

// FromFragment completes article a (its metadata already set, for example
// from a feed item) with the paragraphs of an HTML fragment or plain text,
// such as a feed item's content: block elements, double <br> or blank lines
// separate paragraphs, markup and scripts go, and the paragraphs are
// cleaned, numbered and filtered as Parse does. HTML in the title is
// reduced to its text. A warning (naming warnPath) says when no paragraph is
// left.
func FromFragment(a briefbot.Article, fragment, warnPath string) (briefbot.Article, []Warning) {
	a.Title = strings.Join(fragmentBlocks(a.Title), " ")
	a.Author = strings.Join(fragmentBlocks(a.Author), " ")
	return a, finish(&a, numbered(fragmentBlocks(fragment)), warnPath, 0)
}

// fragmentBlocks is the paragraph text of an HTML fragment, or of plain
// text split on blank lines.
func fragmentBlocks(s string) []string {
	s = normalizeText(s)
	if !strings.Contains(s, "<") {
		blocks, _ := splitBlocks(s)
		return blocks
	}
	div := &html.Node{Type: html.ElementNode, DataAtom: atom.Div, Data: "div"}
	nodes, err := html.ParseFragment(strings.NewReader(s), div)
	if err != nil {
		blocks, _ := splitBlocks(s)
		return blocks
	}
	for _, n := range nodes {
		div.AppendChild(n)
	}
	var out []string
	for _, b := range htmlBlocks(div) {
		// Plain text with blank lines inside a fragment with some markup.
		parts, _ := splitBlocks(b)
		out = append(out, parts...)
	}
	return out
}

// parseHTMLText reads an HTML page: metadata from meta tags and JSON-LD,
// body paragraphs from the block elements (p, li, blockquote, …) of the
// content go-readability extracts. Headings are not paragraphs and take no
// number, as in Markdown. name is the file path ("" for a fetched page);
// pageURL the address it came from ("" for a file).
func parseHTMLText(name, text, pageURL string) ([]briefbot.Article, []Warning) {
	warnPath := name
	if warnPath == "" {
		warnPath = pageURL
	}
	doc, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return nil, []Warning{{Path: warnPath, Reason: "unreadable HTML: " + shortErr(err)}}
	}
	meta := readHTMLMeta(doc)

	a := briefbot.Article{Path: name}
	a.URL = firstNonEmpty(pageURL, meta.canonical, meta.get("og:url"), meta.ld.URL)
	a.Title = firstNonEmpty(meta.ld.Headline, meta.get("og:title"), meta.get("twitter:title"), meta.title)
	a.Author = firstNonEmpty(meta.ld.Author, nonURL(meta.get("article:author")), meta.get("author"),
		meta.get("byl"), meta.get("dc.creator"), meta.get("parsely-author"), meta.get("sailthru.author"))
	a.Source = firstNonEmpty(meta.ld.Publisher, meta.get("og:site_name"), meta.get("application-name"))
	for _, d := range []string{meta.ld.DatePublished, meta.get("article:published_time"), meta.get("date"),
		meta.get("pubdate"), meta.get("publish-date"), meta.get("dc.date"), meta.get("dc.date.issued"),
		meta.get("parsely-pub-date"), meta.get("sailthru.date"), meta.get("og:published_time"), meta.timeTag} {
		if d == "" {
			continue
		}
		if t := parseDate(d); !t.IsZero() {
			a.Published = t
			break
		}
	}

	var base *url.URL
	if a.URL != "" {
		base, _ = url.Parse(a.URL)
	}
	parser := readability.NewParser()
	// Huge pages skip readability (it errors past this many elements) and
	// fall back to their paragraphs, to keep ingest fast.
	parser.MaxElemsToParse = 50000
	ra, rerr := parser.ParseAndMutate(doc, base)
	var blocks []string
	if rerr == nil && ra.Node != nil {
		blocks = htmlBlocks(ra.Node)
		if a.Title == "" {
			a.Title = ra.Title()
		}
		if a.Author == "" {
			a.Author = ra.Byline()
		}
		if a.Source == "" {
			a.Source = ra.SiteName()
		}
		if a.Published.IsZero() {
			if t, err := ra.PublishedTime(); err == nil {
				a.Published = sane(t)
			}
		}
	}
	if len(blocks) == 0 {
		// Readability found nothing: fall back to every paragraph of the
		// page (doc was mutated, but its <p> elements mostly survive).
		blocks = htmlBlocks(doc)
	}
	// A site suffix in the title ("Headline - CNN") goes.
	a.Title = textrules.TrimSiteSuffix(a.Title, a.Source)

	switch {
	case name != "":
		a.ID = idFromName(name)
	case a.URL != "":
		a.ID = IDFromURL(a.URL)
	}
	if a.ID == "" {
		a.ID = "page"
	}
	paras := numbered(blocks)
	if a.Title == "" && name != "" {
		a.Title = titleFromName(name)
	}
	w := finish(&a, paras, warnPath, 0)
	return []briefbot.Article{a}, w
}

// htmlMeta is what a page says about itself.
type htmlMeta struct {
	props     map[string]string // meta name/property (lower case) -> content; first wins
	canonical string
	title     string
	timeTag   string // datetime of the first <time> element
	ld        ldArticle
}

func (m htmlMeta) get(k string) string { return m.props[k] }

// ldArticle is the subset of a schema.org Article in JSON-LD that we use.
type ldArticle struct {
	Headline, Author, DatePublished, Publisher, URL string
}

func readHTMLMeta(doc *html.Node) htmlMeta {
	m := htmlMeta{props: map[string]string{}}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch tagOf(n) {
			case atom.Meta:
				key := strings.ToLower(firstNonEmpty(attr(n, "property"), attr(n, "name"), attr(n, "itemprop")))
				if content := strings.TrimSpace(attr(n, "content")); key != "" && content != "" {
					if _, seen := m.props[key]; !seen {
						m.props[key] = content
					}
				}
			case atom.Link:
				if strings.EqualFold(attr(n, "rel"), "canonical") && m.canonical == "" {
					m.canonical = attr(n, "href")
				}
			case atom.Title:
				if m.title == "" {
					m.title = textOf(n)
				}
			case atom.Time:
				if m.timeTag == "" {
					m.timeTag = attr(n, "datetime")
				}
			case atom.Script:
				if strings.Contains(strings.ToLower(attr(n, "type")), "ld+json") && m.ld.Headline == "" {
					m.ld = parseJSONLD(rawText(n))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return m
}

// parseJSONLD finds the first article-typed object in a JSON-LD script
// (a single object, an array, or an @graph).
func parseJSONLD(s string) ldArticle {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return ldArticle{}
	}
	var found ldArticle
	var visit func(v any, depth int) bool
	visit = func(v any, depth int) bool {
		if depth > 4 {
			return false
		}
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				if visit(e, depth+1) {
					return true
				}
			}
		case map[string]any:
			if isArticleType(x["@type"]) {
				found = ldArticle{
					Headline:      ldString(x["headline"]),
					Author:        ldName(x["author"]),
					DatePublished: ldString(x["datePublished"]),
					Publisher:     ldName(x["publisher"]),
					URL:           firstNonEmpty(ldString(x["url"]), ldID(x["mainEntityOfPage"])),
				}
				if found.Headline == "" {
					found.Headline = ldString(x["name"])
				}
				return true
			}
			if g, ok := x["@graph"]; ok {
				return visit(g, depth+1)
			}
		}
		return false
	}
	visit(v, 0)
	return found
}

func isArticleType(t any) bool {
	switch x := t.(type) {
	case string:
		return strings.HasSuffix(x, "Article") || x == "BlogPosting" || x == "Report" || x == "LiveBlogPosting"
	case []any:
		for _, e := range x {
			if isArticleType(e) {
				return true
			}
		}
	}
	return false
}

func ldString(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		if len(x) > 0 {
			return ldString(x[0])
		}
	}
	return ""
}

// ldName reads a name from a string, a {"name": …} object, or a list of
// either (names joined with ", ").
func ldName(v any) string {
	switch x := v.(type) {
	case string:
		return nonURL(strings.TrimSpace(x))
	case map[string]any:
		return ldString(x["name"])
	case []any:
		var names []string
		for _, e := range x {
			if n := ldName(e); n != "" {
				names = append(names, n)
			}
		}
		return strings.Join(names, ", ")
	}
	return ""
}

func ldID(v any) string {
	if m, ok := v.(map[string]any); ok {
		return ldString(m["@id"])
	}
	return ldString(v)
}

func nonURL(s string) string {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return ""
	}
	return s
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// blockAtoms are elements whose text is one paragraph.
var blockAtoms = map[atom.Atom]bool{
	atom.P: true, atom.Li: true, atom.Blockquote: true, atom.Pre: true, atom.Dd: true, atom.Dt: true,
	atom.Figcaption: true, atom.Td: true, atom.Th: true, atom.Caption: true,
}

var headingAtoms = map[atom.Atom]bool{
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
}

// skipAtoms hold no article text.
var skipAtoms = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Svg: true,
	atom.Nav: true, atom.Footer: true, atom.Header: true, atom.Aside: true, atom.Form: true,
	atom.Button: true, atom.Select: true, atom.Iframe: true, atom.Head: true,
}

// htmlBlocks collects the paragraph-level blocks under root in document
// order: the text of each block element, and runs of loose text inside
// containers (a <div> with text but no <p>). A block element that contains
// other block elements (a <blockquote> of <p>s, an <li> with a nested list)
// gives its children instead.
func htmlBlocks(root *html.Node) []string {
	var out []string
	var loose strings.Builder
	flushLoose := func() {
		// Loose text is split where two <br> meet (old pages separate
		// paragraphs that way); a single <br> is a space.
		for _, part := range splitDoubleBreak(loose.String()) {
			if part = strings.TrimSpace(strings.ReplaceAll(part, brMark, " ")); part != "" {
				out = append(out, part)
			}
		}
		loose.Reset()
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			loose.WriteString(n.Data)
			return
		case html.ElementNode:
			if skipAtoms[tagOf(n)] {
				return
			}
			if headingAtoms[tagOf(n)] {
				flushLoose()
				return
			}
			if tagOf(n) == atom.Br {
				loose.WriteString(brMark)
				return
			}
			if blockAtoms[tagOf(n)] && !hasBlockChild(n) {
				flushLoose()
				if s := strings.TrimSpace(textOf(n)); s != "" {
					out = append(out, s)
				}
				return
			}
			if isBlockish(tagOf(n)) {
				flushLoose()
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c)
				}
				flushLoose()
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	flushLoose()
	return out
}

// brMark stands for a <br> in loose text until it is split. It is a
// control character, which page text practically never has and which
// cleaning removes from paragraphs anyway.
const brMark = "\x1e"

// splitDoubleBreak splits s where two brMarks are separated only by white
// space.
func splitDoubleBreak(s string) []string {
	if !strings.Contains(s, brMark) {
		return []string{s}
	}
	var parts []string
	start, last := 0, -1 // last: index of the previous mark, if only space followed it
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == brMark[0]:
			if last >= 0 {
				parts = append(parts, s[start:last])
				start, last = i+1, -1
				continue
			}
			last = i
		case c != ' ' && c != '\n' && c != '\t' && c != '\r':
			last = -1
		}
	}
	return append(parts, s[start:])
}

// isBlockish reports elements that break loose text into separate blocks.
func isBlockish(a atom.Atom) bool {
	switch a {
	case atom.Div, atom.Section, atom.Article, atom.Main, atom.Body, atom.Ul, atom.Ol, atom.Dl, atom.Table,
		atom.Tr, atom.Tbody, atom.Thead, atom.Figure, atom.Hr, atom.Details, atom.Summary:
		return true
	}
	return blockAtoms[a] || headingAtoms[a]
}

func hasBlockChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (blockAtoms[tagOf(c)] || headingAtoms[tagOf(c)] || tagOf(c) == atom.Ul ||
			tagOf(c) == atom.Ol || tagOf(c) == atom.Div || tagOf(c) == atom.Table || tagOf(c) == atom.Section) {
			return true
		}
	}
	return false
}

// tagOf is n's element atom. Nodes created by go-readability (it turns
// <div>s with text into <p>s) carry only the tag name, not the atom.
func tagOf(n *html.Node) atom.Atom {
	if n.DataAtom != 0 || n.Type != html.ElementNode {
		return n.DataAtom
	}
	return atom.Lookup([]byte(n.Data))
}

// rawText is the raw content of a <script>: its text children.
func rawText(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// textOf is the text content of n, with <br> as a space and scripts skipped.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if tagOf(n) == atom.Script || tagOf(n) == atom.Style || tagOf(n) == atom.Noscript {
				return
			}
			if tagOf(n) == atom.Br {
				b.WriteByte(' ')
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// IDFromURL derives a stable article id from a page URL, the same wherever
// briefbot meets the page (a fetched page, a feed item's link): the host
// without "www.", then the path without a trailing "/", "index.html" or a
// page extension, then the query without tracking parameters (utm_…,
// fbclid, …), its keys sorted, for sites whose articles differ only by
// query ("?p=123"). The fragment is dropped: '#' separates paragraph
// numbers in citations.
func IDFromURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return strings.Trim(strings.ReplaceAll(raw, "#", "/"), "/")
	}
	p := strings.TrimSuffix(path.Clean("/"+u.Path), "/")
	base := path.Base(p)
	if strings.HasPrefix(base, "index.") {
		p = path.Dir(p)
	} else if pageExtensions[path.Ext(base)] {
		p = strings.TrimSuffix(p, path.Ext(base))
	}
	id := siteOf(u) + strings.TrimSuffix(p, "/")
	q := u.Query()
	for k := range q {
		if isTrackingParam(k) {
			q.Del(k)
		}
	}
	if len(q) > 0 {
		id += "?" + q.Encode() // Encode sorts by key
	}
	return id
}

var pageExtensions = map[string]bool{".html": true, ".htm": true, ".php": true, ".shtml": true, ".aspx": true, ".asp": true, ".jsp": true}

// isTrackingParam reports query keys that say how a reader came to a page,
// not which page it is.
func isTrackingParam(k string) bool {
	k = strings.ToLower(k)
	if strings.HasPrefix(k, "utm") || strings.HasPrefix(k, "at_") || strings.HasPrefix(k, "ns_") {
		return true
	}
	switch k {
	case "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ref", "ref_src", "ref_url", "referrer",
		"cmpid", "cmp", "ito", "ocid", "smid", "share", "src", "source", "guccounter", "taid", "xtor", "igshid":
		return true
	}
	return false
}
