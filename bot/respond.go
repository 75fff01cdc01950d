package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Timing defaults. Discord invalidates an interaction token that is not
// answered within 3 s of the event and keeps it valid for edits for 15 min.
const (
	defaultDeferAfter   = 1500 * time.Millisecond
	defaultAckTimeout   = 2500 * time.Millisecond // leaves ~0.5 s for the wire
	tokenLifetime       = 15 * time.Minute
	tokenMargin         = 30 * time.Second
	defaultMaxHandlers  = 16
	defaultDrainTimeout = 10 * time.Second
	defaultBackoff      = 200 * time.Millisecond
	// An interaction whose snowflake is older than this when it reaches us
	// (backlog, resume replay, a paused process) cannot be answered any more;
	// the margin over 3 s allows for clock skew between us and Discord.
	staleInteraction = 15 * time.Second
)

// interactionHandler is what the transports need of *Handler. The core
// depends on this rather than on *Handler so it can be tested with small
// fakes; *Handler satisfies it.
type interactionHandler interface {
	Handle(ctx context.Context, i *discordgo.Interaction) *discordgo.InteractionResponse
	Deferral(i *discordgo.Interaction) *discordgo.InteractionResponse
}

// ackFunc delivers the initial response to an interaction: the gateway
// transport POSTs the callback, the HTTP transport writes it inline.
type ackFunc func(ctx context.Context, resp *discordgo.InteractionResponse) error

// responder is the respond/defer/edit core shared by both transports: it runs
// the handler, acknowledges within the deadline (deferring when the handler is
// slow), edits @original with the final answer, bounds concurrency and lets
// Serve drain in-flight interactions on shutdown.
type responder struct {
	s          *discordgo.Session
	h          interactionHandler
	log        *slog.Logger
	deferAfter time.Duration
	ackTimeout time.Duration
	backoff    time.Duration
	now        func() time.Time
	sem        chan struct{}
	// skew is the host clock's offset from Discord's, shared with the
	// transports that measure it.
	skew *clockSkew
	// limiters rate-limit each in-flight interaction's REST calls.
	limiters interactionLimiters

	// hard is the parent of every handler and REST context. It outlives the
	// serve context (so in-flight work can finish after shutdown begins) and
	// is cancelled only when draining gives up.
	hard       context.Context
	cancelHard context.CancelFunc

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup

	// unauthorized is closed on the first 401 from Discord: the token was
	// revoked or reset. Serve stops, since further requests only count
	// towards Discord's invalid-request (Cloudflare ban) limit.
	unauthorized     chan struct{}
	unauthorizedOnce sync.Once
}

func (r *responder) signalUnauthorized() {
	r.unauthorizedOnce.Do(func() { close(r.unauthorized) })
}

func newResponder(s *discordgo.Session, h interactionHandler, cfg *ServeConfig) *responder {
	r := &responder{
		s:          s,
		h:          h,
		log:        cfg.Logger,
		deferAfter: cfg.DeferAfter,
		ackTimeout: cfg.AckTimeout,
		backoff:    cfg.retryBackoff,
		now:        time.Now,
		sem:        make(chan struct{}, cfg.MaxConcurrent),
		skew:       newClockSkew(cfg.Logger),

		unauthorized: make(chan struct{}),
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.deferAfter <= 0 {
		r.deferAfter = defaultDeferAfter
	}
	if r.ackTimeout <= 0 {
		r.ackTimeout = defaultAckTimeout
	}
	if r.deferAfter >= r.ackTimeout {
		// Deferring after the deadline would never happen in time.
		r.deferAfter = r.ackTimeout / 2
	}
	if r.backoff <= 0 {
		r.backoff = defaultBackoff
	}
	if cap(r.sem) == 0 {
		r.sem = make(chan struct{}, defaultMaxHandlers)
	}
	r.hard, r.cancelHard = context.WithCancel(context.Background())
	return r
}

// begin registers one unit of in-flight work; false once draining started.
func (r *responder) begin() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.wg.Add(1)
	return true
}

