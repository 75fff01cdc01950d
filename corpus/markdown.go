package corpus

import (
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"go.yaml.in/yaml/v3"

	"github.com/briefbot/briefbot"
)

// parseMarkdown reads a Markdown file with optional YAML front matter.
//
// Front matter is the block between a first line "---" and the next "---"
// (or "..."), read as YAML: a mapping whose keys (in any case) are id,
// title/headline, author/authors/byline, date/published/pubdate/
// published_at/datepublished, source/site/publisher/site_name and
// url/link/canonical/canonical_url. A list gives its first item; nested
// maps and other keys are ignored. Front matter that is not valid YAML is
// ignored with a warning.
//
// The body is CommonMark with GitHub tables and strikethrough, parsed by
// goldmark. Paragraphs are its paragraphs; each list item is a paragraph of
// its own, and block quotes are read as the paragraphs they hold. Each row
// of a table is one paragraph that names its columns, "Country: France;
// Capital: Paris" (a row read alone, as a quoted passage is, still says what
// its values are); a table with no rows below its header is one paragraph
// of the header cells. HTML blocks give the paragraphs of their text.
// Headings, fenced and indented code, horizontal rules, HTML comments and
// link definitions are not paragraphs and take no number: N counts body
// paragraphs only, so numbers stay stable when a heading is added or
// removed. The first heading becomes the title when the front matter has
// none. Inline syntax goes, its text stays: links keep their text, code
// spans their code, emphasis its words; images and inline tags go. A run of
// lines longer than any hand-written paragraph (16 KB without a blank line)
// is read as several paragraphs: see boundMarkdown.
func parseMarkdown(name, text string) ([]briefbot.Article, []Warning) {
	src := normalizeIndented(text)
	a := briefbot.Article{ID: idFromName(name), Path: name}
	var warns []Warning
	if fm, body, ok := splitFrontMatter(src); ok {
		src = body
		warns = applyFrontMatter(&a, fm, name)
	}
	md := readMarkdown(boundMarkdown(src))
	if a.Title == "" {
		a.Title = md.firstHeading
	}
	if a.Title == "" {
		a.Title = titleFromName(name)
	}
	warns = append(warns, finish(&a, numbered(md.paragraphs), name, 0)...)
	return []briefbot.Article{a}, warns
}

// normalizeIndented is normalizeText line by line, keeping each line's
// leading spaces and tabs: in Markdown and YAML indentation is structure
// (code blocks, nested lists, block scalars), and normalizeText removes it.
// The paragraphs read from the result are cleaned again by finish.
func normalizeIndented(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		rest := strings.TrimLeft(l, " \t")
		lines[i] = l[:len(l)-len(rest)] + normalizeText(rest)
	}
	return strings.Join(lines, "\n")
}

// Limits on what no hand-written Markdown reaches, which keep goldmark off
// its slow paths: its inline parsing is quadratic in the length of a line
// (an unclosed link destination is scanned to the end of the line, for
// every "](") and of a paragraph (brackets, emphasis delimiters), and its
// block parsing slows with nesting depth.
const (
	maxMarkdownLine    = 2 << 10  // bytes; a longer line is cut
	maxMarkdownBlock   = 16 << 10 // bytes of lines without a blank one
	maxMarkdownNesting = 16       // quote and list markers starting a line
	maxMarkdownIndent  = 64       // columns of leading white space
	maxBacktickRuns    = 32       // backticks in a block before lone runs are escaped
)

