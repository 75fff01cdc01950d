package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/briefbot/briefbot/internal/atomicfile"

	"github.com/bwmarrin/discordgo"
)

// Clock is the scheduler's source of time. Tests use a fake that they
// advance by hand; nothing in the scheduler sleeps on its own.
type Clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once d has passed, and a
	// function that stops the timer.
	NewTimer(d time.Duration) (<-chan time.Time, func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// maxSleep caps one wait of the scheduler: after a suspend or a wall-clock
// change the next slot is recomputed within this long.
const maxSleep = time.Hour

// retryPostAfter is how long the scheduler waits before retrying a daily
// post that failed for a reason that may pass (Discord 5xx, network).
const retryPostAfter = 5 * time.Minute

func parseHHMM(s string) (hh, mm int, err error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if ok && len(h) >= 1 && len(h) <= 2 && len(m) == 2 {
		hh, err1 := strconv.Atoi(h)
		mm, err2 := strconv.Atoi(m)
		if err1 == nil && err2 == nil && hh >= 0 && hh < 24 && mm >= 0 && mm < 60 {
			return hh, mm, nil
		}
	}
	return 0, 0, fmt.Errorf("summary time %q is not HH:MM (24-hour, e.g. 08:00)", s)
}

// slotOn is the instant of the daily post on the local calendar day of day
// (only its date in loc is used). It is computed from the date with
// time.Date, never by adding 24 h, so it stays at hh:mm across daylight
// saving changes (a local day can be 23 or 25 hours long).
//
// Rules for times that do not exist once on that day:
//   - in a spring-forward gap (02:30 on 2026-03-29 in Europe/Berlin) the post
//     happens when the gap ends, the first instant the wall clock has passed
//     hh:mm (03:00 CEST);
//   - in a fall-back overlap (02:30 on 2026-10-25 in Europe/Berlin) it
//     happens at the first occurrence (02:30 CEST, before the clocks go back).
func slotOn(day time.Time, hh, mm int, loc *time.Location) time.Time {
	y, m, d := day.In(loc).Date()
	t := time.Date(y, m, d, hh, mm, 0, 0, loc)
	if t.Hour() != hh || t.Minute() != mm {
		// Normalised forward out of a gap: the gap ends where the zone in
		// effect at t begins.
		start, _ := t.ZoneBounds()
		if !start.IsZero() && start.Before(t) {
			return start
		}
		return t
	}
	// Look for an earlier instant with the same wall clock on the same day.
	for _, back := range []time.Duration{3 * time.Hour, 2 * time.Hour, time.Hour, 30 * time.Minute} {
		e := t.Add(-back).In(loc)
		if ey, em, ed := e.Date(); ey == y && em == m && ed == d && e.Hour() == hh && e.Minute() == mm {
			return e
		}
	}
	return t
}

// dayKey is the local calendar day of t as YYYY-MM-DD.
func dayKey(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// dailyState is the daily-summary state file.
type dailyState struct {
	// LastDay is the last local day (YYYY-MM-DD) whose briefing was posted,
	// or found to have nothing to post, or failed for good.
	LastDay string `json:"last_day"`
	Outcome string `json:"outcome"` // posted, empty, failed
	Channel string `json:"channel"`
	At      string `json:"at"` // RFC 3339, when it was recorded
	// Pending is a day whose post was started (written before the post) but
	// not yet recorded as posted, and Nonce the nonce it was sent with: after
	// a crash between the post and the record, the restart looks for that
	// post in the channel instead of posting again.
	Pending string `json:"pending,omitempty"`
	Nonce   string `json:"nonce,omitempty"`
}

// poster sends the daily message to the channel.
type poster interface {
	post(ctx context.Context, msg *discordgo.MessageSend, nonce string) error
	// findPost reports whether the channel's recent messages hold a post of
	// the bot sent with nonce or whose content is marker.
	findPost(ctx context.Context, nonce, marker string) (bool, error)
}

// dailyScheduler posts the day's briefing once per local day.
//
// Exactly once: before the post the day is written to the state file as
// pending with the post's nonce, and right after the post it is recorded as
// posted (both writes atomic). A day already recorded is never posted again;
// a day still pending (a crash or an unknown outcome between the post and the
// record) is posted only when the channel's recent messages do not already
// hold it, so restarts do not repeat it. Catch-up policy: when the bot starts (or wakes)
// after today's slot and today is not recorded, it posts at once; a missed
// earlier day is never posted late (yesterday's briefing the next morning
// would be stale next to today's).
type dailyScheduler struct {
	clock     Clock
	loc       *time.Location
	hh, mm    int
	statePath string // "" = remember in memory only
	channel   string
	post      poster
	daily     dailyMessenger
	log       *slog.Logger
	mem       dailyState
	// onUnauthorized is called on a 401 (Serve stops).
	onUnauthorized func()
	// afterPost, when set (tests only), runs between a successful post and
	// its record: a fault hook that stands for a crash there.
	afterPost func()
}

func newDailyScheduler(cfg *ServeConfig, p poster, daily dailyMessenger) (*dailyScheduler, error) {
	hh, mm, err := parseHHMM(cfg.SummaryAt)
	if err != nil {
		return nil, err
	}
	d := &dailyScheduler{
		clock: cfg.Clock, loc: cfg.Location, hh: hh, mm: mm, channel: cfg.SummaryChannel,
		post: p, daily: daily, log: cfg.Logger,
	}
	if cfg.StateDir != "" {
		d.statePath = filepath.Join(cfg.StateDir, dailyStateFile)
	}
	return d, nil
}

// state is the recorded state; an unreadable file counts as empty.
func (d *dailyScheduler) state() dailyState {
	if d.statePath == "" {
		return d.mem
	}
	var st dailyState
	if err := readJSONFile(d.statePath, &st); err != nil {
		return dailyState{}
	}
	return st
}

func (d *dailyScheduler) lastDay() string { return d.state().LastDay }

func (d *dailyScheduler) record(day, outcome string) error {
	st := dailyState{LastDay: day, Outcome: outcome, Channel: d.channel, At: d.clock.Now().UTC().Format(time.RFC3339)}
	return d.write(st)
}

// recordIntent marks day as pending before its post, keeping the last
// recorded day.
func (d *dailyScheduler) recordIntent(day, nonce string) error {
	st := d.state()
	st.Pending, st.Nonce, st.Channel = day, nonce, d.channel
	st.At = d.clock.Now().UTC().Format(time.RFC3339)
	return d.write(st)
}

func (d *dailyScheduler) write(st dailyState) error {
	d.mem = st
	if d.statePath == "" {
		return nil
	}
	return atomicfile.WriteJSON(d.statePath, st)
}

// run posts until ctx ends.
func (d *dailyScheduler) run(ctx context.Context) {
	retryAt := time.Time{}
	for {
		now := d.clock.Now()
		today := dayKey(now, d.loc)
		slot := slotOn(now, d.hh, d.mm, d.loc)
		var next time.Time
		switch {
		case d.lastDay() >= today:
			next = slotOn(nextDay(now, d.loc), d.hh, d.mm, d.loc)
		case now.Before(slot):
			next = slot
		case now.Before(retryAt):
			next = retryAt
		default:
			if d.runOnce(ctx, now) {
				retryAt = time.Time{}
			} else {
				retryAt = now.Add(retryPostAfter)
			}
			if ctx.Err() != nil {
				return
			}
			continue
		}
		wait := min(next.Sub(now), maxSleep)
		c, stop := d.clock.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			stop()
			return
		case <-c:
		}
	}
}

// nextDay is noon of the local day after t's: a safe anchor for slotOn.
func nextDay(t time.Time, loc *time.Location) time.Time {
	y, m, dd := t.In(loc).Date()
	return time.Date(y, m, dd+1, 12, 0, 0, 0, loc)
}

// runOnce posts the briefing for now's local day. It reports false when the
// attempt should be retried later (the day is then not recorded).
func (d *dailyScheduler) runOnce(ctx context.Context, now time.Time) bool {
	day := dayKey(now, d.loc)
	y, m, dd := now.In(d.loc).Date()
	dayStart := time.Date(y, m, dd, 0, 0, 0, 0, d.loc)
	log := d.log.With("day", day, "channel", d.channel)

	msg, ok, err := d.daily.DailyMessage(ctx, dayStart)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		log.Error("daily briefing: building the message failed; will retry", "err", err)
		return false
	}
	if !ok || msg == nil {
		log.Info("daily briefing: no articles for the day; nothing posted")
		d.recordOrLog(log, day, "empty")
		return true
	}
	msg.AllowedMentions = noMentions()
	// One nonce per channel and day: Discord drops a repeat with the same
	// nonce for a few minutes (enforce_nonce), a second line of defence
	// behind the state file.
	nonce := "brief-" + strings.ReplaceAll(day, "-", "")
	if done, ok := d.resumePending(ctx, log, day, nonce, msg.Content); !ok || done {
		return done
	}
	if err := d.recordIntent(day, nonce); err != nil {
		log.Error("daily briefing: cannot write the state file; a crash during the post may post again", "err", err)
	}
	switch err := d.post.post(ctx, msg, nonce); {
	case err == nil:
		if d.afterPost != nil {
			d.afterPost()
		}
		log.Info("daily briefing posted")
		d.recordOrLog(log, day, "posted")
		return true
	case ctx.Err() != nil:
		return false
	case httpStatus(err) == http.StatusUnauthorized:
		log.Error("daily briefing: Discord rejected the bot token (401)", "err", err)
		if d.onUnauthorized != nil {
			d.onUnauthorized()
		}
		return true
	case permanentPostError(err):
		// 403 Missing Access / 50013 Missing Permissions and the like will
		// not pass by retrying: log once and give the day up.
		log.Error("daily briefing: Discord refused the post; giving up for today (check the channel id and the bot's permissions)", "err", err)
		d.recordOrLog(log, day, "failed")
		return true
	default:
		log.Error("daily briefing: post failed; will retry", "err", err, "retry_in", retryPostAfter)
		return false
	}
}