// drain stops accepting interactions and waits up to timeout for in-flight
// ones; after that their contexts are cancelled. It reports whether all
// finished in time.
func (r *responder) drain(timeout time.Duration) bool {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
		r.cancelHard()
		return true
	case <-t.C:
		r.log.Warn("shutdown: in-flight interactions did not finish in time; cancelling them", "timeout", timeout)
		r.cancelHard()
		<-done
		return false
	}
}

// busyFor is the answer, sent without running the handler, to an
// interaction that cannot be deferred while every handler slot is taken.
func busyFor(i *discordgo.Interaction) *discordgo.InteractionResponse {
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}},
		}
	}
	return busyResponse()
}

func busyResponse() *discordgo.InteractionResponse {
	return transportReply("briefbot is busy right now; please try again in a moment.")
}

// transportReply is a private message the transport sends itself, without
// the handler (and so without its finish step): it carries its own
// allowed_mentions.
func transportReply(content string) *discordgo.InteractionResponse {
	resp := ephemeral(content)
	resp.Data.AllowedMentions = noMentions()
	return resp
}

// noMentions is allowed_mentions {"parse":[]}: quoted corpus text and user
// input never ping anyone. (A nil Parse would serialise as null; discordgo
// sends a non-nil empty one as "parse": [], the field has no omitempty.)
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// process handles one interaction end to end. received is when the event
// reached us; the acknowledgement deadline and token lifetime count from it.
// ack is called at most once. The caller must have called begin, and judged
// the interaction's age (tooOld over the gateway, the signed timestamp over
// HTTP).
func (r *responder) process(i *discordgo.Interaction, received time.Time, ack ackFunc) {
	defer r.wg.Done()
	defer r.limiters.forget(i.ID)
	log := r.log.With("interaction", i.ID, "kind", interactionName(i))
	p := r.newPending(i, received, ack, log)
	defer p.stop()
	if !p.takeSlot() {
		return
	}
	defer p.releaseSlot()
	resp, ok := p.awaitHandler(p.runHandler())
	if !ok {
		return
	}
	p.releaseSlot()
	p.deliver(resp)
}

// tooOld reports (and logs) a gateway interaction whose token is surely
// dead by now. Its age is its snowflake's time against ours corrected by the
// offset measured from Discord's Date header (skew), so that a host clock a
// few seconds ahead does not make every interaction look stale.
func tooOld(log *slog.Logger, i *discordgo.Interaction, received time.Time, skew *clockSkew) bool {
	created, err := discordgo.SnowflakeTimestamp(i.ID)
	if err != nil || created.Year() <= 2015 {
		return false // not a real snowflake: nothing to go by
	}
	age := received.Add(skew.offset()).Sub(created)
	if age <= staleInteraction {
		return false
	}
	log.Info("interaction too old to answer; skipped", "age", age.Round(time.Millisecond))
	return true
}

// Clock skew: how far the host clock may be from Discord's before it is
// logged, and how often at most.
const (
	skewWarnAt    = 5 * time.Second
	skewWarnEvery = time.Minute
)

// clockSkew is Discord's clock minus ours as last measured (from the Date
// header of the first REST answer, or an HTTP interaction's signed
// timestamp), with warnings about it rate-limited.
type clockSkew struct {
	log      *slog.Logger
	ns       atomic.Int64
	measured atomic.Bool

	mu       sync.Mutex
	lastWarn time.Time
}

func newClockSkew(log *slog.Logger) *clockSkew {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &clockSkew{log: log}
}

// offset is Discord's clock minus ours (0 until measured).
func (c *clockSkew) offset() time.Duration { return time.Duration(c.ns.Load()) }

// measureOnce records the offset seen in the first REST answer and warns
// about it.
func (c *clockSkew) measureOnce(offset time.Duration, source string) {
	if c.measured.Swap(true) {
		return
	}
	c.ns.Store(int64(offset))
	c.observe(offset, source, time.Now())
}

// observe warns, at most once a minute, when offset is large enough to
// matter for Discord's deadlines.
func (c *clockSkew) observe(offset time.Duration, source string, now time.Time) {
	if offset < skewWarnAt && offset > -skewWarnAt {
		return
	}
	c.mu.Lock()
	due := c.lastWarn.IsZero() || now.Sub(c.lastWarn) >= skewWarnEvery
	if due {
		c.lastWarn = now
	}
	c.mu.Unlock()
	if due {
		c.log.Warn("the host clock is off from Discord's; check NTP (interaction ages are corrected for it)",
			"offset", offset.Round(time.Second), "measured_by", source)
	}
}

