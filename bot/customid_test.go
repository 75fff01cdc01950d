package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func TestPageStateRoundTrip(t *testing.T) {
	t.Parallel()
	states := []pageState{
		{Cmd: "a", Page: 2, Query: "What happened in Kursk?"},
		{Cmd: "s", Page: 3, Since: "2025-01-01", Until: "2025-02-01", Source: "a|b%c", Author: "Jane | Doe", Query: "x|y %7C z"},
		{Cmd: "s", Page: 1, Query: "台風🌀 " + strings.Repeat("é", 10)},
	}
	for _, st := range states {
		id, ok := st.encode()
		if !ok {
			t.Fatalf("encode(%+v) failed", st)
		}
		if textLen(id) > maxCustomID {
			t.Errorf("custom_id %q is %d long", id, textLen(id))
		}
		got, ok := decodePage(id)
		if !ok || got != st {
			t.Errorf("decodePage(encode(%+v)) = %+v, %v", st, got, ok)
		}
	}
}

func TestPageStateLongQuery(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("🌀 typhoon | 台風 ", 30) // 300+ units, with separators
	st := pageState{Cmd: "s", Page: 2, Since: "2025-01-01", Source: "example-news.com", Query: long}
	id, ok := st.encode()
	if !ok {
		t.Fatal("encode failed")
	}
	if n := textLen(id); n > maxCustomID {
		t.Fatalf("custom_id is %d long", n)
	}
	got, ok := decodePage(id)
	if !ok || !got.Truncated || got.Hash != queryHash(long) || !strings.HasPrefix(long, got.Query) {
		t.Fatalf("decodePage = %+v, %v", got, ok)
	}
	// Filters too long to leave room for any query: no paging at all.
	if _, ok := (pageState{Cmd: "s", Page: 2, Source: strings.Repeat("s", 50), Author: strings.Repeat("a", 50), Query: "q"}).encode(); ok {
		t.Error("encode should refuse when the filters leave no room for the query")
	}
}

func TestDecodePageRejectsForeignIDs(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"", "p", "p|a", "p|x|1||||||q", "p|a|0||||||q", "p|a|-1||||||q", "p|a|abc||||||q", "p|a|99999||||||q", "c|x#1", "||||||||"} {
		if st, ok := decodePage(id); ok {
			t.Errorf("decodePage(%q) = %+v, want rejection", id, st)
		}
	}
}

// TestPagingRecoversLongQuery pages a search whose query did not fit in the
// custom_id: the handler reads it back from the message and checks the hash.
func TestPagingRecoversLongQuery(t *testing.T) {
	t.Parallel()
	eng := &fakeEngine{articles: testArticles()}
	h, _, _ := newTestHandler(t, eng, nil)
	ctx := context.Background()
	q := "Kursk rules council typhoon " + strings.Repeat("and-more-words ", 18)
	q = strings.TrimSpace(q)
	first := h.Handle(ctx, guildCommand("1", memberPerms, cmdSearch, strOpt("keywords", q)))
	checkResponse(t, first)
	next := findButton(first.Data.Components, "▶")
	if next == nil || next.Disabled {
		t.Fatalf("no enabled ▶ button in %+v", first.Data.Components)
	}
	if st, _ := decodePage(next.CustomID); !st.Truncated {
		t.Fatalf("the test needs a query too long for the custom_id; got %+v", st)
	}
	msg := &discordgo.Message{ID: "77", Content: first.Data.Content, Embeds: first.Data.Embeds}
	resp := h.Handle(ctx, buttonClick("2", next.CustomID, msg))
	checkResponse(t, resp)
	if resp.Type != discordgo.InteractionResponseUpdateMessage {
		t.Fatalf("paging answered with type %d: %s", resp.Type, resp.Data.Content)
	}
	if eng.lastQ != q {
		t.Errorf("paging searched %q, want the whole query %q", eng.lastQ, q)
	}
	if !strings.Contains(resp.Data.Embeds[len(resp.Data.Embeds)-1].Footer.Text, "page 2 of 2") {
		t.Errorf("footer = %q", resp.Data.Embeds[len(resp.Data.Embeds)-1].Footer.Text)
	}

	// A message whose first line was tampered with does not match the hash:
	// the handler falls back to the part of the query the custom_id holds.
	msg.Content = "**Search:** something else"
	resp = h.Handle(ctx, buttonClick("2", next.CustomID, msg))
	checkResponse(t, resp)
	if st, _ := decodePage(next.CustomID); eng.lastQ != st.Query {
		t.Errorf("with a mismatching message, paging searched %q, want the custom_id's %q", eng.lastQ, st.Query)
	}
}

func findButton(comps []discordgo.MessageComponent, label string) *discordgo.Button {
	for _, c := range comps {
		row, ok := c.(discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, rc := range row.Components {
			if b, ok := rc.(discordgo.Button); ok && b.Label == label {
				return &b
			}
		}
	}
	return nil
}

func TestContextIDTooLong(t *testing.T) {
	t.Parallel()
	if id := contextID(strings.Repeat("x", 98)+"#1", ""); id != "" {
		t.Errorf("contextID of a long passage id = %q, want none", id)
	}
	if id := contextID("world/kursk#2", ""); id != "c|world/kursk#2" {
		t.Errorf("contextID = %q", id)
	}
}

// A passage of the server's own space gets a "cs" button, which names the
// copy without naming the server; it fits in one character less.
func TestContextIDOfAServerCopy(t *testing.T) {
	t.Parallel()
	const server = "310000000000000001"
	if id := contextID("world/kursk#2", server); id != "cs|world/kursk#2" {
		t.Errorf("contextID of a server copy = %q", id)
	}
	long := strings.Repeat("x", 96) + "#1" // 98 characters
	if id := contextID(long, server); id != "" {
		t.Errorf("contextID of a long server passage id = %q, want none", id)
	}
	if id := contextID(long, ""); id != "c|"+long {
		t.Errorf("contextID of a long shared passage id = %q", id)
	}
	if got := customIDLabel("cs|world/kursk#2"); got != "context:server len=16" {
		t.Errorf("customIDLabel = %q", got)
	}
	ids := citedIDs([]discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{CustomID: "c|a#1"}, discordgo.Button{CustomID: "cs|b#2"}, discordgo.Button{CustomID: "f|u"},
	}}})
	if strings.Join(ids, " ") != "a#1 b#2" {
		t.Errorf("citedIDs = %q", ids)
	}
}
