package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Discord's message limits (see the design notes, "Message and embed
// limits"). Discord does not say whether a "character" is a code point or a
// UTF-16 unit, so every length here is measured with textLen, in UTF-16 units,
// which is never less than the number of code points: text that fits by this
// measure fits by either.
const (
	maxContent       = 2000
	maxEmbeds        = 10
	maxEmbedTitle    = 256
	maxEmbedDesc     = 4096
	maxFields        = 25
	maxFieldName     = 256
	maxFieldValue    = 1024
	maxFooter        = 2048
	maxAuthorName    = 256
	maxEmbedsTotal   = 6000
	maxChoices       = 25
	maxChoiceName    = 100
	maxChoiceValue   = 100
	maxCustomID      = 100
	maxButtonLabel   = 80
	maxRows          = 5
	maxRowComponents = 5
	maxEmbedURL      = 2048
)

// ellipsis marks text the bot cut short.
const ellipsis = "…"

// textLen is the length of s in UTF-16 code units (see the limits above).
func textLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// truncate returns s if it fits in max units, else a prefix of s cut on a rune
// boundary followed by "…", in max units at most. It never leaves a dangling
// escape backslash or an unclosed "**" pair of the bot's own making, and
// prefers to cut at a space when one is near. Leading and trailing whitespace
// is trimmed first, because Discord measures trimmed text.
func truncate(s string, max int) string {
	s = strings.TrimSpace(s)
	if textLen(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	budget := max - textLen(ellipsis)
	// Closing a bold span adds two units, so a cut may need to be retried a
	// little shorter; each retry cuts at least one more unit.
	for b := budget; ; b-- {
		out := fixCut(cutPrefix(s, b))
		out = strings.TrimRightFunc(out, unicode.IsSpace)
		if textLen(out) <= budget || b <= 0 {
			if textLen(out) > budget {
				out = ""
			}
			return out + ellipsis
		}
	}
}

// cutPrefix returns the longest prefix of s of at most budget units, moved
// back to a space when one is within the last 20 runes.
func cutPrefix(s string, budget int) string {
	cut := 0 // byte offset
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > budget {
			break
		}
		n += w
		cut = i + utf8.RuneLen(r)
	}
	out := s[:cut]
	if j := strings.LastIndexFunc(out, unicode.IsSpace); j >= 0 && utf8.RuneCountInString(out[j:]) <= 20 && j > len(out)/2 {
		out = out[:j]
	}
	return out
}

// fixCut repairs the end of a prefix of escaped markdown: it drops an odd
// trailing backslash (which would escape the ellipsis) and closes a bold span
// left open by the cut, or drops its opening marker when nothing followed it.
func fixCut(out string) string {
	bs := len(out) - len(strings.TrimRight(out, "\\"))
	if bs%2 == 1 {
		out = out[:len(out)-1]
	}
	if countBoldMarkers(out)%2 == 1 {
		if strings.HasSuffix(out, "**") && !strings.HasSuffix(out, "\\**") {
			out = strings.TrimSuffix(out, "**")
		} else {
			out = strings.TrimRightFunc(out, unicode.IsSpace) + "**"
		}
	}
	return out
}

// countBoldMarkers counts unescaped "**" in escaped markdown. The bot escapes
// every literal '*', so any unescaped pair is a marker it wrote.
func countBoldMarkers(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++ // skip the escaped byte
		case s[i] == '*' && i+1 < len(s) && s[i+1] == '*':
			n++
			i++
		}
	}
	return n
}

// embedTexts calls visit with each text of e that counts toward the 6,000
// total: title, description, field names and values, footer, author name.
func embedTexts(e *discordgo.MessageEmbed, visit func(*string)) {
	visit(&e.Title)
	visit(&e.Description)
	for _, f := range e.Fields {
		visit(&f.Name)
		visit(&f.Value)
	}
	if e.Footer != nil {
		visit(&e.Footer.Text)
	}
	if e.Author != nil {
		visit(&e.Author.Name)
	}
}

// embedLen is what an embed counts toward the 6,000 total.
func embedLen(e *discordgo.MessageEmbed) int {
	n := 0
	embedTexts(e, func(p *string) { n += textLen(strings.TrimSpace(*p)) })
	return n
}

func embedsLen(es []*discordgo.MessageEmbed) int {
	n := 0
	for _, e := range es {
		n += embedLen(e)
	}
	return n
}

