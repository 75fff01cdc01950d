package bot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// statsOf is /stats in the test server: its fields by name, and the embed.
func statsOf(t *testing.T, h *Handler) (map[string]string, *discordgo.MessageEmbed) {
	t.Helper()
	resp := h.Handle(context.Background(), guildCommand("9", discordgo.PermissionAdministrator, cmdStats))
	checkResponse(t, resp)
	e := resp.Data.Embeds[0]
	fields := map[string]string{}
	for _, f := range e.Fields {
		fields[f.Name] = f.Value
	}
	return fields, e
}

// Votes cast through two replicas are counted alike by both, a changed
// vote once; each replica's own log keeps its votes; /stats names the
// replica and says which figures are whose.
func TestFeedbackSharedBetweenReplicas(t *testing.T) {
	t.Parallel()
	hub := &memHub{votes: map[SharedVote]bool{}}
	replica := func(name string) *Handler {
		h, _, _ := newTestHandler(t, &fakeEngine{articles: testArticles()}, func(o *HandlerOptions) {
			o.Feedback, o.ReplicaName = hub, name
			o.FeedbackLog = filepath.Join(t.TempDir(), "feedback.jsonl")
		})
		return h
	}
	a, b := replica("a"), replica("b")
	ctx := context.Background()
	vote := func(h *Handler, user, which, msgID string) string {
		resp := h.Handle(ctx, buttonClick(user, "f|"+which, &discordgo.Message{ID: msgID}))
		return resp.Data.Content
	}
	vote(a, "1", "u", "500")
	vote(b, "2", "u", "500")
	vote(b, "1", "d", "500") // user 1 changes their mind, through b
	vote(a, "3", "d", "501")
	for name, h := range map[string]*Handler{"a": a, "b": b} {
		fields, e := statsOf(t, h)
		if fields["Feedback"] != "👍 1 · 👎 2" {
			t.Errorf("%s: feedback %q, want 👍 1 · 👎 2", name, fields["Feedback"])
		}
		if !strings.Contains(e.Description, "Articles and feedback: the whole deployment's") ||
			!strings.Contains(e.Description, "replica **"+name+"**'s only") || e.Footer == nil || e.Footer.Text != "Answered by replica "+name {
			t.Errorf("%s: /stats does not say whose figures are whose: %q, footer %+v", name, e.Description, e.Footer)
		}
	}
	if raw, err := os.ReadFile(a.feedback.path); err != nil || strings.Count(string(raw), "\n") != 2 {
		t.Errorf("a's log: %q %v, want its 2 votes", raw, err)
	}

	hub.mu.Lock()
	hub.fail = errors.New("no quorum")
	hub.mu.Unlock()
	if got := vote(a, "4", "u", "502"); !strings.Contains(got, "couldn't record") {
		t.Errorf("vote with the deployment down: %q", got)
	}
	if raw, _ := os.ReadFile(a.feedback.path); strings.Count(string(raw), "\n") != 2 {
		t.Errorf("a vote the deployment did not take is in a's log: %q", raw)
	}
}

// A replica without a shared feedback store says its feedback is its own;
// a single instance says nothing of replicas.
func TestStatsReplicaScope(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestHandler(t, &fakeEngine{articles: testArticles()}, func(o *HandlerOptions) { o.ReplicaName = "b*" })
	_, e := statsOf(t, h)
	if !strings.Contains(e.Description, "Articles: the whole deployment's. Uptime, questions answered, answer times and feedback: replica **b\\*") {
		t.Errorf("description %q", e.Description)
	}
	single, _, _ := newTestHandler(t, &fakeEngine{articles: testArticles()}, nil)
	if _, e := statsOf(t, single); strings.Contains(e.Description, "replica") || e.Footer != nil {
		t.Errorf("a single instance's /stats speaks of replicas: %q %+v", e.Description, e.Footer)
	}
}
