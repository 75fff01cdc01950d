package feed

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// jsonFeed is a JSON Feed 1.0 or 1.1 document. Items stay raw so that each
// is decoded on its own: one malformed item does not cost the others.
type jsonFeed struct {
	Version     string            `json:"version"`
	Title       string            `json:"title"`
	HomePageURL string            `json:"home_page_url"`
	Author      *jsonAuthor       `json:"author"`  // 1.0
	Authors     []jsonAuthor      `json:"authors"` // 1.1
	Items       []json.RawMessage `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
}

type jsonItem struct {
	ID            json.RawMessage `json:"id"` // a string by the spec, a number in the wild
	URL           string          `json:"url"`
	Title         string          `json:"title"`
	ContentHTML   string          `json:"content_html"`
	ContentText   string          `json:"content_text"`
	Summary       string          `json:"summary"`
	DatePublished string          `json:"date_published"`
	DateModified  string          `json:"date_modified"`
	Author        *jsonAuthor     `json:"author"`
	Authors       []jsonAuthor    `json:"authors"`
}

// detectJSON recognises a JSON Feed by its version URL: any other JSON
// document (an API answer, a manifest) is not a feed.
func detectJSON(text string) Kind {
	var v struct {
		Version string `json:"version"`
	}
	if json.Unmarshal([]byte(text), &v) != nil {
		return Unknown
	}
	if strings.Contains(v.Version, "jsonfeed.org/version/") {
		return JSON
	}
	return Unknown
}

// parseJSON reads a JSON Feed. A field of the wrong type is left empty
// rather than failing the feed (encoding/json fills the rest and reports a
// type error, which is ignored here).
func parseJSON(text string, base *url.URL) (*Feed, error) {
	var jf jsonFeed
	if err := json.Unmarshal([]byte(text), &jf); err != nil && !isTypeError(err) {
		return nil, err
	}
	f := &Feed{Title: strings.TrimSpace(jf.Title), Link: absLink(base, jf.HomePageURL)}
	feedAuthor := firstAuthor(jf.Authors, jf.Author) // items inherit it (JSON Feed 1.1)
	for _, raw := range jf.Items {
		var ji jsonItem
		if err := json.Unmarshal(raw, &ji); err != nil && !isTypeError(err) {
			continue
		}
		it := Item{
			ID:        jsonID(ji.ID),
			Link:      absLink(base, ji.URL),
			Title:     strings.TrimSpace(ji.Title),
			Author:    cmp.Or(firstAuthor(ji.Authors, ji.Author), feedAuthor),
			Published: parseTime(ji.DatePublished),
			Updated:   parseTime(ji.DateModified),
			Content:   strings.TrimSpace(cmp.Or(ji.ContentHTML, ji.ContentText)),
			Summary:   strings.TrimSpace(ji.Summary),
		}
		if it.keep() {
			f.Items = append(f.Items, it)
		}
	}
	return f, nil
}

func isTypeError(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te)
}

// firstAuthor is the first named author of a 1.1 authors list, else the
// 1.0 author.
func firstAuthor(authors []jsonAuthor, author *jsonAuthor) string {
	for _, a := range authors {
		if name := strings.TrimSpace(a.Name); name != "" {
			return name
		}
	}
	if author != nil {
		return strings.TrimSpace(author.Name)
	}
	return ""
}

// jsonID reads an id given as a string or as a number.
func jsonID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}
