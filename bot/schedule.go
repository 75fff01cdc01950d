package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

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

// dailyState is one entry's scheduler state: the operator's in the
// daily-summary state file (its format from before per-server settings),
// each server's in the briefing settings file.
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
	// Failure is the last post Discord refused for good, until a post
	// succeeds.
	Failure *postFailure `json:"failure,omitempty"`
}

// poster sends the daily message to a channel.
type poster interface {
	post(ctx context.Context, channel string, msg *discordgo.MessageSend, nonce string) error
	// findPost reports whether the channel's recent messages hold a post of
	// the bot sent with nonce or whose content is marker.
	findPost(ctx context.Context, channel, nonce, marker string) (bool, error)
}

// dailyScheduler posts each entry's briefing once per local day of that
// entry's zone: one goroutine for every server.
//
// Exactly once: before the post the day is written to the entry's state as
// pending with the post's nonce, and right after the post it is recorded as
// posted (both writes atomic). A day already recorded is never posted again;
// a day still pending (a crash or an unknown outcome between the post and the
// record) is posted only when the channel's recent messages do not already
// hold it, so restarts do not repeat it. Catch-up policy: when the bot starts (or wakes)
// after today's slot and today is not recorded, it posts at once; a missed
// earlier day is never posted late (yesterday's briefing the next morning
// would be stale next to today's). A server's new setting starts at its next
// post time.
type dailyScheduler struct {
	clock Clock
	store *BriefingStore
	post  poster
	daily dailyMessenger
	log   *slog.Logger
	// checker, when set, names the permissions the bot lacks after Discord
	// refused a post for want of one.
	checker ChannelChecker
	// onUnauthorized is called on a 401 (Serve stops).
	onUnauthorized func()
	// claims, when set, makes the post of a server and day one replica's
	// among several (ServeConfig.PostClaims); nil = this process alone.
	claims PostClaims
	// afterPost, when set (tests only), runs between a successful post and
	// its record: a fault hook that stands for a crash there.
	afterPost func()
	// afterClaim, when set (tests only), runs between a granted claim and
	// the post: a crash there leaves a claim that no one finishes.
	afterClaim func()
	retryAt    map[string]time.Time
}

func newDailyScheduler(clock Clock, store *BriefingStore, p poster, daily dailyMessenger, log *slog.Logger) *dailyScheduler {
	return &dailyScheduler{clock: clock, store: store, post: p, daily: daily, log: log, retryAt: map[string]time.Time{}}
}

// record writes day's outcome for j, keeping a failure until a post succeeds.
func (d *dailyScheduler) record(j briefingJob, day, outcome string, failure *postFailure) error {
	old := d.store.state(j.key)
	st := dailyState{LastDay: day, Outcome: outcome, Channel: j.channel, At: d.clock.Now().UTC().Format(time.RFC3339), Failure: old.Failure}
	switch {
	case failure != nil:
		st.Failure = failure
	case outcome == "posted":
		st.Failure = nil
	}
	return d.store.writeState(j.key, st)
}

// recordIntent marks day as pending before its post, keeping the last
// recorded day.
func (d *dailyScheduler) recordIntent(j briefingJob, day, nonce string) error {
	st := d.store.state(j.key)
	st.Pending, st.Nonce, st.Channel = day, nonce, j.channel
	st.At = d.clock.Now().UTC().Format(time.RFC3339)
	return d.store.writeState(j.key, st)
}

// run posts until ctx ends.
func (d *dailyScheduler) run(ctx context.Context) {
	for {
		now := d.clock.Now()
		next := now.Add(maxSleep)
		ran := false
		jobs := d.store.jobs()
		d.forgetRetries(jobs)
		for _, j := range jobs {
			at, due := d.nextFor(j, now)
			if !due {
				if at.Before(next) {
					next = at
				}
				continue
			}
			ran = true
			if d.runOnce(ctx, j, now) {
				delete(d.retryAt, j.key)
			} else {
				d.retryAt[j.key] = now.Add(retryPostAfter)
			}
			if ctx.Err() != nil {
				return
			}
		}
		if ran {
			continue // the posts took time: look again from the new now
		}
		c, stop := d.clock.NewTimer(max(next.Sub(now), 0))
		select {
		case <-ctx.Done():
			stop()
			return
		case <-d.store.wake:
			stop() // a setting changed: recompute
		case <-c:
		}
	}
}

// forgetRetries drops the retry times of entries that are gone (/briefing
// off), so that the map does not grow with servers that left.
func (d *dailyScheduler) forgetRetries(jobs []briefingJob) {
	if len(d.retryAt) == 0 {
		return
	}
	live := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		live[j.key] = true
	}
	for k := range d.retryAt {
		if !live[k] {
			delete(d.retryAt, k)
		}
	}
}

