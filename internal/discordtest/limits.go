package discordtest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Discord's message limits (resources/message "Embed Limits", Create Message
// JSON params; components/reference). Lengths are counted in characters
// after trimming surrounding whitespace, as Discord documents; the fake
// counts code points.
const (
	maxContent      = 2000
	maxEmbeds       = 10
	maxEmbedTotal   = 6000
	maxTitle        = 256
	maxDescription  = 4096
	maxFields       = 25
	maxFieldName    = 256
	maxFieldValue   = 1024
	maxFooter       = 2048
	maxAuthor       = 256
	maxActionRows   = 5
	maxRowButtons   = 5
	maxCustomID     = 100
	maxButtonLabel  = 80
	maxSelectOpts   = 25
	maxSelectText   = 100
	maxPlaceholder  = 150
	maxChoices      = 25
	maxChoiceName   = 100
	componentRow    = 1
	componentButton = 2
	buttonLink      = 5
)

// messageBody is the part of a message, callback data, edit or follow-up
// body that Discord validates against its limits.
type messageBody struct {
	Content    *string     `json:"content"`
	Embeds     []embed     `json:"embeds"`
	Components []component `json:"components"`
	Choices    []struct {
		Name string `json:"name"`
	} `json:"choices"`
}

type embed struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Footer      *struct {
		Text string `json:"text"`
	} `json:"footer"`
	Author *struct {
		Name string `json:"name"`
	} `json:"author"`
	Fields []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
}

type component struct {
	Type        int         `json:"type"`
	Style       int         `json:"style"`
	CustomID    *string     `json:"custom_id"`
	Label       string      `json:"label"`
	Placeholder string      `json:"placeholder"`
	Components  []component `json:"components"`
	Options     []struct {
		Label       string `json:"label"`
		Value       string `json:"value"`
		Description string `json:"description"`
	} `json:"options"`
}

// formErrors collects field errors keyed by their dotted path
// ("data.embeds.0.title"), rendered the way Discord nests them.
type formErrors map[string][2]string // path -> code, message

func (f formErrors) tooLong(path, s string, limit int) {
	if n := chars(s); n > limit {
		f[path] = [2]string{"BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", limit)}
	}
}

func (f formErrors) length(path, s string, lo, hi int) {
	if n := chars(s); n < lo || n > hi {
		f[path] = [2]string{"BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between %d and %d in length.", lo, hi)}
	}
}

func (f formErrors) tooMany(path string, n, limit int) {
	if n > limit {
		f[path] = [2]string{"BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", limit)}
	}
}

func chars(s string) int { return utf8.RuneCountInString(strings.TrimSpace(s)) }

// body renders the errors as Discord's 400 Invalid Form Body: each path
// becomes nested objects ending in {"_errors":[{code, message}]}.
func (f formErrors) body() string {
	root := map[string]any{}
	for path, e := range f {
		node := root
		parts := strings.Split(path, ".")
		for _, p := range parts {
			next, ok := node[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				node[p] = next
			}
			node = next
		}
		node["_errors"] = []map[string]string{{"code": e[0], "message": e[1]}}
	}
	b, _ := json.Marshal(map[string]any{"code": 50035, "message": "Invalid Form Body", "errors": root})
	return string(b)
}

// paths lists the offending fields, sorted (for test messages).
func (f formErrors) paths() string {
	var ps []string
	for p := range f {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return strings.Join(ps, ", ")
}

// validateMessage checks m against Discord's limits; prefix is the path of
// the message inside the request ("" or "data").
func validateMessage(prefix string, m *messageBody, errs formErrors) {
	at := func(p string) string {
		if prefix == "" {
			return p
		}
		return prefix + "." + p
	}
	if m.Content != nil {
		errs.tooLong(at("content"), *m.Content, maxContent)
	}
	errs.tooMany(at("embeds"), len(m.Embeds), maxEmbeds)
	total := 0
	for n, e := range m.Embeds {
		total += validateEmbed(at("embeds."+strconv.Itoa(n)), &e, errs)
	}
	if total > maxEmbedTotal {
		errs[at("embeds")] = [2]string{"MESSAGE_EMBEDS_TOO_LONG", fmt.Sprintf("Embed size exceeds maximum size of %d", maxEmbedTotal)}
	}
	errs.tooMany(at("components"), len(m.Components), maxActionRows)
	for n, row := range m.Components {
		validateRow(at("components."+strconv.Itoa(n)), &row, errs)
	}
	errs.tooMany(at("choices"), len(m.Choices), maxChoices)
	for n, c := range m.Choices {
		errs.length(at("choices."+strconv.Itoa(n)+".name"), c.Name, 1, maxChoiceName)
	}
}

// validateEmbed checks one embed and returns its characters counted
// towards the 6,000 across all embeds.
func validateEmbed(path string, e *embed, errs formErrors) int {
	errs.tooLong(path+".title", e.Title, maxTitle)
	errs.tooLong(path+".description", e.Description, maxDescription)
	total := chars(e.Title) + chars(e.Description)
	if e.Footer != nil {
		errs.tooLong(path+".footer.text", e.Footer.Text, maxFooter)
		total += chars(e.Footer.Text)
	}
	if e.Author != nil {
		errs.tooLong(path+".author.name", e.Author.Name, maxAuthor)
		total += chars(e.Author.Name)
	}
	errs.tooMany(path+".fields", len(e.Fields), maxFields)
	for n, f := range e.Fields {
		fp := path + ".fields." + strconv.Itoa(n)
		errs.length(fp+".name", f.Name, 1, maxFieldName)
		errs.length(fp+".value", f.Value, 1, maxFieldValue)
		total += chars(f.Name) + chars(f.Value)
	}
	return total
}

// validateRow checks a top-level component: an action row of up to five
// buttons or one select menu.
func validateRow(path string, row *component, errs formErrors) {
	if row.Type != componentRow {
		errs[path+".type"] = [2]string{"UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,)."}
		return
	}
	if len(row.Components) == 0 {
		errs[path+".components"] = [2]string{"BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."}
	}
	buttons := 0
	for n, c := range row.Components {
		cp := path + ".components." + strconv.Itoa(n)
		if c.Type == componentButton {
			buttons++
			errs.tooLong(cp+".label", c.Label, maxButtonLabel)
			if c.Style == buttonLink {
				continue
			}
		} else {
			if len(row.Components) > 1 {
				errs[path+".components"] = [2]string{"COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width"}
			}
			validateSelect(cp, &c, errs)
		}
		id := ""
		if c.CustomID != nil {
			id = *c.CustomID
		}
		if n := utf8.RuneCountInString(id); n < 1 || n > maxCustomID {
			errs[cp+".custom_id"] = [2]string{"BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxCustomID)}
		}
	}
	if buttons > maxRowButtons {
		errs[path+".components"] = [2]string{"BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxRowButtons)}
	}
}

func validateSelect(path string, c *component, errs formErrors) {
	errs.tooLong(path+".placeholder", c.Placeholder, maxPlaceholder)
	errs.tooMany(path+".options", len(c.Options), maxSelectOpts)
	for n, o := range c.Options {
		op := path + ".options." + strconv.Itoa(n)
		errs.length(op+".label", o.Label, 1, maxSelectText)
		errs.length(op+".value", o.Value, 1, maxSelectText)
		errs.tooLong(op+".description", o.Description, maxSelectText)
	}
}

// emptyMessage reports a message body with nothing to show, which Discord
// refuses with 50006.
func emptyMessage(m *messageBody) bool {
	return (m.Content == nil || strings.TrimSpace(*m.Content) == "") && len(m.Embeds) == 0
}
