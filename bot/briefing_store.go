package bot

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/briefbot/briefbot/internal/atomicfile"
)

// briefingsFile is the per-server briefing settings file in
// ServeConfig.StateDir.
const briefingsFile = "briefings.json"

// operatorKey is the scheduler's key of the operator's entry
// (BRIEFBOT_SUMMARY_CHANNEL), whose state stays in dailyStateFile, where the
// single daily post kept it before per-server settings: an upgrade finds
// today's post recorded there and does not post it again.
const operatorKey = "operator"

// BriefingSetting is one server's daily briefing, as /briefing set stores it.
type BriefingSetting struct {
	Channel string `json:"channel"`
	At      string `json:"at"`   // HH:MM, 24-hour
	Zone    string `json:"zone"` // IANA zone name
	// Since is when the setting was made (RFC 3339): a day whose post time
	// had passed by then is not posted (a new setting starts at its next
	// post time, not at once).
	Since string `json:"since,omitempty"`
}

// postFailure is a daily post Discord refused for good, kept until the next
// successful post so that /briefing show can say what to fix.
type postFailure struct {
	Day     string `json:"day"` // local day of the post
	At      string `json:"at"`  // RFC 3339, when it failed
	Status  int    `json:"status"`
	Code    int    `json:"code,omitempty"` // Discord's JSON error code
	Message string `json:"message,omitempty"`
	// Missing names the permissions the bot lacked in the channel, when
	// they could be read after the failure.
	Missing []string `json:"missing,omitempty"`
}

type briefingEntry struct {
	BriefingSetting
	State dailyState `json:"state"`
	// rev is the deployment's revision of the setting (BriefingSync), 0 =
	// not yet seen shared. Memory only: a replica that starts reads every
	// shared setting again, with its revision.
	rev uint64
}

type briefingsOnDisk struct {
	Servers map[string]*briefingEntry `json:"servers"`
}

// operatorBriefing is the entry the operator's environment sets.
type operatorBriefing struct {
	guild   string // the server of channel; "" until resolved
	channel string
	at      string
	loc     *time.Location
}

// BriefingStore holds every server's briefing setting and the scheduler's
// state of each, in one JSON file next to the index (memory only without a
// state directory). It is shared by the /briefing command, which changes
// settings, and the scheduler, which posts them; a change wakes the
// scheduler, so it takes effect without a restart. Safe for concurrent use.
type BriefingStore struct {
	mu      sync.Mutex
	path    string // "" = memory only
	opPath  string // the operator entry's state file; "" = memory only
	servers map[string]*briefingEntry
	op      *operatorBriefing
	opState dailyState
	wake    chan struct{}
	// enabled, when set, says whether the bot is enabled in a server
	// (BRIEFBOT_SERVERS): a stored entry of a server it no longer answers in
	// is not posted. The operator's entry always is.
	enabled func(guild string) bool
	// sync, when set, shares the settings among replicas (Share).
	sync BriefingSync
}

// setEnabled sets the server allow-list check the scheduler applies.
func (s *BriefingStore) setEnabled(enabled func(guild string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enabled = enabled
	s.notify()
}

// NewBriefingStore opens the settings kept in stateDir ("" = memory only).
// A missing file is no settings; an unreadable one is an error, since
// starting without them would silently stop every server's briefing.
func NewBriefingStore(stateDir string) (*BriefingStore, error) {
	s := &BriefingStore{servers: map[string]*briefingEntry{}, wake: make(chan struct{}, 1)}
	if stateDir == "" {
		return s, nil
	}
	s.path = filepath.Join(stateDir, briefingsFile)
	s.opPath = filepath.Join(stateDir, dailyStateFile)
	var disk briefingsOnDisk
	switch err := readJSONFile(s.path, &disk); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("reading the briefing settings %s: %w (fix or remove the file)", s.path, err)
	}
	for id, e := range disk.Servers {
		if e != nil && snowflakeRE.MatchString(id) {
			s.servers[id] = e
		}
	}
	// The operator's state file: unreadable counts as nothing recorded,
	// as it always has.
	_ = readJSONFile(s.opPath, &s.opState)
	return s, nil
}

// setOperator makes the operator's configured channel one more entry.
func (s *BriefingStore) setOperator(guild, channel, at string, loc *time.Location) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.op = &operatorBriefing{guild: guild, channel: channel, at: at, loc: loc}
	s.notify()
}

// setOperatorGuild records the server of the operator's channel once known.
func (s *BriefingStore) setOperatorGuild(guild string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.op != nil {
		s.op.guild = guild
	}
}

// operatorGuild is the server the operator's entry posts for, or "".
func (s *BriefingStore) operatorGuild() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.op == nil {
		return ""
	}
	return s.op.guild
}

