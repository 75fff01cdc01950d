package bot

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot"
)

// Authors lists the fake corpus's bylines, most articles first, like the
// index does.
func (f *fakeEngine) Authors(ctx context.Context, sc briefbot.Scope) ([]string, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, a := range f.visible(sc) {
		if a.Author != "" {
			count[a.Author]++
		}
	}
	out := make([]string, 0, len(count))
	for name := range count {
		out = append(out, name)
	}
	sort.Slice(out, func(i, j int) bool {
		if count[out[i]] != count[out[j]] {
			return count[out[i]] > count[out[j]]
		}
		return out[i] < out[j]
	})
	return out, nil
}

// Authors: the serve tests' stub holds no articles.
func (e *stubEngine) Authors(ctx context.Context, sc briefbot.Scope) ([]string, error) {
	return nil, nil
}

// TestAuthorAutocomplete: /search author: offers indexed authors, those
// starting with what was typed first; a chosen author finds their articles.
func TestAuthorAutocomplete(t *testing.T) {
	t.Parallel()
	arts := append(testArticles(),
		briefbot.Article{ID: "x/1", Author: "Ann Lee", Source: "example-news.com"},
		briefbot.Article{ID: "x/2", Author: "Ann Lee", Source: "example-news.com"},
		briefbot.Article{ID: "x/3", Author: "Leena Ray", Source: "example-news.com"},
		briefbot.Article{ID: "x/4", Author: strings.Repeat("x", 101), Source: "example-news.com"},
	)
	h, _, _ := newTestHandler(t, &fakeEngine{articles: arts}, nil)
	for _, tc := range []struct {
		typed string
		want  string
	}{
		{"", "Ann Lee|<@999>|Jane Doe|Leena Ray|Sam Lee|山田太郎"},
		{"le", "Leena Ray|Ann Lee|Sam Lee"},
		{"  LEE ", "Leena Ray|Ann Lee|Sam Lee"},
		{"nobody", ""},
	} {
		i := guildCommand("1", memberPerms, cmdSearch, strOpt("keywords", "Kursk"), strOpt("author", tc.typed))
		i.Type = discordgo.InteractionApplicationCommandAutocomplete
		data := i.Data.(discordgo.ApplicationCommandInteractionData)
		data.Options[1].Focused = true
		i.Data = data
		resp := h.Handle(context.Background(), i)
		checkResponse(t, resp)
		var got []string
		for _, c := range resp.Data.Choices {
			if c.Name != c.Value {
				t.Errorf("choice %q has value %v", c.Name, c.Value)
			}
			got = append(got, c.Value.(string))
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("typed %q: choices %q, want %s", tc.typed, got, tc.want)
		}
	}
	// A chosen author is one the search filter finds.
	resp := h.Handle(context.Background(), guildCommand("2", memberPerms, cmdSearch, strOpt("keywords", "Kursk"), strOpt("author", "Jane Doe")))
	if !strings.Contains(decodedText(resp), "Kursk") {
		t.Errorf("search by the offered author found nothing:\n%s", decodedText(resp))
	}
}