// boundMarkdown reshapes a Markdown body to the limits above. A long line is
// cut where the rest cannot start a block (before a letter, preferably
// after a space): the cut is a soft line break, so the text reads the same.
// A longer run of lines becomes several paragraphs, each with its number.
// Deeper quotes and indentation are flattened, and in a run with many
// backtick runs, those nothing closes are escaped.
func boundMarkdown(body string) string {
	var b, block strings.Builder
	b.Grow(len(body))
	flush := func() {
		b.WriteString(escapeLoneBackticks(block.String()))
		block.Reset()
	}
	for line := range strings.Lines(body) {
		line = strings.TrimSuffix(line, "\n")
		if strings.TrimSpace(line) == "" {
			flush()
			b.WriteString(line + "\n")
			continue
		}
		line = flattenNesting(line)
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		for i, part := range cutLine(line) {
			if i > 0 {
				part = indent + part
			}
			if block.Len() > 0 && block.Len()+len(part) > maxMarkdownBlock {
				flush()
				b.WriteByte('\n')
			}
			block.WriteString(part)
			block.WriteByte('\n')
		}
	}
	flush()
	return b.String()
}

// backtickRun is a run of backticks in a block of Markdown.
type backtickRun struct {
	at, length int
	escaped    bool // its first backtick is escaped: it opens a span one shorter
	fence      bool // it starts its line: it may open or close a code fence
}

// escapeLoneBackticks escapes, in a block with more than maxBacktickRuns
// backticks, the runs that can open no code span and close none. They are
// literal text either way, but goldmark looks for the closer of each one
// through the rest of the paragraph, line by line: quadratic on thousands
// of them (lines of a backslash and three backticks, say). Each part of
// the block that starts with a quote, list item or heading line is a
// paragraph of its own and read alone.
func escapeLoneBackticks(block string) string {
	if strings.Count(block, "`") <= maxBacktickRuns {
		return block
	}
	var b strings.Builder
	for at := 0; at < len(block); {
		end := nextBlockLine(block, at)
		b.WriteString(escapeRuns(block[at:end]))
		at = end
	}
	return b.String()
}

// nextBlockLine is the start of the first line after the one at at that
// opens a quote, a list item or a heading, or len(s).
func nextBlockLine(s string, at int) int {
	for {
		nl := strings.IndexByte(s[at:], '\n')
		if nl < 0 {
			return len(s)
		}
		at += nl + 1
		body := strings.TrimLeft(s[at:], " \t")
		if body != "" && (body[0] == '#' || containerMarker(body) > 0) {
			return at
		}
	}
}

// escapeRuns escapes the lone backtick runs of one paragraph.
func escapeRuns(para string) string {
	runs := backtickRuns(para)
	lone := loneRuns(runs)
	var b strings.Builder
	last := 0
	for i, r := range runs {
		if !lone[i] {
			continue
		}
		b.WriteString(para[last:r.at])
		n := r.length
		if r.escaped { // its backslash is already written
			b.WriteByte('`')
			n--
		}
		b.WriteString(strings.Repeat("\\`", n))
		last = r.at + r.length
	}
	b.WriteString(para[last:])
	return b.String()
}

