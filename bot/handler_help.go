package bot

import (
	"strings"

	"github.com/bwmarrin/discordgo"
)

// helpLines say what each command does, in the order a member meets them.
var helpLines = []string{
	"**/ask** `question` — quoted passages from the briefings that answer it, with citations; narrow with `source` and `since`.",
	"**/search** `keywords` — paragraphs holding all the words, highlighted, 5 a page; narrow with `source`, `author`, `since`, `until`.",
	"**/summary** `date` — the key sentences of a day's articles (default today).",
	"**/sources** — the indexed sources, with article counts and latest dates.",
	"**Apps → Ask briefbot** on a message (right-click, or long-press on a phone) — asks with that message's text.",
	"**/help** — this message.",
	"",
	"Set `private` to True on /ask, /search or /summary to see the reply alone. Under an answer, ◀ ▶ turn the page, **Context** shows the paragraphs around a passage, and 👍 / 👎 rate the answer.",
	"",
	"Server managers also have **/ingest** `url` (add an article or feed to this server's own briefings, which no other server sees), **/feeds** (`add`, `list`, `remove`: feeds that keep this server's briefings current), **/briefing** (`set`, `show`, `off`: this server's daily briefing, its channel, time and zone) and **/stats** (this server's figures: articles, answer times, feedback). The bot's operators have **/reindex** (re-read the corpus every server shares).",
}

// help answers /help: what each command does and what the bot keeps about
// the user, in one private embed.
func (h *Handler) help(out *outcome) *discordgo.InteractionResponse {
	out.results = 1
	embed := &discordgo.MessageEmbed{
		Title:       "briefbot — what I can do",
		Description: strings.Join(helpLines, "\n"),
		Color:       embedColor,
		Fields:      []*discordgo.MessageEmbedField{{Name: "Privacy", Value: h.privacyNote()}},
	}
	return message("", []*discordgo.MessageEmbed{embed}, nil, true)
}

// privacyNote is what is logged and kept, as docs/operations.md ("Logs and
// privacy") describes it: the log line of logInteraction, the feedback log
// when one is configured, nothing else.
func (h *Handler) privacyNote() string {
	note := "Each request is logged with the command, a pseudonymous hash of your user id, the outcome and the timing — never your question or your id."
	if h.feedback.path != "" {
		note += " A 👍 / 👎 is kept with the question it rates, to improve the answers."
	} else if h.feedback.share != nil {
		note += " A 👍 / 👎 is kept without the question, for the counts in /stats."
	} else {
		note += " A 👍 / 👎 is not kept."
	}
	return note + " Nothing else about you is stored."
}
