package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// newTestHandler returns a handler over the fake engine with a fixed clock
// and a log captured in the returned buffer.
func newTestHandler(t testing.TB, eng Engine, mod func(*HandlerOptions)) (*Handler, *testClock, *bytes.Buffer) {
	t.Helper()
	clock := &testClock{t: testNow}
	var logBuf bytes.Buffer
	opts := HandlerOptions{
		Location:    testZone,
		Now:         clock.Now,
		Logger:      slog.New(slog.NewJSONHandler(&lockedWriter{w: &logBuf}, nil)),
		FeedbackLog: filepath.Join(t.TempDir(), "feedback.jsonl"),
		StartedAt:   testNow.Add(-26*3600*1e9 - 5*60*1e9),
		Fetcher:     &fakeFetcher{},
		Admin:       &fakeAdmin{},
	}
	if mod != nil {
		mod(&opts)
	}
	return NewHandler(eng, opts), clock, &logBuf
}

// lockedWriter guards the log buffer, which concurrent tests write.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// loadInteraction decodes testdata/interactions/<name>.json the way the
// transports do: into discordgo.Interaction.
func loadInteraction(t testing.TB, name string) *discordgo.Interaction {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "interactions", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(raw, &i); err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
	return &i
}

// compareWithGolden compares got with testdata/golden/<name>.json, or
// rewrites the file under -update (pkgsite's CompareWithGolden).
func compareWithGolden(t *testing.T, got []byte, name string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".json")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden %s (run with -update if the change is intended):\n%s", name, path, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first differing lines, enough to see what changed.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 8; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n- " + wl + "\n+ " + gl + "\n")
			shown++
		}
	}
	return b.String()
}

func marshalResponse(t testing.TB, v any) []byte {
	t.Helper()
	// Not HTML-escaped, so that goldens show "<" and "&" as Discord gets
	// them; Discord reads either form.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkResponse asserts every Discord rule the bot must keep on a response,
// whatever it says: the limits on content, embeds, fields, totals, choices
// and custom_ids, a non-empty message, and allowed_mentions with parse [].
func checkResponse(t testing.TB, resp *discordgo.InteractionResponse) {
	t.Helper()
	if resp == nil {
		t.Fatal("nil response")
	}
	d := resp.Data
	switch resp.Type {
	case discordgo.InteractionResponsePong:
		return
	case discordgo.InteractionApplicationCommandAutocompleteResult:
		if d == nil {
			t.Fatal("autocomplete without data")
		}
		if len(d.Choices) > maxChoices {
			t.Errorf("%d choices > %d", len(d.Choices), maxChoices)
		}
		for _, c := range d.Choices {
			if n := textLen(c.Name); n < 1 || n > maxChoiceName {
				t.Errorf("choice name %q is %d long", c.Name, n)
			}
			if s, ok := c.Value.(string); ok && (textLen(s) > maxChoiceValue || s == "") {
				t.Errorf("choice value %q is %d long", s, textLen(s))
			}
		}
		return
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseUpdateMessage:
	default:
		t.Fatalf("unexpected response type %d", resp.Type)
	}
	if d == nil {
		t.Fatal("message response without data")
	}
	checkMessage(t, d.Content, d.Embeds, d.Components, d.AllowedMentions)
	raw, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(`"allowed_mentions":{"parse":[]`)) {
		t.Errorf("response JSON lacks \"allowed_mentions\":{\"parse\":[]: %s", raw)
	}
}

