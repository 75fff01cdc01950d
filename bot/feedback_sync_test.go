package bot

import (
	"context"
	"errors"
	"maps"
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

// An instance turned replica offers the votes of its feedback log to the
// deployment once: each user's latest vote on each answer, every server's,
// an older line without an answer id as its own vote, never replacing a
// vote the deployment has already (changed since through another
// replica). A marker makes later starts skip the log; a deployment that
// refuses gets no marker, so the next start tries again.
func TestShareFeedbackLog(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "feedback.jsonl")
	lines := `{"time":"2026-03-01T10:00:00Z","vote":"up","user":"u1","guild":"9","message":"500"}
{"time":"2026-03-01T10:01:00Z","vote":"down","user":"u1","guild":"9","message":"500"}
{"time":"2026-03-01T10:02:00Z","vote":"up","user":"u2","guild":"9","message":"500"}
{"time":"2026-03-01T10:03:00Z","vote":"up","user":"u3","guild":"8","message":"501"}
{"time":"2026-03-01T10:04:00Z","vote":"up","user":"u4"}
{"time":"2026-03-01T10:05:00Z","vote":"up","user":"u4"}
{"time":"2026-03-01T10:06:00Z","vote":"down","user":"u5","guild":"9","message":"502"}
{"time":"2026-03-01T10:07:00Z","vote":"up","us`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	hub := &memHub{votes: map[SharedVote]bool{}}
	ctx := context.Background()
	// u5 changed their vote through another replica since.
	if err := hub.Record(ctx, SharedVote{Guild: "9", Answer: "502", User: "u5", Up: true}); err != nil {
		t.Fatal(err)
	}

	hub.fail = errors.New("no quorum")
	if _, err := ShareFeedbackLog(ctx, path, hub); err == nil {
		t.Error("no error from a deployment that refuses")
	}
	if _, err := os.Stat(path + ".shared"); err == nil {
		t.Error("marked shared although the deployment refused")
	}
	hub.fail = nil

	n, err := ShareFeedbackLog(ctx, path, hub)
	if err != nil || n != 6 {
		t.Fatalf("offered %d votes, %v; want 6", n, err)
	}
	for _, tc := range []struct {
		guild    string
		up, down int
	}{{"9", 2, 1}, {"8", 1, 0}, {"", 2, 0}} {
		up, down, _ := hub.Counts(ctx, tc.guild)
		if up != tc.up || down != tc.down {
			t.Errorf("server %q: 👍 %d 👎 %d, want %d %d", tc.guild, up, down, tc.up, tc.down)
		}
	}
	// The log's own counts agree, u5's latest being the deployment's.
	f := &feedbackLog{path: path}
	if up, down, err := f.counts("9"); up != 1 || down != 2 || err != nil {
		t.Errorf("the log's counts in 9: %d %d %v, want 1 2", up, down, err)
	}

	hub.votes = map[SharedVote]bool{}
	if n, err := ShareFeedbackLog(ctx, path, hub); n != 0 || err != nil || len(hub.votes) != 0 {
		t.Errorf("offered again after the marker: %d %v %v", n, err, hub.votes)
	}
}

// A vote on an answer whose message is unknown is logged under the id
// that stood for it in the share, so offering the log later adds nothing.
func TestVoteWithoutMessageKeepsItsKey(t *testing.T) {
	t.Parallel()
	hub := &memHub{votes: map[SharedVote]bool{}}
	path := filepath.Join(t.TempDir(), "feedback.jsonl")
	f := &feedbackLog{path: path, share: hub}
	if err := f.record(context.Background(), feedbackEntry{Vote: "up", User: "u1", Guild: "9"}, "interaction-7"); err != nil {
		t.Fatal(err)
	}
	fresh := &memHub{votes: map[SharedVote]bool{}}
	if _, err := ShareFeedbackLog(context.Background(), path, fresh); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(fresh.votes, hub.votes) {
		t.Errorf("the log offers %v, the share holds %v", fresh.votes, hub.votes)
	}
}
