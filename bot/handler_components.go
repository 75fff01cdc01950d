package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/briefbot/briefbot"

	"github.com/bwmarrin/discordgo"
)

func (h *Handler) component(ctx context.Context, i *discordgo.Interaction, start time.Time, out *outcome) *discordgo.InteractionResponse {
	data, ok := i.Data.(discordgo.MessageComponentInteractionData)
	if !ok {
		out.kind = "invalid"
		return ephemeral("That button arrived without its data; please try again.")
	}
	kind, rest, _ := strings.Cut(data.CustomID, "|")
	out.button = customIDLabel(data.CustomID)
	var resp *discordgo.InteractionResponse
	var err error
	switch kind {
	case idPage:
		out.command = "page"
		resp, err = h.page(ctx, i, data.CustomID, start, out)
	case idContext, idContextServer:
		out.command = "context"
		resp, err = h.context(ctx, i, kind == idContextServer, rest, out)
	case idFeedback:
		out.command = "feedback"
		resp = h.vote(ctx, i, rest, out)
	default:
		out.kind = "invalid"
		return ephemeral("That button is from an older version of me and no longer works. Please ask again.")
	}
	return out.settle(resp, err, engineTrouble)
}

// page answers ◀ / ▶ by re-running the query for the page in the custom_id
// and replacing the message with it.
func (h *Handler) page(ctx context.Context, i *discordgo.Interaction, customID string, start time.Time, out *outcome) (*discordgo.InteractionResponse, error) {
	st, ok := decodePage(customID)
	if !ok {
		return nil, invalidf("That button no longer works. Please ask again.")
	}
	if st.Truncated {
		// The custom_id holds only the start of the query: read the whole
		// query back from the message, and trust it only if it is the one
		// the button was made for.
		if i.Message != nil {
			if q, ok := queryFromMessage(i.Message.Content); ok && queryHash(q) == st.Hash {
				st.Query, st.Truncated = q, false
			}
		}
	}
	if utf8.RuneCountInString(st.Query) > maxQueryRunes || strings.TrimSpace(st.Query) == "" {
		return nil, invalidf("That button no longer works. Please ask again.")
	}
	if refusal := h.allowQuestion(i, out); refusal != nil {
		return refusal, nil
	}
	if st.Cmd == "a" {
		if st.Page > askMaxPages {
			return nil, invalidf("That's as far as I page; please ask a more specific question.")
		}
		return h.runAsk(ctx, scope(i), st, start, out, false, true)
	}
	return h.runSearch(ctx, scope(i), st, start, out, false, true)
}

// context answers the Context button with the paragraphs around a passage,
// privately. serverCopy says the button names the copy in the space of the
// server it is clicked in, else the shared copy. An article that scope does
// not see gets the same reply as one that never existed, so a hand-made
// custom_id learns nothing of another server's articles.
func (h *Handler) context(ctx context.Context, i *discordgo.Interaction, serverCopy bool, passageID string, out *outcome) (*discordgo.InteractionResponse, error) {
	articleID, n, _, ok := briefbot.SplitKey(passageID)
	if !ok || articleID == "" {
		return nil, invalidf("That button no longer works. Please ask again.")
	}
	sc, space := scope(i), briefbot.SharedSpace
	if serverCopy {
		space = sc.Server
	}
	var art briefbot.Article
	var err error
	if !serverCopy || space != "" { // a DM has no server copy to show
		art, err = h.eng.Paragraphs(ctx, sc, space, articleID)
	}
	if err != nil && !errors.Is(err, briefbot.ErrNotFound) {
		out.kind, out.err = "error", fmt.Errorf("paragraphs of %q: %w", articleID, err)
		return ephemeral("I couldn't load that article just now. Please try again in a moment."), nil
	}
	if len(art.Paragraphs) == 0 { // removed since the answer was given
		out.kind = "no_match"
		return ephemeral("That article is no longer in the index."), nil
	}
	out.results = 1
	return message("", []*discordgo.MessageEmbed{renderContext(art, n)}, nil, true), nil
}

// vote records 👍 or 👎 on an answer in the feedback log.
func (h *Handler) vote(ctx context.Context, i *discordgo.Interaction, which string, out *outcome) *discordgo.InteractionResponse {
	e := feedbackEntry{Time: h.now().UTC(), User: h.userHash(userID(i)), Guild: i.GuildID}
	switch which {
	case "u":
		e.Vote = "up"
	case "d":
		e.Vote = "down"
	default:
		out.kind = "invalid"
		return ephemeral("That button no longer works.")
	}
	if m := i.Message; m != nil {
		e.Message = m.ID
		e.Query, _ = queryFromMessage(m.Content)
		e.Cited = citedIDs(m.Components)
	}
	if !h.feedback.keeps() {
		return ephemeral("Thanks for the feedback!")
	}
	if err := h.feedback.record(ctx, e, i.ID); err != nil {
		out.kind, out.err = "error", err
		return ephemeral("Thanks! I couldn't record that just now, sorry.")
	}
	if e.Vote == "up" {
		return ephemeral("Thanks for the 👍 — noted.")
	}
	return ephemeral("Thanks for the 👎 — noted. `/search` with a few keywords may find what the answer missed.")
}

// citedIDs lists the passage ids behind the Context buttons of a message, so
// the feedback log says which passages were judged.
func citedIDs(comps []discordgo.MessageComponent) []string {
	var ids []string
	var walk func(c discordgo.MessageComponent)
	walk = func(c discordgo.MessageComponent) {
		switch c := c.(type) {
		case *discordgo.ActionsRow:
			for _, cc := range c.Components {
				walk(cc)
			}
		case discordgo.ActionsRow:
			for _, cc := range c.Components {
				walk(cc)
			}
		case *discordgo.Button:
			ids = appendCited(ids, c.CustomID)
		case discordgo.Button:
			ids = appendCited(ids, c.CustomID)
		}
	}
	for _, c := range comps {
		walk(c)
	}
	return ids
}

// appendCited appends the passage id a Context button's custom_id names, of
// either copy: the log belongs to the server voted in, which says which
// space a "cs" passage is in.
func appendCited(ids []string, customID string) []string {
	kind, id, ok := strings.Cut(customID, "|")
	if ok && (kind == idContext || kind == idContextServer) {
		ids = append(ids, id)
	}
	return ids
}
