package corpus

import (
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"
)

// parseText reads a plain text file: one article, paragraphs separated by
// blank lines.
//
// Scraped pages carry site chrome around the article, so the reader looks
// for structure instead of trusting the first lines:
//
//   - The body starts at the first prose block (long, sentence-like lines).
//     Short lines before it are the header: navigation and labels are
//     dropped, a "By …" line or a lone name-like line is the author, a line
//     that is only a date is the publication date, the longest remaining
//     line without a final period is the title, and lines ending with a
//     period (a standfirst) become the first paragraphs.
//   - After the body, a tail marker line ("About the Author", "Related
//     Posts", "Comments", …) cuts it and everything after it, provided the
//     tail is smaller than the body before it (so a marker-like phrase early
//     in a long text cannot eat the article). Markers that introduce lists
//     ("Related Posts", "Share this:", "Tags") cut only when no prose block
//     follows them, so a link box mid-article cannot eat the rest.
//   - Without such a header, the first line is the title if it is short and
//     has no final period, else the title comes from the file name.
//   - YAML front matter with article keys (as in Markdown) replaces the
//     header heuristics.
//
// Paragraphs are numbered by their position in the source: the text is a
// sequence of blocks separated by blank lines, except that a block holding a
// line of 100 runes or more is one paragraph per line (files that use single
// newlines between paragraphs), and n is the 1-based position of the block
// (or line) a paragraph comes from. Header, title and tail blocks are not
// paragraphs but keep their positions, as a dropped paragraph does: on a
// scraped page whose first two blocks are chrome and the headline, the
// first body paragraph is ¶3, and it stays ¶3 however the reader's
// heuristics classify what comes before it.
func parseText(name, text string) ([]briefbot.Article, []Warning) {
	a := briefbot.Article{ID: idFromName(name), Path: name}
	// Front matter, as in Markdown, overrides what the header heuristics
	// find. It is read before normalizeText, which drops the indentation
	// YAML needs.
	hasFM := false
	var warns []Warning
	if strings.HasPrefix(text, "---") {
		if fm, body, ok := splitFrontMatter(normalizeIndented(text)); ok && hasArticleKeys(fm) {
			text, hasFM = body, true
			warns = applyFrontMatter(&a, fm, name)
		}
	}
	text = normalizeText(text)
	blocks, _ := splitBlocks(text)
	var blockLines [][]string
	for _, b := range blocks {
		blockLines = append(blockLines, strings.Split(b, "\n"))
	}
	pos := newPositions(blockLines)
	start := 0
	var paras []rawPara
	trimmed := 0 // lines the header took off the front of the first block
	if !hasFM && len(blockLines) > 0 {
		before := len(blockLines[0])
		h := parseHeader(blockLines)
		a.Title, a.Author, a.Published, start = h.title, h.author, h.published, h.bodyStart
		paras = pos.lead(h.lead, start)
		trimmed = before - len(blockLines[0])
	}
	bodyBlocks := cutTail(blockLines[start:])
	if a.Title == "" {
		a.Title = titleFromName(name)
	}
	for j, lines := range bodyBlocks {
		if isLinkBox(lines) {
			continue // chrome, like the header: not a paragraph
		}
		i := start + j
		skipped := 0
		if i == 0 {
			skipped = trimmed
		}
		for k, p := range blockParagraphs(lines) {
			paras = append(paras, rawPara{N: pos.of(i, skipped+k), Text: p})
		}
	}
	warns = append(warns, finish(&a, paras, name, 0)...)
	return []briefbot.Article{a}, warns
}

// positions numbers the units of a plain text source: its blocks, or the
// lines of a block that holds a long line (see blockParagraphs).
type positions struct {
	lines   [][]string // each block's lines as read, before the header takes any
	first   []int      // the position of each block's first unit
	perLine []bool     // each line of the block is a unit of its own
}