// resumePending handles a day left pending by an earlier attempt (a crash
// or an unknown outcome after the intent was written): when the channel
// already holds the post, the day is recorded as posted (done). ok is false
// when the channel cannot be read: the attempt is retried later rather than
// risking a second post.
func (d *dailyScheduler) resumePending(ctx context.Context, log *slog.Logger, day, nonce, marker string) (done, ok bool) {
	st := d.state()
	if st.Pending != day || st.Channel != d.channel {
		return false, true
	}
	if st.Nonce != "" {
		nonce = st.Nonce
	}
	found, err := d.post.findPost(ctx, nonce, marker)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("daily briefing: an earlier attempt may have posted, and the channel cannot be read to check; will retry", "err", err)
		}
		return false, false
	}
	if !found {
		return false, true
	}
	log.Info("daily briefing: an earlier attempt had posted it; not posting again")
	d.recordOrLog(log, day, "posted")
	return true, true
}

func (d *dailyScheduler) recordOrLog(log *slog.Logger, day, outcome string) {
	if err := d.record(day, outcome); err != nil {
		log.Error("daily briefing: cannot write the state file; a restart today may post again", "err", err)
	}
}

func permanentPostError(err error) bool {
	st := httpStatus(err)
	return st >= 400 && st < 500 && st != http.StatusTooManyRequests
}