// fitMessage is the last line of defence of every message the bot sends: the
// renderers budget their text, and fitMessage guarantees Discord's limits
// whatever they did. It truncates each part to its limit, keeps the embeds'
// total under 6,000 by shortening the longest texts (then dropping
// trailing embeds), drops components that break a rule, makes sure the message
// is not empty, and sets allowed_mentions to none.
func fitMessage(content string, embeds []*discordgo.MessageEmbed, comps []discordgo.MessageComponent) (string, []*discordgo.MessageEmbed, []discordgo.MessageComponent) {
	content = truncate(content, maxContent)
	if len(embeds) > maxEmbeds {
		embeds = embeds[:maxEmbeds]
	}
	kept := embeds[:0:0]
	for _, e := range embeds {
		if e == nil {
			continue
		}
		fitEmbed(e)
		kept = append(kept, e)
	}
	embeds = kept
	shrinkToTotal(embeds)
	for embedsLen(embeds) > maxEmbedsTotal && len(embeds) > 0 {
		embeds = embeds[:len(embeds)-1] // unreachable in practice, see shrinkToTotal
	}
	// Empty lists rather than null: on an UPDATE_MESSAGE response they clear
	// the old embeds and buttons instead of leaving them.
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	comps = fitComponents(comps)
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	if strings.TrimSpace(content) == "" && len(embeds) == 0 {
		// Discord refuses an empty message (error 50006).
		content = ellipsis
	}
	return content, embeds, comps
}

// shrinkToTotal keeps the embeds' total under 6,000 by shortening the
// longest text part (a description, usually) by the excess, again and again.
// Each round either removes the whole excess or brings one part down to "…",
// so it ends after at most one round per part; ten embeds have at most 540
// parts of at least one unit, far below 6,000.
func shrinkToTotal(embeds []*discordgo.MessageEmbed) {
	type part struct {
		p *string
		n int
	}
	var parts []part
	total := 0
	add := func(p *string) {
		n := textLen(strings.TrimSpace(*p))
		parts = append(parts, part{p, n})
		total += n
	}
	for _, e := range embeds {
		embedTexts(e, add)
	}
	for total > maxEmbedsTotal {
		best := -1
		for k := range parts {
			if best < 0 || parts[k].n > parts[best].n {
				best = k
			}
		}
		if best < 0 || parts[best].n <= 1 {
			return
		}
		pt := &parts[best]
		*pt.p = truncate(*pt.p, max(1, pt.n-(total-maxEmbedsTotal)-8))
		n := textLen(*pt.p)
		total -= pt.n - n
		pt.n = n
	}
}

func fitEmbed(e *discordgo.MessageEmbed) {
	e.Title = truncate(e.Title, maxEmbedTitle)
	e.Description = truncate(e.Description, maxEmbedDesc)
	if len(e.URL) > maxEmbedURL {
		e.URL = ""
	}
	if len(e.Fields) > maxFields {
		e.Fields = e.Fields[:maxFields]
	}
	for _, f := range e.Fields {
		f.Name = truncate(f.Name, maxFieldName)
		if f.Name == "" {
			f.Name = "\u200b" // a field needs a name; zwsp shows as blank
		}
		f.Value = truncate(f.Value, maxFieldValue)
		if f.Value == "" {
			f.Value = "\u200b"
		}
	}
	if e.Footer != nil {
		e.Footer.Text = truncate(e.Footer.Text, maxFooter)
	}
	if e.Author != nil {
		e.Author.Name = truncate(e.Author.Name, maxAuthorName)
	}
}

// fitComponents keeps at most five rows of at most five buttons, drops
// buttons whose custom_id is empty, too long or repeated (Discord rejects the
// whole message otherwise) and shortens labels.
func fitComponents(comps []discordgo.MessageComponent) []discordgo.MessageComponent {
	var out []discordgo.MessageComponent
	seen := map[string]bool{}
	for _, c := range comps {
		row, ok := c.(discordgo.ActionsRow)
		if !ok {
			continue
		}
		var keep []discordgo.MessageComponent
		for _, rc := range row.Components {
			b, ok := rc.(discordgo.Button)
			if !ok {
				continue
			}
			if b.Style != discordgo.LinkButton {
				if b.CustomID == "" || textLen(b.CustomID) > maxCustomID || seen[b.CustomID] {
					continue
				}
				seen[b.CustomID] = true
			}
			b.Label = truncate(b.Label, maxButtonLabel)
			if len(keep) < maxRowComponents {
				keep = append(keep, b)
			}
		}
		if len(keep) > 0 && len(out) < maxRows {
			out = append(out, discordgo.ActionsRow{Components: keep})
		}
	}
	return out
}