// pending is one interaction in process: its deadlines, whether it holds a
// handler slot and whether (and how) it was deferred.
type pending struct {
	r   *responder
	i   *discordgo.Interaction
	log *slog.Logger
	ack ackFunc

	ackCtx       context.Context // ends at the acknowledgement deadline
	hctx         context.Context // the handler's; ends at editDeadline
	editDeadline time.Time       // the token's lifetime, less a margin
	deferAt      *time.Timer     // fires when the interaction is due a deferral
	cancelAck    context.CancelFunc
	cancelH      context.CancelFunc

	holdsSlot bool
	// deferral is what deferNow sent (nil before, or when this kind of
	// interaction cannot be deferred); deferred says it was sent.
	deferral *discordgo.InteractionResponse
	deferred bool
}

func (r *responder) newPending(i *discordgo.Interaction, received time.Time, ack ackFunc, log *slog.Logger) *pending {
	p := &pending{r: r, i: i, log: log, ack: ack, editDeadline: received.Add(tokenLifetime - tokenMargin)}
	p.ackCtx, p.cancelAck = context.WithDeadline(r.hard, received.Add(r.ackTimeout))
	p.hctx, p.cancelH = context.WithDeadline(r.hard, p.editDeadline)
	p.deferAt = time.NewTimer(max(r.deferAfter-time.Since(received), 0))
	return p
}

// stop releases the timer and the contexts.
func (p *pending) stop() {
	p.deferAt.Stop()
	p.cancelH()
	p.cancelAck()
}

// deferNow sends the deferral; deferred stays false when this kind of
// interaction cannot be deferred. It reports false when processing must
// stop (the deferral could not be sent).
func (p *pending) deferNow() bool {
	p.deferral = p.r.h.Deferral(p.i)
	if p.deferral == nil {
		return true
	}
	if err := p.ack(p.ackCtx, p.deferral); err != nil {
		p.r.logRESTError(p.log, "deferral", err)
		return false
	}
	p.deferred = true
	p.r.observer().Deferred()
	p.log.Debug("deferred", "type", int(p.deferral.Type))
	return true
}

// takeSlot waits for a handler slot and reports whether the handler may
// run. When none frees up before the defer point, it defers and keeps
// waiting (the token lasts 15 minutes); an interaction that cannot be
// deferred (autocomplete) is answered "busy" at once.
func (p *pending) takeSlot() bool {
	select {
	case p.r.sem <- struct{}{}:
		p.holdsSlot = true
		return true
	case <-p.deferAt.C:
	}
	if !p.deferNow() {
		return false
	}
	if !p.deferred {
		p.log.Warn("all handler slots busy; answered busy")
		p.r.ackFinal(p.log, p.ackCtx, p.ack, busyFor(p.i))
		return false
	}
	select {
	case p.r.sem <- struct{}{}:
		p.holdsSlot = true
		return true
	case <-p.hctx.Done():
		p.log.Warn("no handler slot freed up within the token lifetime; the deferred reply stays unanswered")
		return false
	}
}

// releaseSlot frees the handler slot, once.
func (p *pending) releaseSlot() {
	if p.holdsSlot {
		p.holdsSlot = false
		<-p.r.sem
	}
}

// runHandler starts the handler; its response (a generic error if it
// panics) arrives on the returned channel.
func (p *pending) runHandler() <-chan *discordgo.InteractionResponse {
	done := make(chan *discordgo.InteractionResponse, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				p.log.Error("handler panicked", "panic", fmt.Sprint(v))
				done <- errorResponse()
			}
		}()
		done <- p.r.h.Handle(p.hctx, p.i)
	}()
	return done
}