func newPositions(blocks [][]string) positions {
	p := positions{lines: make([][]string, len(blocks)), first: make([]int, len(blocks)), perLine: make([]bool, len(blocks))}
	n := 1
	for i, b := range blocks {
		p.lines[i] = b
		p.first[i] = n
		// Decided once per block: of is asked for every paragraph, and
		// scanning the block's lines each time made a block of many short
		// lines quadratic.
		p.perLine[i] = len(b) > 1 && hasLongLine(b)
		if p.perLine[i] {
			n += len(b)
		} else {
			n++
		}
	}
	return p
}

// of is the position of line k of block i.
func (p positions) of(i, k int) int {
	if p.perLine[i] {
		return p.first[i] + k
	}
	return p.first[i]
}

// lead numbers the standfirst lines the header found (in its first header
// blocks, before block bodyStart, or in the lines it took off the first
// block). Lines that share a position are one paragraph.
func (p positions) lead(lines []string, bodyStart int) []rawPara {
	var out []rawPara
	from := 0 // blocks and lines are searched in order
	fromLine := 0
	for _, l := range lines {
		n := 0
		for i := from; i < len(p.lines) && i <= bodyStart && n == 0; i++ {
			for k := fromLine; k < len(p.lines[i]); k++ {
				if p.lines[i][k] == l {
					n, from, fromLine = p.of(i, k), i, k+1
					break
				}
			}
			if n == 0 {
				fromLine = 0
			}
		}
		if n == 0 {
			continue // not found: cannot happen, the header took it from these lines
		}
		if len(out) > 0 && out[len(out)-1].N == n {
			out[len(out)-1].Text += " " + l
			continue
		}
		out = append(out, rawPara{N: n, Text: l})
	}
	return out
}

// header is what parseHeader learnt from the lines before the body.
type header struct {
	title, author string
	published     time.Time
	bodyStart     int      // index of the first body block
	lead          []string // standfirst lines, paragraphs before the body
}

const (
	proseRunes     = 80  // a block at least this long, ending a sentence, is prose
	longProseRunes = 250 // a block this long is prose however it ends
	maxHeaderLines = 20
	maxHeaderRunes = 200 // a header line is never longer
)

// isProseBlock reports whether a block of lines reads like body text rather
// than a header: long enough, and made of long lines (not a list of labels).
func isProseBlock(lines []string) bool {
	total, longest := 0, 0
	for _, l := range lines {
		n := utf8.RuneCountInString(l)
		total += n
		longest = max(longest, n)
	}
	avg := total / len(lines)
	if avg < 30 && longest < 100 {
		return false
	}
	joined := strings.Join(lines, " ")
	return (total >= proseRunes && textrules.EndsSentence(joined) && textrules.WordCount(joined) >= 12) || total >= longProseRunes
}

// parseHeader reads the header of a plain text file: the short lines before
// its first prose block (or glued on top of it). It may take lines off the
// front of blocks[0].
func parseHeader(blocks [][]string) header {
	lines, bodyStart, found := headerLines(blocks)
	if !found {
		return firstLineTitle(blocks)
	}
	if len(lines) == 0 {
		return header{}
	}
	f := readHeaderFields(lines)
	heads, lead := splitHeadlines(f.rest)
	if len(heads) == 0 && len(lead) > 0 {
		// The "header" is short sentences, not a headline: there is no
		// header, and everything is body.
		return firstLineTitle(blocks)
	}
	return header{
		title:     longestHeadline(heads),
		author:    f.author,
		published: f.published,
		bodyStart: bodyStart,
		lead:      lead,
	}
}