func checkMessage(t testing.TB, content string, embeds []*discordgo.MessageEmbed, comps []discordgo.MessageComponent, am *discordgo.MessageAllowedMentions) {
	t.Helper()
	if am == nil || am.Parse == nil || len(am.Parse) != 0 || len(am.Users) != 0 || len(am.Roles) != 0 {
		t.Errorf("allowed_mentions = %+v, want parse [] and nothing else", am)
	}
	if strings.TrimSpace(content) == "" && len(embeds) == 0 {
		t.Error("empty message (Discord error 50006)")
	}
	checkText(t, "content", content, maxContent)
	if len(embeds) > maxEmbeds {
		t.Errorf("%d embeds > %d", len(embeds), maxEmbeds)
	}
	total := 0
	urls := map[string]bool{}
	for k, e := range embeds {
		checkText(t, "embed title", e.Title, maxEmbedTitle)
		checkText(t, "embed description", e.Description, maxEmbedDesc)
		if len(e.Fields) > maxFields {
			t.Errorf("embed %d: %d fields > %d", k, len(e.Fields), maxFields)
		}
		for _, f := range e.Fields {
			checkText(t, "field name", f.Name, maxFieldName)
			checkText(t, "field value", f.Value, maxFieldValue)
		}
		if e.Footer != nil {
			checkText(t, "footer", e.Footer.Text, maxFooter)
		}
		if e.URL != "" {
			if urls[e.URL] {
				t.Errorf("two embeds share URL %s (Discord would merge them)", e.URL)
			}
			urls[e.URL] = true
			if !strings.HasPrefix(e.URL, "https://") && !strings.HasPrefix(e.URL, "http://") {
				t.Errorf("embed URL %q is not http(s)", e.URL)
			}
		}
		total += embedLen(e)
	}
	if total > maxEmbedsTotal {
		t.Errorf("embeds total %d > %d", total, maxEmbedsTotal)
	}
	if len(comps) > maxRows {
		t.Errorf("%d rows > %d", len(comps), maxRows)
	}
	ids := map[string]bool{}
	for _, c := range comps {
		row, ok := c.(discordgo.ActionsRow)
		if !ok {
			t.Errorf("top-level component %T is not an action row", c)
			continue
		}
		if len(row.Components) == 0 || len(row.Components) > maxRowComponents {
			t.Errorf("row with %d components", len(row.Components))
		}
		for _, rc := range row.Components {
			b, ok := rc.(discordgo.Button)
			if !ok {
				t.Errorf("component %T is not a button", rc)
				continue
			}
			if n := textLen(b.CustomID); n < 1 || n > maxCustomID {
				t.Errorf("custom_id %q is %d long", b.CustomID, n)
			}
			if ids[b.CustomID] {
				t.Errorf("custom_id %q repeated", b.CustomID)
			}
			ids[b.CustomID] = true
			// Labels are plain text: Discord renders no markdown or
			// mentions there, so only the length matters.
			if n := textLen(b.Label); n > maxButtonLabel {
				t.Errorf("button label is %d long", n)
			}
		}
	}
}

// checkText asserts one text limit and valid UTF-8, and that quoted text
// carries no live mention.
func checkText(t testing.TB, what, s string, limit int) {
	t.Helper()
	if n := textLen(s); n > limit {
		t.Errorf("%s is %d long > %d", what, n, limit)
	}
	if !utf8.ValidString(s) {
		t.Errorf("%s is not valid UTF-8", what)
	}
	if live := liveMention(s); live != "" {
		t.Errorf("%s contains a live mention %q: %q", what, live, s)
	}
}

// liveMention returns the first mention Discord would render in s, or "".
func liveMention(s string) string {
	for _, m := range []string{"@everyone", "@here", "<@", "<#", "</", "<t:"} {
		if i := strings.Index(s, m); i >= 0 {
			if m[0] == '<' && i > 0 && s[i-1] == '\\' {
				continue
			}
			return m
		}
	}
	return ""
}