// awaitHandler waits for the handler's response. Before a deferral, a
// response in time is sent as the acknowledgement itself; at the defer point
// the interaction is deferred. It returns the response still to deliver
// after a deferral, or false when nothing is left to do.
func (p *pending) awaitHandler(done <-chan *discordgo.InteractionResponse) (*discordgo.InteractionResponse, bool) {
	if !p.deferred {
		select {
		case resp := <-done:
			p.r.ackFinal(p.log, p.ackCtx, p.ack, resp)
			return nil, false
		case <-p.deferAt.C:
		}
		if !p.deferNow() {
			return nil, false
		}
		if !p.deferred {
			// This kind must not be deferred (e.g. autocomplete): wait for
			// the handler up to the deadline.
			select {
			case resp := <-done:
				p.r.ackFinal(p.log, p.ackCtx, p.ack, resp)
			case <-p.ackCtx.Done():
				p.log.Warn("handler missed the acknowledgement deadline and this interaction cannot be deferred; dropped")
			}
			return nil, false
		}
	}
	select {
	case resp := <-done:
		return resp, true
	case <-p.hctx.Done():
		p.log.Warn("handler did not finish within the token lifetime; the deferred reply stays unanswered")
		return nil, false
	}
}

// deliver sends the handler's response after the deferral: normally by
// editing @original, as a follow-up where an edit would show the wrong
// people the wrong message.
func (p *pending) deliver(resp *discordgo.InteractionResponse) {
	resp = p.afterDeferral(resp)
	ectx, cancelE := context.WithDeadline(p.r.hard, p.editDeadline)
	defer cancelE()
	publicDeferral := p.deferral.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource &&
		(p.deferral.Data == nil || p.deferral.Data.Flags&discordgo.MessageFlagsEphemeral == 0)
	switch {
	case publicDeferral && resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0:
		// Ephemerality is fixed at defer time: editing @original would show
		// a private answer (an error, say) to the whole channel. Send it as
		// an ephemeral follow-up and remove the public "thinking" message.
		p.r.ephemeralFollowup(p.log, ectx, p.i, resp.Data)
		return
	case p.deferral.Type == discordgo.InteractionResponseDeferredMessageUpdate && resp.Type != discordgo.InteractionResponseUpdateMessage:
		// A paging button's own reply (a refusal, an error) is a new
		// message: editing @original would put it in place of the answer
		// the button sits on, for the whole channel.
		p.r.followup(p.log, ectx, p.i, resp.Data)
		return
	}
	err := p.r.editOriginal(ectx, p.i, webhookEdit(resp.Data))
	if err != nil {
		p.r.logRESTError(p.log, "edit @original", err)
	}
}

// unknownMessageRetries bounds the retries of an edit answered 10008
// Unknown Message: right after a deferral that means Discord has not taken
// the deferral in yet (an HTTP endpoint's inline reply still on its way),
// not that the message is gone.
const unknownMessageRetries = 3

// editOriginal is the first edit of @original after a deferral: REST
// errors retried as retryREST does, and a 10008 retried a few times after
// a short, growing wait within ctx (the token's life).
func (r *responder) editOriginal(ctx context.Context, i *discordgo.Interaction, edit *discordgo.WebhookEdit) error {
	var err error
	for n := 0; ; n++ {
		err = retryREST(ctx, r.backoff, 4, true, func(ctx context.Context) error {
			return r.editOriginalREST(ctx, i, edit)
		})
		if discordCode(err) != discordgo.ErrCodeUnknownMessage || n == unknownMessageRetries {
			return err
		}
		if !sleep(ctx, r.backoff<<n) {
			return err
		}
	}
}

// afterDeferral replaces a response that cannot follow a deferral with a
// generic error.
func (p *pending) afterDeferral(resp *discordgo.InteractionResponse) *discordgo.InteractionResponse {
	if resp == nil || resp.Data == nil {
		p.log.Error("handler returned no response after a deferral; editing in a generic error")
		return errorResponse()
	}
	if resp.Type == discordgo.InteractionApplicationCommandAutocompleteResult || resp.Type == discordgo.InteractionResponseModal {
		p.log.Error("handler returned a response that cannot follow a deferral", "type", int(resp.Type))
		return errorResponse()
	}
	return resp
}

// answeredPrivately replaces the public "thinking" message when the answer
// goes out as an ephemeral follow-up; the message is deleted right after,
// so it shows only if that fails.
const answeredPrivately = "Answered privately."