// channelPoster posts to a channel without ever posting twice.
//
// discordgo would retry a 502 immediately and post again when the first
// attempt had in fact gone through, so its retries are off. After a 5xx or a
// transport error the outcome is unknown: before trying again we read the
// channel's recent messages and stop if one of ours appeared since the first
// attempt. A 429 is retried after retry_after (a rate-limited request was not
// processed). The nonce with enforce_nonce makes Discord itself drop a repeat.
type channelPoster struct {
	s       *discordgo.Session
	channel string
	log     *slog.Logger
	backoff time.Duration
	botID   string
}

type messageSendWithNonce struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

func (p *channelPoster) post(ctx context.Context, msg *discordgo.MessageSend, nonce string) error {
	for _, e := range msg.Embeds {
		if e.Type == "" {
			e.Type = discordgo.EmbedTypeRich
		}
	}
	body := messageSendWithNonce{MessageSend: msg, Nonce: nonce, EnforceNonce: nonce != ""}
	endpoint := discordgo.EndpointChannelMessages(p.channel)
	started := time.Now()
	const attempts = 3
	var err error
	for n := 0; n < attempts; n++ {
		if n > 0 {
			if posted, cerr := p.postedSince(ctx, started, msg); cerr == nil && posted {
				p.log.Info("daily briefing: the earlier attempt went through; not posting again")
				return nil
			} else if cerr != nil {
				p.log.Warn("daily briefing: cannot check the channel for an earlier post; not retrying", "err", cerr)
				return err
			}
		}
		err = retryREST(ctx, p.backoff, 4, false, func(ctx context.Context) error {
			_, err := p.s.RequestWithBucketID(http.MethodPost, endpoint, body, endpoint, restOptions(ctx)...)
			return err
		})
		if err == nil || ctx.Err() != nil || permanentPostError(err) {
			return err
		}
		// 5xx or transport error: unknown outcome.
		if !sleep(ctx, p.backoff<<n) {
			return err
		}
	}
	// The last attempt may have gone through as well.
	if posted, cerr := p.postedSince(ctx, started, msg); cerr == nil && posted {
		return nil
	}
	return err
}