// notify wakes the scheduler; caller holds s.mu.
func (s *BriefingStore) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// set stores guild's setting, keeping the scheduler's state (the day last
// posted stays posted). A shared store sends it to the deployment first.
func (s *BriefingStore) set(guild string, b BriefingSetting) error {
	if sync := s.sharing(); sync != nil {
		return s.publish(sync, guild, b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, existed := s.servers[guild]
	if !existed {
		e = &briefingEntry{}
	}
	old := *e
	e.BriefingSetting = b
	s.servers[guild] = e
	if err := s.saveLocked(); err != nil {
		*e = old
		if !existed {
			delete(s.servers, guild)
		}
		return err
	}
	s.notify()
	return nil
}

// off clears guild's setting; it reports whether there was one. The
// entry's scheduler state stays (an entry without a channel is not
// posted), so that turning the briefing off and on again on a day already
// posted does not post that day twice.
func (s *BriefingStore) off(guild string) (bool, error) {
	if sync := s.sharing(); sync != nil {
		if _, ok := s.Setting(guild); !ok {
			return false, nil
		}
		return true, s.publish(sync, guild, BriefingSetting{})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.servers[guild]
	if !ok || e.Channel == "" {
		return false, nil
	}
	old := e.BriefingSetting
	e.BriefingSetting = BriefingSetting{}
	if err := s.saveLocked(); err != nil {
		e.BriefingSetting = old
		return false, err
	}
	s.notify()
	return true, nil
}

// briefingView is what /briefing show tells about a server.
type briefingView struct {
	BriefingSetting
	Operator bool // set by the operator's configuration
	State    dailyState
}

// view is guild's setting and state; ok is false when it has none.
func (s *BriefingStore) view(guild string) (v briefingView, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.op != nil && s.op.guild == guild && guild != "" {
		return briefingView{
			BriefingSetting: BriefingSetting{Channel: s.op.channel, At: s.op.at, Zone: s.op.loc.String()},
			Operator:        true, State: s.opState,
		}, true
	}
	e, ok := s.servers[guild]
	if !ok || e.Channel == "" {
		return briefingView{}, false
	}
	return briefingView{BriefingSetting: e.BriefingSetting, State: e.State}, true
}

// briefingJob is one entry as the scheduler runs it.
type briefingJob struct {
	key     string // server id, or operatorKey
	guild   string // the server whose space is summarised; "" = not yet known
	channel string
	hh, mm  int
	loc     *time.Location
	since   time.Time // zero = no start (the operator's entry)
}

// jobs is every entry to post, the operator's first. A stored entry of the
// operator's server is left out: the operator's configuration wins. An entry
// whose time or zone no longer parses is skipped (set validated both).
func (s *BriefingStore) jobs() []briefingJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []briefingJob
	if s.op != nil {
		if hh, mm, err := parseHHMM(s.op.at); err == nil {
			out = append(out, briefingJob{key: operatorKey, guild: s.op.guild, channel: s.op.channel, hh: hh, mm: mm, loc: s.op.loc})
		}
	}
	ids := make([]string, 0, len(s.servers))
	for id := range s.servers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		e := s.servers[id]
		if (s.op != nil && s.op.guild == id) || (s.enabled != nil && !s.enabled(id)) {
			continue
		}
		hh, mm, err := parseHHMM(e.At)
		loc, lerr := loadZone(e.Zone)
		if err != nil || lerr != nil || e.Channel == "" {
			continue
		}
		since, _ := time.Parse(time.RFC3339, e.Since)
		out = append(out, briefingJob{key: id, guild: id, channel: e.Channel, hh: hh, mm: mm, loc: loc, since: since})
	}
	return out
}

// state is the scheduler state of key's entry.
func (s *BriefingStore) state(key string) dailyState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key == operatorKey {
		return s.opState
	}
	if e, ok := s.servers[key]; ok {
		return e.State
	}
	return dailyState{}
}

// writeState records key's state (atomically). An entry turned off
// meanwhile (/briefing off during a post) keeps the record and stays off.
func (s *BriefingStore) writeState(key string, st dailyState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key == operatorKey {
		s.opState = st
		if s.opPath == "" {
			return nil
		}
		if err := atomicfile.WriteJSON(s.opPath, st); err != nil {
			return fmt.Errorf("writing %s: %w", s.opPath, err)
		}
		return nil
	}
	e, ok := s.servers[key]
	if !ok {
		return nil
	}
	e.State = st
	return s.saveLocked()
}

// saveLocked writes the settings file; caller holds s.mu.
func (s *BriefingStore) saveLocked() error {
	if s.path == "" {
		return nil
	}
	if err := atomicfile.WriteJSON(s.path, briefingsOnDisk{Servers: s.servers}); err != nil {
		return fmt.Errorf("writing the briefing settings %s: %w", s.path, err)
	}
	return nil
}

// zoneCache keeps the zones the entries use: jobs runs after every post,
// and time.LoadLocation reads the zone database each time.
var zoneCache sync.Map // name → *time.Location

func loadZone(name string) (*time.Location, error) {
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	zoneCache.Store(name, loc)
	return loc, nil
}