// nextFor says whether j's post is due at now, or else when it next is.
func (d *dailyScheduler) nextFor(j briefingJob, now time.Time) (time.Time, bool) {
	today := dayKey(now, j.loc)
	slot := slotOn(now, j.hh, j.mm, j.loc)
	tomorrow := slotOn(nextDay(now, j.loc), j.hh, j.mm, j.loc)
	switch {
	case d.store.state(j.key).LastDay >= today:
		return tomorrow, false
	case !j.since.IsZero() && slot.Before(j.since):
		// Set after today's time: the first post is tomorrow's.
		return tomorrow, false
	case now.Before(slot):
		return slot, false
	case now.Before(d.retryAt[j.key]):
		return d.retryAt[j.key], false
	}
	return now, true
}

// nextDay is noon of the local day after t's: a safe anchor for slotOn.
func nextDay(t time.Time, loc *time.Location) time.Time {
	y, m, dd := t.In(loc).Date()
	return time.Date(y, m, dd+1, 12, 0, 0, 0, loc)
}

// runOnce posts j's briefing for now's local day. It reports false when the
// attempt should be retried later (the day is then not recorded).
func (d *dailyScheduler) runOnce(ctx context.Context, j briefingJob, now time.Time) bool {
	day := dayKey(now, j.loc)
	y, m, dd := now.In(j.loc).Date()
	dayStart := time.Date(y, m, dd, 0, 0, 0, 0, j.loc)
	log := d.log.With("day", day, "channel", j.channel, "server", j.guild)
	if j.guild == "" && j.key == operatorKey {
		// The operator's channel: its server could not be read at start.
		g, ok := d.operatorGuild(ctx, log, j)
		if !ok {
			return false
		}
		j.guild = g
	}

	msg, ok, err := d.daily.DailyMessage(ctx, j.guild, dayStart)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		log.Error("daily briefing: building the message failed; will retry", "err", err)
		return false
	}
	if !ok || msg == nil {
		log.Info("daily briefing: no articles for the day; nothing posted")
		d.recordOrLog(log, j, day, "empty", nil)
		return true
	}
	msg.AllowedMentions = noMentions()
	// One nonce per channel and day: Discord drops a repeat with the same
	// nonce for a few minutes (enforce_nonce), a second line of defence
	// behind the state file.
	nonce := "brief-" + strings.ReplaceAll(day, "-", "")
	if done, ok := d.resumePending(ctx, log, j, day, nonce, msg.Content); !ok || done {
		return done
	}
	if proceed, settled := d.claim(ctx, log, j, day, nonce, msg.Content); !proceed {
		return settled
	}
	if d.afterClaim != nil {
		d.afterClaim()
	}
	if err := d.recordIntent(j, day, nonce); err != nil {
		log.Error("daily briefing: cannot write the state file; a crash during the post may post again", "err", err)
	}
	return d.settle(ctx, log, j, day, d.post.post(ctx, j.channel, msg, nonce))
}

// settle records the outcome of j's post for day; false = retry later.
func (d *dailyScheduler) settle(ctx context.Context, log *slog.Logger, j briefingJob, day string, err error) bool {
	switch {
	case err == nil:
		if d.afterPost != nil {
			d.afterPost()
		}
		log.Info("daily briefing posted")
		d.finish(ctx, log, j, day, "posted", nil)
		return true
	case ctx.Err() != nil:
		return false
	case httpStatus(err) == http.StatusUnauthorized:
		log.Error("daily briefing: Discord rejected the bot token (401)", "err", err)
		if d.onUnauthorized != nil {
			d.onUnauthorized()
		}
		return false
	case permanentPostError(err):
		// 403 Missing Access / 50013 Missing Permissions / 10003 Unknown
		// Channel will not pass by retrying: give the day up and keep why,
		// for /briefing show.
		log.Error("daily briefing: Discord refused the post; giving up for today (check the channel and the bot's permissions there)", "err", err)
		d.finish(ctx, log, j, day, "failed", d.failure(ctx, j, day, err))
		return true
	default:
		log.Error("daily briefing: post failed; will retry", "err", err, "retry_in", retryPostAfter)
		return false
	}
}

// failure describes a refused post; for a refusal for want of permission it
// reads which of the needed permissions the bot lacks.
func (d *dailyScheduler) failure(ctx context.Context, j briefingJob, day string, err error) *postFailure {
	f := &postFailure{Day: day, At: d.clock.Now().UTC().Format(time.RFC3339), Status: httpStatus(err), Code: discordCode(err)}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		f.Message = re.Message.Message
	}
	if d.checker != nil && f.Code != discordUnknownChannel && f.Status == http.StatusForbidden {
		if acc, cerr := d.checker.CheckChannel(ctx, j.channel); cerr == nil {
			f.Missing = acc.Missing
		}
	}
	return f
}

