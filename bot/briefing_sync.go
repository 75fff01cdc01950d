package bot

import (
	"context"
	"fmt"
	"time"
)

// BriefingSync shares the servers' /briefing settings among the replicas
// of a deployment (cmd implements it over a JetStream key-value bucket
// with BRIEFBOT_NATS_URL). With one, /briefing set and off go to the
// deployment first and take effect here only once it has them; every
// replica's store receives every change, its own included, through
// ApplyShared. The scheduler's state (the day last posted, a refused post)
// stays each replica's: PostClaims decides which replica posts.
type BriefingSync interface {
	// Publish shares guild's setting (Channel "" = turned off) and returns
	// the revision the deployment gave it, which orders the changes: an
	// error means no replica has it.
	Publish(ctx context.Context, guild string, b BriefingSetting) (rev uint64, err error)
}

// publishTimeout bounds a /briefing change's trip to the deployment; the
// command is deferred by then, so Discord waits.
const publishTimeout = 10 * time.Second

// Share makes the store send its changes through sync. Call it before the
// store serves: a store shares from the start or not at all.
func (s *BriefingStore) Share(sync BriefingSync) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync = sync
}

func (s *BriefingStore) sharing() BriefingSync {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sync
}

// publish sends guild's setting to the deployment, then applies it here
// at once (the replica that answered /briefing shows it right away; its
// echo from the deployment, same revision, changes nothing).
func (s *BriefingStore) publish(sync BriefingSync, guild string, b BriefingSetting) error {
	ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
	defer cancel()
	rev, err := sync.Publish(ctx, guild, b)
	if err != nil {
		return fmt.Errorf("sharing the briefing setting with the other replicas: %w", err)
	}
	return s.ApplyShared(guild, b, rev)
}

// ApplyShared applies a setting as the deployment holds it at revision
// rev (Channel "" = off): a revision older than the one held is passed
// over, so that changes arriving out of order (a replica's own publish
// racing another's, seen through the watch first) end the same on every
// replica. The settings file is written and the scheduler woken. The
// scheduler's state of the entry stays, as with set and off.
func (s *BriefingStore) ApplyShared(guild string, b BriefingSetting, rev uint64) error {
	if !snowflakeRE.MatchString(guild) {
		return fmt.Errorf("briefing setting of %q: not a server id", guild)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, existed := s.servers[guild]
	if existed && e.rev >= rev {
		return nil
	}
	if !existed {
		e = &briefingEntry{}
		s.servers[guild] = e
	}
	changed := e.BriefingSetting != b
	e.BriefingSetting, e.rev = b, rev
	if !changed {
		return nil
	}
	s.notify()
	return s.saveLocked()
}

// Unshared is the settings held here (a channel set) that the deployment
// has not given a revision yet: those of a single instance turned
// replica. cmd offers them to the deployment once it has read it whole,
// without overwriting what it holds.
func (s *BriefingStore) Unshared() map[string]BriefingSetting {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]BriefingSetting{}
	for id, e := range s.servers {
		if e.rev == 0 && e.Channel != "" {
			out[id] = e.BriefingSetting
		}
	}
	return out
}

// Setting is guild's stored setting (the /briefing set one, not the
// operator's); ok is false when it has none.
func (s *BriefingStore) Setting(guild string) (b BriefingSetting, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.servers[guild]
	if !ok || e.Channel == "" {
		return BriefingSetting{}, false
	}
	return e.BriefingSetting, true
}