// headerLines finds the header: the lines of the blocks before the first
// prose block (bodyStart is that block), or short lines glued on top of a
// first prose block, which it takes off blocks[0]. found is false when the
// file has no header: no prose block near the top, or a would-be header too
// long to be one.
func headerLines(blocks [][]string) (lines []string, bodyStart int, found bool) {
	first := firstProseBlock(blocks)
	switch {
	case first > 0:
		for _, b := range blocks[:first] {
			lines = append(lines, b...)
		}
		if !fitsHeader(lines) {
			return nil, 0, false
		}
		return lines, first, true
	case first == 0:
		// Leading short lines glued to the first paragraph ("Title\nText…").
		b := blocks[0]
		k := 0
		if hasLongLine(b) {
			for k < len(b)-1 && utf8.RuneCountInString(b[k]) < 100 && !textrules.EndsSentence(b[k]) {
				k++
			}
		}
		blocks[0] = b[k:]
		return b[:k], 0, true
	}
	return nil, 0, false
}

// firstProseBlock is the index of the first prose block among the first
// blocks of a file, or -1.
func firstProseBlock(blocks [][]string) int {
	for i, b := range blocks {
		if isProseBlock(b) {
			return i
		}
		if i >= maxHeaderLines {
			break
		}
	}
	return -1
}

// fitsHeader reports whether lines are few and short enough to be a header.
func fitsHeader(lines []string) bool {
	if len(lines) > maxHeaderLines {
		return false
	}
	for _, l := range lines {
		if utf8.RuneCountInString(l) > maxHeaderRunes {
			return false
		}
	}
	return true
}

// headerFields is what the header's lines say besides the title.
type headerFields struct {
	author    string
	published time.Time
	rest      []string // lines left for the title and the standfirst
}

// readHeaderFields drops the navigation, labels and junk among the header
// lines and reads the byline and the date; a lone name-like line is the
// author when no byline names one.
func readHeaderFields(lines []string) headerFields {
	var f headerFields
	for _, l := range lines {
		low := strings.ToLower(l)
		switch {
		case isLabel(low) || isNavLine(l) || isMenuLine(low) || isReadingTime(low):
		case isBylineLine(l):
			if f.author == "" {
				f.author = bylineName(l)
			}
		case isTimestamp(low) || isDateLine(l):
			f.readDateLine(l, low)
		case isJunkPhrase(l):
		default:
			f.rest = append(f.rest, l)
		}
	}
	f.takeNameLine()
	return f
}

// readDateLine reads a date line, and the author it may name ("Posted on
// March 3, 2021 by Ann Lee"). The first date found is kept.
func (f *headerFields) readDateLine(l, low string) {
	if i := strings.LastIndex(low, " by "); i > 0 && f.author == "" {
		f.author = cleanAuthor(l[i+4:])
	}
	if !f.published.IsZero() {
		return
	}
	if t := parseDate(l); !t.IsZero() {
		f.published = t
	} else if t := datelineDate(l); !t.IsZero() {
		f.published = t
	}
}

// takeNameLine makes the first name-like line the author, when no byline
// gave one and some other line is left for the title.
func (f *headerFields) takeNameLine() {
	if f.author != "" || len(f.rest) < 2 {
		return
	}
	for i, c := range f.rest {
		if isNameLike(c) {
			f.author = c
			f.rest = append(f.rest[:i:i], f.rest[i+1:]...)
			return
		}
	}
}

// splitHeadlines separates headline-like lines from lines that end like a
// sentence: those are a standfirst, not the headline, and become the first
// paragraphs.
func splitHeadlines(lines []string) (heads, lead []string) {
	for _, l := range lines {
		if strings.HasSuffix(l, ".") {
			lead = append(lead, l)
		} else {
			heads = append(heads, l)
		}
	}
	return heads, lead
}

// longestHeadline is the title: the longest headline-like line; on a tie
// the later one, which sits right above the body.
func longestHeadline(heads []string) string {
	title := ""
	for _, c := range heads {
		if utf8.RuneCountInString(c) >= utf8.RuneCountInString(title) {
			title = c
		}
	}
	return title
}