// backtickRuns lists the runs of backticks in s.
func backtickRuns(s string) []backtickRun {
	var runs []backtickRun
	lineStart := 0
	for i := 0; i < len(s); {
		if s[i] != '`' {
			if s[i] == '\n' {
				lineStart = i + 1
			}
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '`' {
			j++
		}
		slashes := 0
		for k := i - 1; k >= 0 && s[k] == '\\'; k-- {
			slashes++
		}
		runs = append(runs, backtickRun{
			at: i, length: j - i, escaped: slashes%2 == 1,
			fence: j-i >= 3 && strings.Trim(s[lineStart:i], " \t>-*+.)0123456789") == "",
		})
		i = j
	}
	return runs
}

// loneRuns marks the runs that can be in no code span: no earlier run
// could open a span this one closes, and no later run could close a span
// this one opens. (Fence-like runs are never marked.)
func loneRuns(runs []backtickRun) []bool {
	lone := make([]bool, len(runs))
	later := map[int]bool{} // lengths of the runs after run i
	for i := len(runs) - 1; i >= 0; i-- {
		lone[i] = !runs[i].fence && runs[i].openLength() > 0 && !later[runs[i].openLength()]
		later[runs[i].length] = true
	}
	opens := map[int]bool{} // lengths of the spans the runs before run i open
	for i, r := range runs {
		lone[i] = lone[i] && !opens[r.length]
		opens[r.openLength()] = true
	}
	return lone
}

// openLength is the length of the span the run would open.
func (r backtickRun) openLength() int {
	if r.escaped {
		return r.length - 1
	}
	return r.length
}

// flattenNesting caps the containers a line opens: the columns of its
// indentation, and the block quote markers and list markers ("-", "*",
// "+", "1.") that start it, past which the markers are dropped.
func flattenNesting(line string) string {
	body := strings.TrimLeft(line, " \t")
	indent := line[:len(line)-len(body)]
	if columns(indent) > maxMarkdownIndent {
		line = strings.Repeat(" ", maxMarkdownIndent) + body
		indent = line[:maxMarkdownIndent]
	}
	kept, end, markers := 0, len(indent), 0
	for end < len(line) {
		n := containerMarker(line[end:])
		if n == 0 {
			break
		}
		if markers++; markers == maxMarkdownNesting {
			kept = end + n
		}
		end += n
		for end < len(line) && (line[end] == ' ' || line[end] == '\t') {
			end++
		}
	}
	if markers > maxMarkdownNesting {
		return line[:kept] + " " + line[end:]
	}
	return line
}

// columns is the width of leading white space, a tab counting 4.
func columns(ws string) int {
	return len(ws) + 3*strings.Count(ws, "\t")
}

// containerMarker is the length of the block quote or list marker that s
// starts with, or 0: ">", or "-", "*", "+" or up to 9 digits and "." or ")"
// followed by white space.
func containerMarker(s string) int {
	if s[0] == '>' {
		return 1
	}
	n := 0
	if s[0] == '-' || s[0] == '*' || s[0] == '+' {
		n = 1
	} else {
		for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 0 || n >= len(s) || s[n] != '.' && s[n] != ')' {
			return 0
		}
		n++
	}
	if n < len(s) && (s[n] == ' ' || s[n] == '\t') {
		return n
	}
	return 0
}

// cutLine cuts line into parts of at most maxMarkdownLine bytes, each after
// the first starting with a byte that starts no block, or else with an
// escaped marker ("\\*"): where a line has only markers, it is no prose.
func cutLine(line string) []string {
	var parts []string
	for len(line) > maxMarkdownLine {
		cut := cutPoint(line[:maxMarkdownLine])
		if cut <= 0 {
			break
		}
		parts = append(parts, line[:cut])
		line = line[cut:]
		if !startsNoBlock(line[0]) {
			line = `\` + line
		}
	}
	return append(parts, line)
}

// cutPoint is where to cut s, in its second half: before the last byte
// that starts no block and follows a space, else the last byte that starts
// no block, else the last ASCII punctuation; 0 when there is none.
func cutPoint(s string) int {
	noBlock, punct := 0, 0
	for i := len(s) - 1; i > len(s)/2; i-- {
		switch c := s[i]; {
		case startsNoBlock(c) && s[i-1] == ' ':
			return i
		case startsNoBlock(c) && noBlock == 0:
			noBlock = i
		case strings.IndexByte(asciiPunct, c) >= 0 && punct == 0:
			punct = i
		}
	}
	if noBlock > 0 {
		return noBlock
	}
	return punct
}

// asciiPunct are the characters a backslash escapes in Markdown.
const asciiPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// startsNoBlock reports whether a line starting with byte c can only
// continue a paragraph: c is no block marker (white space, a digit, or one
// of #>-*+=_`~<|:) and does not sit inside a UTF-8 sequence.
func startsNoBlock(c byte) bool {
	if c >= utf8.RuneSelf {
		return c >= 0xC0 // the first byte of a sequence
	}
	return !strings.ContainsRune(" \t0123456789#>-*+=_`~<|:", rune(c))
}

// frontMatter is what a front matter block says.
type frontMatter struct {
	fields map[string]string // lower-cased key → text; a list gives its first item
	err    error             // the block is not valid YAML, so fields is empty
}

// applyFrontMatter sets the article's metadata from front matter keys.
func applyFrontMatter(a *briefbot.Article, fm frontMatter, name string) []Warning {
	if fm.err != nil {
		return []Warning{{Path: name, Reason: "front matter ignored, not valid YAML: " + shortErr(fm.err)}}
	}
	if v := fm.fields["id"]; v != "" {
		a.ID = v
	}
	a.Title = fm.firstOf("title", "headline")
	a.Author = fm.firstOf("author", "authors", "byline")
	a.Source = fm.firstOf("source", "site", "publisher", "site_name")
	a.URL = fm.firstOf("url", "link", "canonical", "canonical_url")
	if d := fm.firstOf("published", "date", "pubdate", "published_at", "datepublished"); d != "" {
		a.Published = parseDate(d)
		if a.Published.IsZero() {
			return []Warning{{Path: name, Reason: "unreadable date " + truncate(d, 40) + " ignored"}}
		}
	}
	return nil
}

// hasArticleKeys reports whether front matter names any article field, so
// that a plain text file starting with a "---" rule is not misread.
func hasArticleKeys(fm frontMatter) bool {
	return fm.firstOf("id", "title", "headline", "author", "authors", "date", "published", "source", "url") != ""
}

// firstOf is the value of the first of keys that has one.
func (fm frontMatter) firstOf(keys ...string) string {
	for _, k := range keys {
		if v := fm.fields[k]; v != "" {
			return v
		}
	}
	return ""
}

// splitFrontMatter separates front matter from the body of text (line
// breaks already normalised). ok is false when text does not start with a
// "---" line, the block is never closed, or it holds YAML that is not a
// mapping (a rule and a paragraph, not metadata).
func splitFrontMatter(text string) (fm frontMatter, body string, ok bool) {
	first, rest, found := strings.Cut(text, "\n")
	if !found || strings.TrimRight(first, " \t") != "---" {
		return frontMatter{}, text, false
	}
	block, body, closed := cutAtClosingLine(rest)
	if !closed {
		return frontMatter{}, text, false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(block), &doc); err != nil {
		return frontMatter{err: err}, body, true
	}
	fields := map[string]string{}
	if len(doc.Content) == 0 { // only comments or nothing
		return frontMatter{fields: fields}, body, true
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return frontMatter{}, text, false
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if v := yamlText(m.Content[i+1]); v != "" {
			fields[strings.ToLower(m.Content[i].Value)] = v
		}
	}
	return frontMatter{fields: fields}, body, true
}

// cutAtClosingLine splits s at its first line that is "---" or "...".
func cutAtClosingLine(s string) (before, after string, found bool) {
	for at := 0; at < len(s); {
		end := strings.IndexByte(s[at:], '\n')
		next := len(s)
		if end >= 0 {
			next = at + end + 1
		}
		if l := strings.TrimSpace(s[at:next]); l == "---" || l == "..." {
			return s[:at], s[next:], true
		}
		at = next
	}
	return "", "", false
}

// yamlText is the text of a front matter value: a scalar's (a block
// scalar's lines joined), a list's first scalar; "" for null or a map.
func yamlText(n *yaml.Node) string {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return ""
		}
		return cleanParagraph(n.Value)
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if item.Kind == yaml.ScalarNode {
				if v := yamlText(item); v != "" {
					return v
				}
			}
		}
	}
	return ""
}

