package corpus

import (
	"github.com/briefbot/briefbot"
	"regexp"
	"strings"
)

// parseMarkdown reads a Markdown file with optional YAML front matter.
//
// Front matter is the block between a first line "---" and the next "---"
// (or "..."); only the simple "key: value" subset of YAML is read (quotes
// removed, lists and nested maps ignored, except that an author list gives
// its first name). Keys: id, title, author/authors/byline,
// date/published/pubDate, source/site/publisher, url/link/canonical.
//
// Body: paragraphs are blocks separated by blank lines; each list item is a
// paragraph of its own. Headings, fenced and indented code, horizontal rules,
// HTML comments and link definitions are not paragraphs and take no number:
// N counts body paragraphs only, so numbers stay stable when a heading is
// added or removed. The first heading becomes the title when the front matter
// has none. Inline syntax is stripped: links keep their text, images go,
// emphasis and code markers go.
func parseMarkdown(name, text string) ([]briefbot.Article, []Warning) {
	text = normalizeText(text)
	a := briefbot.Article{ID: idFromName(name), Path: name}
	var warns []Warning
	fm, body, ok := splitFrontMatter(text)
	if ok {
		warns = applyFrontMatter(&a, fm, name)
	}
	paras, heading := markdownParagraphs(body)
	if a.Title == "" {
		a.Title = heading
	}
	if a.Title == "" {
		a.Title = titleFromName(name)
	}
	warns = append(warns, finish(&a, numbered(paras), name, 0)...)
	return []briefbot.Article{a}, warns
}

// applyFrontMatter sets the article's metadata from front matter keys.
func applyFrontMatter(a *briefbot.Article, fm map[string]string, name string) []Warning {
	if v := fm["id"]; v != "" {
		a.ID = v
	}
	a.Title = firstOf(fm, "title", "headline")
	a.Author = firstOf(fm, "author", "authors", "byline")
	a.Source = firstOf(fm, "source", "site", "publisher", "site_name")
	a.URL = firstOf(fm, "url", "link", "canonical", "canonical_url")
	if d := firstOf(fm, "published", "date", "pubdate", "published_at", "datepublished"); d != "" {
		a.Published = parseDate(d)
		if a.Published.IsZero() {
			return []Warning{{Path: name, Reason: "unreadable date " + truncate(d, 40) + " ignored"}}
		}
	}
	return nil
}