// firstLineTitle handles a file with no header: the first line is the
// title when it is short and has no final period (and it is then not a
// paragraph).
func firstLineTitle(blocks [][]string) header {
	var h header
	if len(blocks) == 0 {
		return h
	}
	l := blocks[0][0]
	more := len(blocks) > 1 || len(blocks[0]) > 1
	if more && utf8.RuneCountInString(l) <= 150 && !strings.HasSuffix(l, ".") && !isJunkPhrase(l) {
		h.title = l
		if len(blocks[0]) > 1 {
			blocks[0] = blocks[0][1:]
		} else {
			h.bodyStart = 1
		}
	}
	return h
}

func hasLongLine(lines []string) bool {
	for _, l := range lines {
		if utf8.RuneCountInString(l) >= 100 {
			return true
		}
	}
	return false
}

// blockParagraphs turns a block of lines into paragraphs. Hard-wrapped text
// never has a line of 100 runes or more, so a block with such a line uses
// single newlines between paragraphs: one paragraph per line. Otherwise the
// lines are joined.
func blockParagraphs(lines []string) []string {
	if len(lines) == 1 || hasLongLine(lines) {
		return lines
	}
	return []string{strings.Join(lines, " ")}
}

// tailMarkers start end matter that may hold prose (a bio, comments):
// everything from such a line on is chrome.
var tailMarkers = map[string]bool{
	"about the author": true, "about the authors": true, "about the writer": true, "comments": true,
	"leave a comment": true, "leave a reply": true, "post a comment": true, "join the conversation": true,
}

// weakTailMarkers introduce lists (related links, share buttons, tags).
// They end a page only when no prose block follows them: the same lines also
// head link boxes in the middle of an article, and "Share this:" or
// "Subscribe" sit between paragraphs, where the boilerplate filter drops
// them one by one.
var weakTailMarkers = map[string]bool{
	"related topics": true, "related posts": true, "related articles": true, "related stories": true,
	"related content": true, "related": true, "read next": true, "read more": true, "more from": true,
	"more stories": true, "more on this story": true, "you may also like": true, "you might also like": true,
	"recommended": true, "recommended for you": true, "most read": true, "most popular": true,
	"trending": true, "trending now": true, "popular posts": true, "tags": true, "topics": true,
	"latest news": true, "editor's picks": true, "see also": true,
	"share this": true, "share this article": true, "share this story": true, "share": true,
	"like this": true, "subscribe": true, "subscribe to our newsletter": true, "sign up for our newsletter": true,
	"newsletter": true, "follow us": true, "share on": true, "spread the word": true,
}

// isLinkBox reports a block that is a list marker ("Related", "Read more")
// followed by short lines: a box of links inside the article.
func isLinkBox(lines []string) bool {
	if len(lines) < 2 || !isWeakTailMarker(lines[0]) {
		return false
	}
	for _, l := range lines[1:] {
		if utf8.RuneCountInString(l) >= 100 || textrules.EndsSentence(l) && textrules.WordCount(l) > 12 {
			return false
		}
	}
	return true
}

func isTailMarker(line string) bool {
	return tailMarkers[strings.ToLower(strings.Trim(line, " :.-–—|»›#*"))]
}

func isWeakTailMarker(line string) bool {
	low := strings.ToLower(strings.Trim(line, " :.-–—|»›#*"))
	if weakTailMarkers[low] {
		return true
	}
	// "Tags: a, b, c" and "Related: …" lines.
	if k, _, ok := strings.Cut(low, ":"); ok && len(k) < 20 && (k == "tags" || k == "topics" || k == "related" || k == "filed under" || k == "categories") {
		return true
	}
	return false
}