// markdownParser reads CommonMark with GitHub tables and strikethrough
// (whose text is kept, as "~~" was dropped before goldmark). One parser
// serves all goroutines: goldmark's parsers keep no state of their own, a
// Parse keeps it in its own parser.Context (its author, in
// gohugoio/hugo#6484).
var markdownParser = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough)).Parser()

// markdownText is what the reader keeps of a Markdown body.
type markdownText struct {
	paragraphs   []string // with inline syntax gone, not yet cleaned
	firstHeading string
}

// readMarkdown parses a Markdown body and collects its paragraphs and first
// heading.
func readMarkdown(body string) markdownText {
	r := mdReader{src: []byte(body)}
	r.block(markdownParser.Parse(text.NewReader(r.src)))
	return r.out
}

// mdReader walks a goldmark tree.
type mdReader struct {
	src []byte
	out markdownText
}

func (r *mdReader) add(p string) {
	// A paragraph that was only an image or a tag is not one.
	if p = strings.TrimSpace(p); p != "" {
		r.out.paragraphs = append(r.out.paragraphs, p)
	}
}

// block collects the paragraphs of block node n.
func (r *mdReader) block(n ast.Node) {
	switch n := n.(type) {
	case *ast.Heading:
		if r.out.firstHeading == "" {
			r.out.firstHeading = strings.TrimSpace(r.inline(n))
		}
	case *ast.Paragraph, *ast.TextBlock:
		r.add(r.inline(n))
	case *east.Table:
		r.table(n)
	case *ast.HTMLBlock:
		r.htmlBlock(n)
	case *ast.CodeBlock, *ast.FencedCodeBlock, *ast.ThematicBreak:
		// code and rules are not prose
	default: // the document, block quotes, lists and list items
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			r.block(c)
		}
	}
}