// goldenCases are the recorded interactions of testdata/interactions and
// what each must produce.
var goldenCases = []struct {
	name      string
	wantType  discordgo.InteractionResponseType
	ephemeral bool
	contains  []string
}{
	{"ping", discordgo.InteractionResponsePong, false, nil},
	{"ask_guild", 4, false, []string{"**Q:** What happened in Kursk?", "**Ukrainian forces pushed deeper into the Kursk region on Sunday.**", "Jane Doe · 2025\\-03\\-10 · ¶1", "#%C2%B61"}},
	{"ask_private_dm", 4, true, []string{"Typhoon Shanshan"}},
	{"ask_no_match", 4, true, []string{"No passage in 5 articles answers that.", "/search"}},
	{"ask_mentions", 4, false, []string{"@\u200beveryone \\<@\u200b&123\\> \\*\\*bold\\*\\* \\|\\|spoiler\\|\\|"}},
	{"ask_bad_since", 4, true, []string{"2025\\-02\\-30", "YYYY-MM-DD", "7d"}},
	{"ask_filters", 4, false, []string{"source: example\\-news.com · since: 2025-03-03"}},
	{"search_paged", 4, false, []string{"Results 1–5 of 8 · page 1 of 2", "**Kursk**"}},
	{"search_no_match", 4, true, []string{"No paragraph matches all of those words with those filters.", "drop a filter"}},
	{"summary_default", 4, false, []string{"Briefing for Monday 10 March 2025", "> Ukrainian forces pushed deeper"}},
	{"summary_bad_date", 4, true, []string{"isn't a date I understand", "YYYY-MM-DD"}},
	{"summary_empty_day", 4, true, []string{"No articles were published on 2025-01-01."}},
	{"sources", 4, false, []string{"**example\\-news.com** — 2 articles · latest 2025-03-10"}},
	{"message_ask", 4, false, []string{"**Q:** does anyone know what happened in Kursk?", "**Ukrainian forces pushed deeper into the Kursk region on Sunday.**"}},
	{"message_ask_no_text", 4, true, []string{"no text I can ask about"}},
	{"help", 4, true, []string{"**/ask** `question`", "Privacy", "never your question", "kept with the question it rates"}},
	{"autocomplete_source", 8, false, []string{"example-news.com (2 articles)"}},
	{"autocomplete_author", 8, false, []string{"Jane Doe"}},
	{"autocomplete_date", 8, false, []string{"2025-03-10 (Mon 10 Mar)"}},
	{"stats_admin", 4, true, []string{"Uptime", "1d 2h 5m", "👍 0 · 👎 0"}},
	{"stats_dm_refused", 4, true, []string{"only inside a server"}},
	{"ingest_admin", 4, true, []string{"Fetched 1 article from <https://example-news.com/world/new-article>: added 1 article (2 paragraphs)"}},
	{"reindex_member_refused", 4, true, []string{"for the bot's operators only"}},
	{"component_next_page", 7, false, []string{"Passage 4 from 5 articles searched"}},
	{"component_context", 4, true, []string{"**¶2**", "¶1", "¶4"}},
	{"component_feedback_dm", 4, true, []string{"Thanks for the 👍"}},
}

// TestGolden feeds each recorded interaction to the handler and compares the
// response JSON with its golden file.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			fetcher := &fakeFetcher{arts: testArticles()[:1]}
			fetcher.arts[0].URL = "https://example-news.com/world/new-article"
			h, _, logs := newTestHandler(t, &fakeEngine{articles: testArticles()}, func(o *HandlerOptions) { o.Fetcher = fetcher })
			i := loadInteraction(t, tc.name)
			resp := h.Handle(context.Background(), i)
			checkResponse(t, resp)
			if resp.Type != tc.wantType {
				t.Errorf("type = %d, want %d", resp.Type, tc.wantType)
			}
			if resp.Data != nil && resp.Type != 8 {
				if got := resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0; got != tc.ephemeral {
					t.Errorf("ephemeral = %v, want %v", got, tc.ephemeral)
				}
			}
			got := marshalResponse(t, resp)
			for _, s := range tc.contains {
				// Compare on the decoded text, not on JSON escapes.
				if !strings.Contains(decodedText(resp), s) {
					t.Errorf("response lacks %q:\n%s", s, got)
				}
			}
			if strings.Contains(logs.String(), i.Token) {
				t.Error("the log contains the interaction token")
			}
			compareWithGolden(t, got, tc.name)
		})
	}
}

// decodedText is all the text of a response, for substring checks.
func decodedText(resp *discordgo.InteractionResponse) string {
	if resp.Data == nil {
		return ""
	}
	var b strings.Builder
	d := resp.Data
	b.WriteString(d.Content + "\n")
	for _, e := range d.Embeds {
		b.WriteString(e.Title + "\n" + e.URL + "\n" + e.Description + "\n")
		for _, f := range e.Fields {
			b.WriteString(f.Name + "\n" + f.Value + "\n")
		}
		if e.Footer != nil {
			b.WriteString(e.Footer.Text + "\n")
		}
	}
	for _, c := range d.Choices {
		b.WriteString(c.Name + "\n")
	}
	return b.String()
}