// ephemeralFollowup answers privately after a public deferral: the public
// "thinking" message is settled first (Discord turns the first follow-up
// after a deferral into that message, public whatever its flags say), then
// the ephemeral follow-up is sent and the public message deleted.
func (r *responder) ephemeralFollowup(log *slog.Logger, ctx context.Context, i *discordgo.Interaction, d *discordgo.InteractionResponseData) {
	err := r.editOriginal(ctx, i, webhookEdit(&discordgo.InteractionResponseData{Content: answeredPrivately}))
	if err != nil {
		// A follow-up now would be the public message: say nothing rather
		// than say it to everyone.
		r.logRESTError(log, "settle deferred message", err)
		return
	}
	if !r.followup(log, ctx, i, d) {
		return
	}
	err = retryREST(ctx, r.backoff, 3, true, func(ctx context.Context) error {
		return r.deleteOriginalREST(ctx, i)
	})
	if err != nil {
		r.logRESTError(log, "delete deferred message", err)
	}
}

// followup sends d as an ephemeral follow-up message and reports whether
// it went out. The POST is retried only after a 429 (a 5xx may have posted
// it).
func (r *responder) followup(log *slog.Logger, ctx context.Context, i *discordgo.Interaction, d *discordgo.InteractionResponseData) bool {
	params := &discordgo.WebhookParams{
		Content:         d.Content,
		Embeds:          d.Embeds,
		Components:      d.Components,
		Flags:           discordgo.MessageFlagsEphemeral,
		AllowedMentions: noMentions(),
	}
	err := retryREST(ctx, r.backoff, 3, false, func(ctx context.Context) error {
		return r.followupREST(ctx, i, params)
	})
	if err != nil {
		r.logRESTError(log, "ephemeral follow-up", err)
		return false
	}
	return true
}

func (r *responder) ackFinal(log *slog.Logger, ctx context.Context, ack ackFunc, resp *discordgo.InteractionResponse) {
	if resp == nil {
		log.Error("handler returned no response")
		return
	}
	ensureNoMentions(resp)
	if err := ack(ctx, resp); err != nil {
		r.logRESTError(log, "response", err)
	}
}

// ensureNoMentions sets allowed_mentions {"parse":[]} on message responses
// that lack it.
func ensureNoMentions(resp *discordgo.InteractionResponse) {
	switch resp.Type {
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseUpdateMessage:
		if resp.Data != nil && resp.Data.AllowedMentions == nil {
			resp.Data.AllowedMentions = noMentions()
		}
	}
}

// webhookEdit turns the final response data into the PATCH @original body.
// Content, embeds and components are always sent (empty lists clear what the
// deferral showed), and allowed_mentions is always {"parse":[]}.
func webhookEdit(d *discordgo.InteractionResponseData) *discordgo.WebhookEdit {
	content := d.Content
	embeds := d.Embeds
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	comps := d.Components
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	return &discordgo.WebhookEdit{
		Content:         &content,
		Embeds:          &embeds,
		Components:      &comps,
		AllowedMentions: noMentions(),
	}
}

// errorResponse is the generic reply when the handler failed to produce one.
func errorResponse() *discordgo.InteractionResponse {
	return transportReply("Something went wrong while answering; please try again.")
}

func interactionName(i *discordgo.Interaction) string {
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		if d, ok := i.Data.(discordgo.ApplicationCommandInteractionData); ok {
			return "/" + d.Name
		}
	case discordgo.InteractionMessageComponent:
		if d, ok := i.Data.(discordgo.MessageComponentInteractionData); ok {
			return "component:" + customIDLabel(d.CustomID) // never the custom_id: it carries the question
		}
	case discordgo.InteractionModalSubmit:
		if d, ok := i.Data.(discordgo.ModalSubmitInteractionData); ok {
			return "modal:" + customIDLabel(d.CustomID)
		}
	}
	return i.Type.String()
}

// gatewayAck POSTs the interaction callback. The context carries the
// acknowledgement deadline, so neither a 429 wait nor a slow server can push
// the callback past the point where Discord has invalidated the token.
// Retrying after a 5xx is safe: if the first attempt landed after all, Discord
// answers 40060, which then means success.
func (r *responder) gatewayAck(i *discordgo.Interaction) ackFunc {
	return func(ctx context.Context, resp *discordgo.InteractionResponse) error {
		attempt := 0
		return retryREST(ctx, r.backoff/2, 3, true, func(ctx context.Context) error {
			attempt++
			err := r.respondREST(ctx, i, resp)
			if attempt > 1 && discordCode(err) == discordgo.ErrCodeInteractionHasAlreadyBeenAcknowledged {
				return nil
			}
			return err
		})
	}
}