// operatorGuild reads the server of the operator's channel, which the
// post's scope needs; ok is false when it cannot be read now.
func (d *dailyScheduler) operatorGuild(ctx context.Context, log *slog.Logger, j briefingJob) (string, bool) {
	if d.checker == nil {
		return "", true // shared space only
	}
	acc, err := d.checker.CheckChannel(ctx, j.channel)
	if err != nil && !errors.Is(err, errUnknownChannel) {
		log.Error("daily briefing: cannot read the server of BRIEFBOT_SUMMARY_CHANNEL; will retry", "err", err)
		return "", false
	}
	if acc.GuildID == "" {
		// The bot cannot see the channel (or it is gone): the post will
		// fail and be recorded as such; retrying would only repeat that.
		return "", true
	}
	d.store.setOperatorGuild(acc.GuildID)
	return acc.GuildID, true
}

// resumePending handles a day left pending by an earlier attempt (a crash
// or an unknown outcome after the intent was written): when the channel
// already holds the post, the day is recorded as posted (done). ok is false
// when the channel cannot be read: the attempt is retried later rather than
// risking a second post.
func (d *dailyScheduler) resumePending(ctx context.Context, log *slog.Logger, j briefingJob, day, nonce, marker string) (done, ok bool) {
	st := d.store.state(j.key)
	if st.Pending != day || st.Channel != j.channel {
		return false, true
	}
	if st.Nonce != "" {
		nonce = st.Nonce
	}
	found, err := d.post.findPost(ctx, j.channel, nonce, marker)
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
	d.finish(ctx, log, j, day, "posted", nil)
	return true, true
}

func (d *dailyScheduler) recordOrLog(log *slog.Logger, j briefingJob, day, outcome string, failure *postFailure) {
	if err := d.record(j, day, outcome, failure); err != nil {
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
	log     *slog.Logger
	backoff time.Duration
	botID   string
}

type messageSendWithNonce struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

func (p *channelPoster) post(ctx context.Context, channel string, msg *discordgo.MessageSend, nonce string) error {
	for _, e := range msg.Embeds {
		if e.Type == "" {
			e.Type = discordgo.EmbedTypeRich
		}
	}
	body := messageSendWithNonce{MessageSend: msg, Nonce: nonce, EnforceNonce: nonce != ""}
	endpoint := discordgo.EndpointChannelMessages(channel)
	started := time.Now()
	const attempts = 3
	var err error
	for n := 0; n < attempts; n++ {
		if n > 0 {
			if posted, cerr := p.postedSince(ctx, channel, started, msg); cerr == nil && posted {
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
	if posted, cerr := p.postedSince(ctx, channel, started, msg); cerr == nil && posted {
		return nil
	}
	return err
}

// postedSince reports whether msg is among the channel's recent messages:
// posted by the bot as a plain message (not an interaction reply) since t,
// less a minute of clock skew, with the same content and number of embeds.
func (p *channelPoster) postedSince(ctx context.Context, channel string, t time.Time, msg *discordgo.MessageSend) (bool, error) {
	msgs, _, err := p.recentOwnPosts(ctx, channel, 20)
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
func (p *channelPoster) findPost(ctx context.Context, channel, nonce, marker string) (bool, error) {
	msgs, nonces, err := p.recentOwnPosts(ctx, channel, 50)
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
func (p *channelPoster) recentOwnPosts(ctx context.Context, channel string, limit int) ([]*discordgo.Message, []string, error) {
	botID, err := p.ownID(ctx)
	if err != nil {
		return nil, nil, err
	}
	endpoint := discordgo.EndpointChannelMessages(channel)
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

// ownID is the bot's user id (see botUserID), read once.
func (p *channelPoster) ownID(ctx context.Context) (string, error) {
	if p.botID == "" {
		id, err := botUserID(ctx, p.s, p.backoff)
		if err != nil {
			return "", err
		}
		p.botID = id
	}
	return p.botID, nil
}

// botUserID is the bot's user id: from the gateway's READY when there was
// one, else from GET /users/@me (HTTP mode).
func botUserID(ctx context.Context, s *discordgo.Session, backoff time.Duration) (string, error) {
	if st := s.State; st != nil {
		// READY (also on reconnects) writes the state under its lock.
		st.RLock()
		u := st.User
		st.RUnlock()
		if u != nil && u.ID != "" {
			return u.ID, nil
		}
	}
	var u *discordgo.User
	err := retryREST(ctx, backoff, 3, true, func(ctx context.Context) (err error) {
		u, err = s.User("@me", restOptions(ctx)...)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("reading the bot's user: %w", err)
	}
	return u.ID, nil
}
