package bot

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// memHub is an in-memory deployment for BriefingSync and FeedbackShare:
// one revision counter, every store told of every change in revision
// order (as a key-value watch tells them), the publisher included.
type memHub struct {
	mu     sync.Mutex
	rev    uint64
	stores []*BriefingStore
	fail   error
	votes  map[SharedVote]bool // key: the vote with Up false; value: Up
}

func (m *memHub) Publish(_ context.Context, guild string, b BriefingSetting) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return 0, m.fail
	}
	m.rev++
	for _, s := range m.stores {
		if err := s.ApplyShared(guild, b, m.rev); err != nil {
			return 0, err
		}
	}
	return m.rev, nil
}

func (m *memHub) Record(_ context.Context, v SharedVote) error { return m.keep(v, true) }

func (m *memHub) Offer(_ context.Context, v SharedVote) error { return m.keep(v, false) }

// keep keeps v, replacing the same user's vote on the same answer only
// when replace says so.
func (m *memHub) keep(v SharedVote, replace bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	up := v.Up
	v.Up = false
	if _, ok := m.votes[v]; replace || !ok {
		m.votes[v] = up
	}
	return nil
}

func (m *memHub) Counts(_ context.Context, guild string) (up, down int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for v, u := range m.votes {
		switch {
		case v.Guild != guild:
		case u:
			up++
		default:
			down++
		}
	}
	return up, down, nil
}

// acceptingChecker finds every channel in guild, with every permission.
type acceptingChecker struct{ guild string }

func (c acceptingChecker) CheckChannel(context.Context, string) (ChannelAccess, error) {
	return ChannelAccess{GuildID: c.guild}, nil
}

// sharedReplica is one replica's handler over a store shared through hub,
// its settings file in its own state directory.
func sharedReplica(t *testing.T, hub *memHub, dir string) (*Handler, *BriefingStore) {
	t.Helper()
	store, err := NewBriefingStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	store.Share(hub)
	hub.mu.Lock()
	hub.stores = append(hub.stores, store)
	hub.mu.Unlock()
	h := NewHandler(&stubEngine{}, HandlerOptions{Briefings: store, ChannelChecker: acceptingChecker{"3"}})
	return h, store
}

func briefingIn(t *testing.T, h *Handler, sub *discordgo.ApplicationCommandInteractionDataOption) string {
	t.Helper()
	resp := h.Handle(context.Background(), guildCommand("1", 0, cmdBriefing, sub))
	return resp.Data.Content
}

// /briefing set on one replica is in the other's store, shown by its
// /briefing show and kept in its settings file; off likewise; a
// deployment that cannot take the change leaves every replica unchanged.
func TestBriefingSharedBetweenReplicas(t *testing.T) {
	t.Parallel()
	hub := &memHub{}
	dirB := t.TempDir()
	a, _ := sharedReplica(t, hub, t.TempDir())
	b, storeB := sharedReplica(t, hub, dirB)

	if got := briefingIn(t, a, setOpts(chanA, "07:30", "Europe/Berlin")); !strings.Contains(got, "every day at 07:30 (Europe/Berlin)") {
		t.Fatalf("/briefing set on a: %q", got)
	}
	if got := briefingIn(t, b, subcommand("show")); !strings.Contains(got, "<#"+chanA+"> every day at 07:30 (Europe/Berlin)") {
		t.Errorf("/briefing show on b: %q", got)
	}
	if jobs := storeB.jobs(); len(jobs) != 1 || jobs[0].channel != chanA || jobs[0].hh != 7 || jobs[0].mm != 30 {
		t.Errorf("b's scheduler jobs = %+v", jobs)
	}
	reopened, err := NewBriefingStore(dirB)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := reopened.view("3"); !ok || v.Channel != chanA {
		t.Errorf("b's settings file after the shared set: %+v %v", v, ok)
	}

	hub.mu.Lock()
	hub.fail = errors.New("no quorum")
	hub.mu.Unlock()
	if got := briefingIn(t, b, setOpts(chanB, "09:00", "UTC")); strings.Contains(got, "every day at 09:00") {
		t.Errorf("/briefing set with the deployment down: %q", got)
	}
	if got := briefingIn(t, a, subcommand("show")); !strings.Contains(got, "07:30") {
		t.Errorf("a after the failed set: %q", got)
	}
	hub.mu.Lock()
	hub.fail = nil
	hub.mu.Unlock()

	briefingIn(t, b, subcommand("off"))
	if _, ok := hub.stores[0].view("3"); ok {
		t.Error("/briefing off on b: a still has the setting")
	}
	if got := briefingIn(t, a, subcommand("show")); strings.Contains(got, chanA) {
		t.Errorf("/briefing show on a after off on b: %q", got)
	}
}

// Changes applied out of order end as the newest: a replica's own
// publish, applied after the watch brought a newer one, changes nothing.
func TestBriefingApplySharedKeepsNewest(t *testing.T) {
	t.Parallel()
	s, _ := NewBriefingStore(filepath.Join(t.TempDir()))
	newer := BriefingSetting{Channel: chanB, At: "09:00", Zone: "UTC"}
	if err := s.ApplyShared(guildA, newer, 5); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyShared(guildA, BriefingSetting{Channel: chanA, At: "08:00", Zone: "UTC"}, 4); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.view(guildA); v.BriefingSetting != newer {
		t.Errorf("after an older revision: %+v, want %+v", v.BriefingSetting, newer)
	}
	if err := s.ApplyShared("not-a-server", newer, 6); err == nil {
		t.Error("a setting of no server was applied")
	}
	if u := s.Unshared(); len(u) != 0 {
		t.Errorf("unshared = %v, want none", u)
	}
	if err := s.set(guildB, newer); err != nil { // no sync: local only
		t.Fatal(err)
	}
	if u := s.Unshared(); len(u) != 1 || u[guildB] != newer {
		t.Errorf("unshared = %v, want %s's", u, guildB)
	}
}