// restOptions turns off discordgo's own retries for one call: it retries 502
// immediately without backoff (duplicating non-idempotent POSTs) and sleeps
// out 429s without regard to any deadline. retryREST does both instead.
func restOptions(ctx context.Context) []discordgo.RequestOption {
	return []discordgo.RequestOption{
		discordgo.WithContext(ctx),
		discordgo.WithRestRetries(0),
		discordgo.WithRetryOnRatelimit(false),
	}
}

// discordCode is the JSON error code of a Discord REST error, or 0.
func discordCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}

func httpStatus(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

// retryREST calls call until it succeeds, fails for good, runs out of
// attempts, or ctx ends. A 429 waits retry_after (giving up at once when that
// would pass ctx's deadline) and does not count as an attempt beyond
// `attempts` rate limits; 5xx and transport errors are retried with
// exponential backoff and jitter only when retry5xx is true (the request is
// idempotent or duplicates are harmless). 4xx errors are final: Discord's
// invalid-request limit counts 401/403/429, and 10062/40060 mean the
// interaction can no longer be answered.
func retryREST(ctx context.Context, backoff time.Duration, attempts int, retry5xx bool, call func(ctx context.Context) error) error {
	var err error
	for n := 0; n < attempts; n++ {
		err = call(ctx)
		if err == nil {
			return nil
		}
		var wait time.Duration
		var rl *discordgo.RateLimitError
		switch status := httpStatus(err); {
		case errors.As(err, &rl):
			wait = rl.RetryAfter
			if wait <= 0 {
				wait = backoff
			}
		case ctx.Err() != nil:
			return err
		case status >= 500 || (status == 0 && !isDiscordError(err)):
			if !retry5xx {
				return err
			}
			wait = backoff << n
			wait += rand.N(wait/2 + 1)
		default:
			return err
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return fmt.Errorf("%w (retry in %v would pass the deadline)", err, wait.Round(time.Millisecond))
		}
		if !sleep(ctx, wait) {
			return err
		}
	}
	return err
}

// sleep waits for d, or less when ctx ends first; it reports whether the
// whole wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// isDiscordError reports errors that are Discord's answer rather than a
// failure to get one (those are worth retrying).
func isDiscordError(err error) bool {
	var re *discordgo.RESTError
	var rl *discordgo.RateLimitError
	return errors.As(err, &re) || errors.As(err, &rl) || errors.Is(err, discordgo.ErrUnauthorized)
}

func (r *responder) logRESTError(log *slog.Logger, what string, err error) {
	r.observer().ReplyFailed()
	switch code := discordCode(err); code {
	case discordgo.ErrCodeUnknownInteraction:
		log.Info(what+": unknown interaction (token expired or answered elsewhere); not retried", "code", code)
	case discordgo.ErrCodeInteractionHasAlreadyBeenAcknowledged:
		log.Info(what+": interaction already acknowledged (another bot instance?); not retried", "code", code)
	default:
		if httpStatus(err) == http.StatusUnauthorized {
			if interactionTokenRoute(err) {
				// The interaction's own token (15 minutes) has expired:
				// Discord says 50027 Invalid Webhook Token. The bot token is
				// fine; only this interaction is lost.
				log.Warn(what+": Discord rejected the interaction token (expired?); interaction dropped", "code", code)
				return
			}
			log.Error(what+": Discord rejected the bot token (401)", "err", err)
			r.signalUnauthorized()
			return
		}
		log.Error(what+" failed", "err", err)
	}
}

// interactionTokenRoute reports whether err answers a request on a route
// authorised by an interaction token in its path (callbacks, webhook edits
// and follow-ups) rather than by the bot token.
func interactionTokenRoute(err error) bool {
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Request == nil || re.Request.URL == nil {
		return false
	}
	p := re.Request.URL.Path
	return strings.Contains(p, "/interactions/") || strings.Contains(p, "/webhooks/")
}