// inline is the text of n's inline children: markers go, line breaks are
// spaces.
func (r *mdReader) inline(n ast.Node) string {
	var b strings.Builder
	r.writeInline(&b, n)
	return b.String()
}

func (r *mdReader) writeInline(b *strings.Builder, n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(inlineValue(c.Value(r.src), c.IsRaw()))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(inlineValue(c.Value, c.IsRaw() || c.IsCode()))
		case *ast.AutoLink:
			b.Write(c.Label(r.src))
		case *ast.Image, *ast.RawHTML:
			// images and inline tags go (the text between tags is kept)
		default: // emphasis, links, code spans, strikethrough: their text
			r.writeInline(b, c)
		}
	}
}

// inlineValue is the text a segment stands for: backslash escapes and
// character references resolved, as goldmark itself resolves link
// destinations (util.URLEscape); raw text, such as code, as it is.
func inlineValue(v []byte, raw bool) []byte {
	if raw {
		return v
	}
	v = util.UnescapePunctuations(v)
	v = util.ResolveNumericReferences(v)
	return util.ResolveEntityNames(v)
}

// table adds one paragraph per body row, "Header: cell; Header: cell"
// (empty cells left out, a cell under an empty header alone), or the header
// cells when there is no body row.
func (r *mdReader) table(t *east.Table) {
	var header []string
	rows := 0
	for row := t.FirstChild(); row != nil; row = row.NextSibling() {
		var cells []string
		for c := row.FirstChild(); c != nil; c = c.NextSibling() {
			cells = append(cells, strings.TrimSpace(r.inline(c)))
		}
		if _, ok := row.(*east.TableHeader); ok {
			header = cells
			continue
		}
		rows++
		r.add(tableRow(header, cells))
	}
	if rows == 0 {
		r.add(tableRow(nil, header))
	}
}

func tableRow(header, cells []string) string {
	var parts []string
	for i, c := range cells {
		if c == "" {
			continue
		}
		if i < len(header) && header[i] != "" {
			c = header[i] + ": " + c
		}
		parts = append(parts, c)
	}
	return strings.Join(parts, "; ")
}

// htmlBlock adds the paragraphs of an HTML block's text, as an HTML page's
// (fragmentBlocks drops scripts and styles; a <pre> block is often prose,
// such as a notice, and is kept). Comments, processing instructions,
// declarations and CDATA (block types 2 to 5) hold no prose.
func (r *mdReader) htmlBlock(n *ast.HTMLBlock) {
	switch n.HTMLBlockType {
	case ast.HTMLBlockType2, ast.HTMLBlockType3, ast.HTMLBlockType4, ast.HTMLBlockType5:
		return
	}
	var b strings.Builder
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		b.Write(seg.Value(r.src))
	}
	if n.HasClosure() {
		b.Write(n.ClosureLine.Value(r.src))
	}
	for _, p := range fragmentBlocks(b.String()) {
		r.add(p)
	}
}
