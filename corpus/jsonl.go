package corpus

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/briefbot/briefbot"
)

// jsonlArticle is one line of a JSONL corpus file. Unknown fields are ignored.
type jsonlArticle struct {
	ID         json.RawMessage `json:"id"`
	Title      string          `json:"title"`
	Author     json.RawMessage `json:"author"`
	Published  string          `json:"published"`
	Date       string          `json:"date"`
	Source     string          `json:"source"`
	URL        string          `json:"url"`
	Paragraphs []string        `json:"paragraphs"`
	Text       string          `json:"text"`
}

// parseJSONL reads one article per line. With "paragraphs", entry i is
// paragraph i+1, always (evaluation ids "<id>#<n>" depend on it), even when
// an entry is blank or boilerplate. With "text", paragraphs are its
// blank-line-separated blocks. A malformed line is skipped with a warning
// naming its line; the others are read.
func parseJSONL(name, text string) ([]briefbot.Article, []Warning) {
	var arts []briefbot.Article
	var warns []Warning
	base := idFromName(name)
	lineNo := 0
	for len(text) > 0 {
		lineNo++
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		var ja jsonlArticle
		if err := json.Unmarshal([]byte(line), &ja); err != nil {
			warns = append(warns, Warning{Path: name, Line: lineNo, Reason: "malformed JSON line skipped: " + shortErr(err)})
			continue
		}
		a := briefbot.Article{
			ID:     jsonID(ja.ID),
			Title:  ja.Title,
			Author: jsonAuthor(ja.Author),
			Source: ja.Source,
			URL:    ja.URL,
			Path:   name + ":" + strconv.Itoa(lineNo),
		}
		if a.ID == "" {
			a.ID = base + ":" + strconv.Itoa(lineNo)
		}
		pub := ja.Published
		if pub == "" {
			pub = ja.Date
		}
		if pub != "" {
			a.Published = parseDate(pub)
			if a.Published.IsZero() {
				warns = append(warns, Warning{Path: name, Line: lineNo, Reason: fmt.Sprintf("unreadable published date %q ignored", truncate(pub, 40))})
			}
		}
		texts := ja.Paragraphs
		if texts == nil {
			texts, _ = splitBlocks(normalizeText(ja.Text))
		}
		paras := numbered(texts)
		warns = append(warns, finish(&a, paras, name, lineNo)...)
		arts = append(arts, a)
	}
	if len(arts) == 0 && len(warns) == 0 {
		warns = append(warns, Warning{Path: name, Reason: "empty"})
	}
	return arts, warns
}

// jsonID accepts a string or a number as id.
func jsonID(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String()
	}
	return ""
}

// jsonAuthor accepts a string, a list of strings, or an object with "name".
func jsonAuthor(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return strings.Join(list, ", ")
	}
	var obj struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(raw, &obj); err == nil {
		return obj.Name
	}
	return ""
}

func shortErr(err error) string { return truncate(err.Error(), 80) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