// cutTail removes the end matter: from the first tail marker line to the
// end, when that tail is smaller than the body before it (and, for a weak
// marker, holds no prose block after the marker's own block).
func cutTail(blocks [][]string) [][]string {
	total := 0
	sizes := make([]int, len(blocks))
	for i, b := range blocks {
		for _, l := range b {
			sizes[i] += utf8.RuneCountInString(l)
		}
		total += sizes[i]
	}
	// proseAfter[i]: some block after block i is prose.
	proseAfter := make([]bool, len(blocks)+1)
	for i := len(blocks) - 1; i >= 0; i-- {
		proseAfter[i] = proseAfter[i+1] || (i+1 < len(blocks) && isProseBlock(blocks[i+1]))
	}
	before := 0
	for i, b := range blocks {
		lineBefore := 0 // runes of b before line j
		for j, l := range b {
			n := utf8.RuneCountInString(l)
			if n <= 60 && (isTailMarker(l) || isWeakTailMarker(l) && !proseAfter[i]) {
				if at := before + lineBefore; at > 0 && at > total-at {
					out := blocks[:i:i]
					if j > 0 {
						out = append(out, b[:j])
					}
					return out
				}
			}
			lineBefore += n
		}
		before += sizes[i]
	}
	return blocks
}

// isNavLine matches breadcrumb and menu lines: several short items joined
// by separators ("Home > World > Asia", "News | Sport | Weather").
func isNavLine(l string) bool {
	for _, sep := range []string{" > ", " | ", " › ", " » ", " / ", " • ", " · "} {
		if strings.Count(l, sep) >= 2 && !textrules.EndsSentence(l) {
			return true
		}
	}
	return false
}

// menuWords are site navigation items; a header line made mostly of them is
// a menu ("Home About Contact", "News Sport Weather").
var menuWords = map[string]bool{
	"home": true, "about": true, "contact": true, "news": true, "menu": true, "login": true, "log": true,
	"in": true, "sign": true, "search": true, "blog": true, "subscribe": true, "world": true, "sport": true,
	"sports": true, "business": true, "opinion": true, "politics": true, "weather": true, "us": true,
	"tech": true, "science": true, "health": true, "entertainment": true, "culture": true, "video": true,
	"videos": true, "live": true, "latest": true, "more": true, "shop": true, "travel": true, "style": true,
	"account": true, "register": true, "faq": true, "privacy": true, "terms": true, "careers": true,
}

func isMenuLine(low string) bool {
	words := strings.Fields(low)
	if len(words) < 2 {
		return false
	}
	n := 0
	for _, w := range words {
		if menuWords[strings.Trim(w, ".,:|·•")] {
			n++
		}
	}
	return n*3 >= len(words)*2
}

func isReadingTime(low string) bool {
	return (strings.HasSuffix(low, "min read") || strings.HasSuffix(low, "minute read") ||
		strings.HasSuffix(low, "minutes read") || strings.HasPrefix(low, "reading time")) && len(low) < 40
}

// isBylineLine matches "By Jane Doe", "Posted by Jane Doe", "Written by …",
// "Author: …".
func isBylineLine(l string) bool {
	low := strings.ToLower(l)
	for _, p := range []string{"by ", "posted by ", "written by ", "words by ", "author: ", "authors: ", "reporting by "} {
		if strings.HasPrefix(low, p) && len(l) > len(p) && utf8.RuneCountInString(l) <= 120 {
			return true
		}
	}
	return false
}

func bylineName(l string) string {
	low := strings.ToLower(l)
	for _, p := range []string{"posted by ", "written by ", "words by ", "reporting by ", "authors: ", "author: ", "by "} {
		if strings.HasPrefix(low, p) {
			return cleanAuthor(l[len(p):])
		}
	}
	return cleanAuthor(l)
}

// cleanAuthor trims a byline to the names: no "By", no trailing date or
// site after a separator, no e-mail address.
func cleanAuthor(s string) string {
	s = cleanParagraph(s)
	low := strings.ToLower(s)
	if strings.HasPrefix(low, "by ") {
		s = s[3:]
	}
	for _, sep := range []string{" | ", " - ", " – ", " — ", " • ", "  "} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	// A date glued after the name: "Jane Doe, June 12, 2022".
	if i := strings.IndexByte(s, ','); i > 0 && !datelineDate(s[i:]).IsZero() {
		s = s[:i]
	}
	// Names have no digits: a date or a count glued on goes
	// ("Lucas Nolan22 Dec 2016651").
	if i := strings.IndexAny(s, "0123456789"); i > 0 {
		s = s[:i]
	}
	var kept []string
	for _, f := range strings.Fields(s) {
		if strings.Contains(f, "@") || strings.HasPrefix(f, "http") {
			continue
		}
		kept = append(kept, f)
	}
	s = strings.Join(kept, " ")
	s = strings.Trim(s, " ,;:")
	if utf8.RuneCountInString(s) > 100 {
		return ""
	}
	return s
}