// postedSince reports whether msg is among the channel's recent messages:
// posted by the bot as a plain message (not an interaction reply) since t,
// less a minute of clock skew, with the same content and number of embeds.
func (p *channelPoster) postedSince(ctx context.Context, t time.Time, msg *discordgo.MessageSend) (bool, error) {
	msgs, _, err := p.recentOwnPosts(ctx, 20)
	if err != nil {
		return false, err
	}
	for _, m := range msgs {
		if m.Timestamp.After(t.Add(-time.Minute)) && m.Content == msg.Content && len(m.Embeds) == len(msg.Embeds) {
			return true, nil
		}
	}
	return false, nil
}

// findPost reports whether one of the bot's recent plain messages in the
// channel carries nonce or has marker as its content. Discord echoes a
// message's nonce when it is created but need not keep it in the history, so
// the marker (the daily post's first line names its day) is what a restart
// can rely on; a matching nonce is taken when Discord does return it.
func (p *channelPoster) findPost(ctx context.Context, nonce, marker string) (bool, error) {
	msgs, nonces, err := p.recentOwnPosts(ctx, 50)
	if err != nil {
		return false, fmt.Errorf("daily briefing: reading the channel: %w", err)
	}
	for i, m := range msgs {
		if (nonce != "" && nonces[i] == nonce) || (marker != "" && m.Content == marker) {
			return true, nil
		}
	}
	return false, nil
}

// recentOwnPosts returns up to limit of the channel's latest messages that the
// bot posted as plain messages (not interaction replies), newest first, with
// the nonce of each ("" when Discord sent none).
func (p *channelPoster) recentOwnPosts(ctx context.Context, limit int) ([]*discordgo.Message, []string, error) {
	botID, err := p.ownID(ctx)
	if err != nil {
		return nil, nil, err
	}
	endpoint := discordgo.EndpointChannelMessages(p.channel)
	var raw []byte
	err = retryREST(ctx, p.backoff, 3, true, func(ctx context.Context) error {
		var err error
		raw, err = p.s.RequestWithBucketID(http.MethodGet, endpoint+"?limit="+strconv.Itoa(limit), nil, endpoint, restOptions(ctx)...)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	var all []*discordgo.Message
	// discordgo's Message has no nonce field: read it on its own.
	var withNonce []struct {
		Nonce json.RawMessage `json:"nonce"`
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, nil, fmt.Errorf("channel messages: %w", err)
	}
	if err := json.Unmarshal(raw, &withNonce); err != nil || len(withNonce) != len(all) {
		withNonce = make([]struct {
			Nonce json.RawMessage `json:"nonce"`
		}, len(all))
	}
	var msgs []*discordgo.Message
	var nonces []string
	for i, m := range all {
		if m.Author != nil && m.Author.ID == botID && m.Type == discordgo.MessageTypeDefault && m.Interaction == nil {
			msgs = append(msgs, m)
			nonces = append(nonces, nonceString(withNonce[i].Nonce))
		}
	}
	return msgs, nonces, nil
}

// nonceString is a message's nonce (a string or an integer in Discord's JSON).
func nonceString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

// ownID is the bot's user id, from the gateway's READY or GET /users/@me.
func (p *channelPoster) ownID(ctx context.Context) (string, error) {
	if p.botID == "" {
		if st := p.s.State; st != nil {
			// READY (also on reconnects) writes the state under its lock.
			st.RLock()
			if st.User != nil {
				p.botID = st.User.ID
			}
			st.RUnlock()
		}
		if p.botID == "" {
			var u *discordgo.User
			err := retryREST(ctx, p.backoff, 3, true, func(ctx context.Context) error {
				var err error
				u, err = p.s.User("@me", restOptions(ctx)...)
				return err
			})
			if err != nil {
				return "", err
			}
			p.botID = u.ID
		}
	}
	return p.botID, nil
}