// hasArticleKeys reports whether front matter names any article field, so
// that a plain text file starting with a "---" rule is not misread.
func hasArticleKeys(fm map[string]string) bool {
	return firstOf(fm, "id", "title", "headline", "author", "authors", "date", "published", "source", "url") != ""
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

// splitFrontMatter separates YAML front matter from the body. Keys are
// lower-cased.
func splitFrontMatter(text string) (map[string]string, string, bool) {
	rest, ok := strings.CutPrefix(text, "---\n")
	if !ok {
		return nil, text, false
	}
	fm := map[string]string{}
	lastKey := ""
	for {
		line, after, found := strings.Cut(rest, "\n")
		if !found {
			after = ""
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "---" || trimmed == "..." {
			return fm, after, true
		}
		if !found && line == "" {
			// No closing line: not front matter after all.
			return nil, text, false
		}
		rest = after
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		// A list item under the previous key ("authors:\n  - Jane Doe"):
		// keep the first one.
		if strings.HasPrefix(trimmed, "- ") {
			if lastKey != "" && fm[lastKey] == "" {
				fm[lastKey] = unquoteYAML(strings.TrimSpace(trimmed[2:]))
			}
			continue
		}
		if line != strings.TrimLeft(line, " \t") {
			continue // nested map entries are ignored
		}
		k, v, ok := strings.Cut(trimmed, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		lastKey = k
		if strings.HasPrefix(v, "[") { // inline list: first element
			v = strings.Trim(v, "[]")
			v, _, _ = strings.Cut(v, ",")
		}
		fm[k] = unquoteYAML(strings.TrimSpace(v))
		if !found {
			return nil, text, false
		}
	}
}

func unquoteYAML(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		inner := v[1 : len(v)-1]
		if v[0] == '\'' {
			return strings.ReplaceAll(inner, "''", "'")
		}
		return strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\n`, " ").Replace(inner)
	}
	// An unquoted value may end in a comment.
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v
}

var (
	mdHeadingRe  = regexp.MustCompile(`^#{1,6}(\s|$)`)
	mdRuleRe     = regexp.MustCompile(`^(\*\s*){3,}$|^(-\s*){3,}$|^(_\s*){3,}$`)
	mdSetextRe   = regexp.MustCompile(`^(=+|-+)$`)
	mdListRe     = regexp.MustCompile(`^([-*+]|\d{1,3}[.)])\s+`)
	mdLinkDefRe  = regexp.MustCompile(`^\[[^\]]+\]:\s*\S+`)
	mdImageRe    = regexp.MustCompile(`!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]`)
	mdLinkRe     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	mdRefLinkRe  = regexp.MustCompile(`\[([^\]]+)\]\[[^\]]*\]`)
	mdAutoLinkRe = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	mdTagRe      = regexp.MustCompile(`</?[a-zA-Z][^>]*>`)
	mdCommentRe  = regexp.MustCompile(`(?s)<!--.*?-->`)
	mdStrongRe   = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__`)
	mdEmRe       = regexp.MustCompile(`\*([^*\s][^*]*)\*`)
	mdUnderEmRe  = regexp.MustCompile(`(^|[^\w])_([^_\s][^_]*)_([^\w]|$)`)
	mdStrikeRe   = regexp.MustCompile(`~~([^~]+)~~`)
	mdCodeRe     = regexp.MustCompile("`+([^`]*)`+")
	mdEscapeRe   = regexp.MustCompile("\\\\([\\\\`*_{}\\[\\]()#+\\-.!>~|])")
)

// markdownParagraphs returns the body paragraphs of Markdown text (inline
// syntax still in place) and the first heading's text.
func markdownParagraphs(body string) (paras []string, firstHeading string) {
	body = mdCommentRe.ReplaceAllString(body, "")
	var cur []string
	curIsItem := false // cur began as a list item (its marker already cut off)
	flush := func() {
		curIsItem = false
		if len(cur) > 0 {
			// A paragraph that was only an image or a tag is not one.
			if p := stripInlineMarkdown(strings.Join(cur, " ")); p != "" {
				paras = append(paras, p)
			}
			cur = cur[:0]
		}
	}
	heading := func(h string) {
		h = stripInlineMarkdown(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(h), "#")))
		if firstHeading == "" && h != "" {
			firstHeading = h
		}
	}
	lines := strings.Split(body, "\n")
	fence := ""
	for i := 0; i < len(lines); i++ {
		raw := lines[i]
		line := strings.TrimSpace(raw)
		if fence != "" {
			if strings.HasPrefix(line, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~") {
			flush()
			fence = line[:3]
			continue
		}
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(raw, "    ") && len(cur) == 0:
			// indented code block: skipped
		case line[0] == '#' && mdHeadingRe.MatchString(line):
			flush()
			heading(strings.TrimLeft(line, "#"))
		case len(cur) == 1 && (line[0] == '=' || line[0] == '-') && mdSetextRe.MatchString(line) && !curIsItem:
			// "Title\n=====": the pending line was a heading.
			heading(cur[0])
			cur = cur[:0]
		case (line[0] == '*' || line[0] == '-' || line[0] == '_') && len(line) < 100 && mdRuleRe.MatchString(line):
			flush()
		case line[0] == '[' && mdLinkDefRe.MatchString(line):
			// link reference definition: not text
		default:
			for strings.HasPrefix(line, ">") { // block quote
				line = strings.TrimSpace(line[1:])
			}
			if line == "" {
				flush()
				continue
			}
			if isListItem(line) {
				if loc := mdListRe.FindStringIndex(line); loc != nil {
					flush() // each list item is a paragraph
					line = line[loc[1]:]
					curIsItem = true
				}
			}
			line = strings.TrimSuffix(strings.TrimRight(line, " "), "\\") // hard break
			cur = append(cur, line)
		}
	}
	flush()
	return paras, firstHeading
}

// inlineRules strip inline Markdown, in order (images before links, strong
// before emphasis), each run only when one of its markers occurs.
var inlineRules = []struct {
	markers []string
	re      *regexp.Regexp
	repl    string
}{
	{[]string{"!["}, mdImageRe, ""},
	{[]string{"]("}, mdLinkRe, "$1"},
	{[]string{"]["}, mdRefLinkRe, "$1"},
	{[]string{"<"}, mdAutoLinkRe, "$1"},
	{[]string{"<"}, mdTagRe, ""},
	{[]string{"`"}, mdCodeRe, "$1"},
	{[]string{"**", "__"}, mdStrongRe, "$1$2"},
	{[]string{"*"}, mdEmRe, "$1"},
	{[]string{"_"}, mdUnderEmRe, "$1$2$3"},
	{[]string{"~~"}, mdStrikeRe, "$1"},
	{[]string{"\\"}, mdEscapeRe, "$1"},
}

// isListItem is a cheap test before mdListRe: does line start like a
// list item ("- ", "* ", "+ ", "1. ")?
func isListItem(line string) bool {
	if line == "" {
		return false
	}
	switch c := line[0]; {
	case c == '-' || c == '*' || c == '+':
		return len(line) > 1 && (line[1] == ' ' || line[1] == '\t')
	case c >= '0' && c <= '9':
		return mdListRe.MatchString(line[:min(len(line), 6)])
	}
	return false
}

// stripInlineMarkdown removes inline Markdown and HTML from one paragraph.
func stripInlineMarkdown(s string) string {
	if !strings.ContainsAny(s, "[]()*_`~<>\\!") {
		return s
	}
	if len(s) > 16<<10 {
		// Go's regexp runs much faster on small inputs, so a giant
		// paragraph is stripped in pieces cut at spaces (an inline span
		// across a cut keeps its markers, which is harmless).
		var b strings.Builder
		for len(s) > 0 {
			cut := min(len(s), 4<<10)
			if cut < len(s) {
				if sp := strings.LastIndexByte(s[:cut], ' '); sp > 0 {
					cut = sp + 1
				}
			}
			b.WriteString(stripInlineMarkdown(s[:cut]))
			b.WriteByte(' ')
			s = s[cut:]
		}
		return strings.TrimSpace(b.String())
	}
	// Each pattern only runs when its marker occurs: most paragraphs have
	// none, and a huge one should not pay for every pass.
	for _, r := range inlineRules {
		for _, m := range r.markers {
			if strings.Contains(s, m) {
				s = r.re.ReplaceAllString(s, r.repl)
				break
			}
		}
	}
	return strings.TrimSpace(s)
}