// isDateLine reports whether a short line is only a date (maybe with a time
// or a "Published" label).
func isDateLine(l string) bool {
	if utf8.RuneCountInString(l) > 60 {
		return false
	}
	if !parseDate(l).IsZero() {
		return true
	}
	if datelineDate(l).IsZero() {
		return false
	}
	// Mostly date: few words that aren't date-ish.
	return textrules.WordCount(l) <= 8 && !textrules.EndsSentence(strings.TrimRight(l, "0123456789 "))
}

var nameParticles = map[string]bool{
	"de": true, "da": true, "di": true, "del": true, "della": true, "der": true, "van": true, "von": true,
	"bin": true, "bint": true, "al": true, "el": true, "la": true, "le": true, "du": true, "dos": true,
	"ibn": true, "ter": true, "and": true,
}

// publicationWords mark a site or section name, not a person.
var publicationWords = map[string]bool{
	"news": true, "times": true, "post": true, "daily": true, "tribune": true, "herald": true,
	"journal": true, "gazette": true, "guardian": true, "telegraph": true, "express": true,
	"review": true, "magazine": true, "media": true, "network": true, "press": true, "online": true,
	"today": true, "weekly": true, "chronicle": true, "observer": true, "world": true, "politics": true,
	"business": true, "opinion": true, "sport": true, "sports": true, "staff": true, "editorial": true,
	"desk": true, "team": true, "reuters": true, "agency": true, "blog": true, "radio": true, "tv": true,
}

// isNameLike reports whether a short line looks like a person's name: two to
// five words, capitalised (particles aside), letters only, no final period.
func isNameLike(l string) bool {
	if utf8.RuneCountInString(l) > 40 || textrules.EndsSentence(l) && !strings.HasSuffix(l, ".") {
		return false
	}
	words := strings.Fields(l)
	if len(words) < 2 || len(words) > 5 {
		return false
	}
	if words[0] == "The" {
		return false // "The Express Tribune" is a publication
	}
	for _, w := range words {
		if nameParticles[w] {
			continue
		}
		if publicationWords[strings.ToLower(w)] {
			return false
		}
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			return false
		}
		for _, c := range w {
			if !unicode.IsLetter(c) && c != '.' && c != '\'' && c != '’' && c != '-' {
				return false
			}
		}
	}
	// A trailing period is only allowed on an initial ("John F.").
	last := words[len(words)-1]
	return !strings.HasSuffix(last, ".") || utf8.RuneCountInString(last) <= 2
}

// titleFromName derives a title from a file name: "world/kursk-attack.txt"
// -> "Kursk attack". Names that look like hashes or numbers give "".
func titleFromName(name string) string {
	base := idFromName(path.Base(name))
	base = strings.NewReplacer("_", " ", "-", " ").Replace(base)
	var words []string
	for _, w := range strings.Fields(base) {
		if isHashLike(w) {
			continue
		}
		words = append(words, w)
	}
	if len(words) == 0 {
		return ""
	}
	t := strings.Join(words, " ")
	r, size := utf8.DecodeRuneInString(t)
	return string(unicode.ToUpper(r)) + t[size:]
}

// isHashLike is true for digit runs and long hex strings.
func isHashLike(w string) bool {
	digits, hex := 0, 0
	for _, c := range w {
		switch {
		case c >= '0' && c <= '9':
			digits++
			hex++
		case (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'):
			hex++
		}
	}
	n := utf8.RuneCountInString(w)
	return digits == n || (n >= 8 && hex == n)
}
