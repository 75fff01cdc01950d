package bot

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
)

// ServeConfig configures Serve. cmd fills it from the environment; every
// field except Token and AppID has a usable zero value.
type ServeConfig struct {
	// Token is the bot token, with or without the "Bot " prefix.
	Token string
	// AppID is the application id (also in interactions; needed to register
	// commands and to edit @original).
	AppID string
	// PublicKey is the application's hex Ed25519 public key; required with
	// HTTPAddr.
	PublicKey string
	// GuildID, when set, registers the commands to that guild only (they
	// update instantly: for testing); otherwise globally.
	GuildID string
	// APIBase replaces https://discord.com for every REST call (an API proxy,
	// or the fake Discord in tests), e.g. "http://127.0.0.1:8080" or
	// "https://proxy.example/discord". A trailing /api/v9 is accepted and
	// ignored. The gateway URL is whatever GET /api/v9/gateway there answers.
	APIBase string
	// HTTPAddr, when set, serves the HTTP interactions endpoint on this
	// address instead of connecting to the gateway.
	HTTPAddr string
	// Listener, when set with HTTP mode, is used instead of listening on
	// HTTPAddr (tests pass a listener on 127.0.0.1:0).
	Listener net.Listener
	// StateDir holds the small state files (registered-commands hash, the
	// servers' /briefing settings and their last posts, the operator's last
	// daily post), normally next to the index. Empty: commands are never
	// registered by serve, /briefing settings last until the bot stops, and
	// the daily posts are not protected across restarts.
	StateDir string

	// SummaryChannel, when set, gets the day's briefing once a day at
	// SummaryAt ("HH:MM", 24 h) in Location: one more /briefing entry, for
	// the server the channel belongs to (read from Discord at start), whose
	// admins cannot change it.
	SummaryChannel string
	SummaryAt      string
	// Location is the zone of SummaryAt and of "today"; nil = UTC.
	Location *time.Location

	Logger *slog.Logger // nil = discard
	// Clock drives the daily scheduler; nil = the real clock.
	Clock Clock
	// PostClaims, when set, makes each daily post one replica's among the
	// processes sharing a deployment (cmd passes replica.Claims with
	// BRIEFBOT_NATS_URL); nil = this process posts on its own.
	PostClaims PostClaims

	// DeferAfter is how long a handler may run before the interaction is
	// deferred (type 5) and answered by editing @original; 0 = 1.5 s.
	DeferAfter time.Duration
	// AckTimeout bounds the initial response, counted from receipt of the
	// interaction; 0 = 2.5 s (Discord's limit is 3 s).
	AckTimeout time.Duration
	// MaxConcurrent bounds the handlers running at once; 0 = 16.
	MaxConcurrent int
	// DrainTimeout bounds how long shutdown waits for in-flight
	// interactions; 0 = 10 s.
	DrainTimeout time.Duration

	retryBackoff time.Duration // tests shorten REST retry backoff
}

// Serve runs the bot until ctx is cancelled (cmd cancels it on SIGINT or
// SIGTERM): it registers the commands when their definitions changed since
// the last registration, receives interactions over the gateway (default) or
// the HTTP endpoint, answers them with h, and posts the daily briefing. On
// cancellation it stops taking interactions, lets in-flight ones finish
// (bounded by DrainTimeout), disconnects and returns nil. Configuration
// problems and fatal gateway closes (bad token, disallowed intents) return an
// error whose message is one line saying what to fix.
func Serve(ctx context.Context, cfg ServeConfig, h *Handler) error {
	return serve(ctx, cfg, h, h)
}

// dailyMessenger is what the scheduler needs of *Handler.
type dailyMessenger interface {
	DailyMessage(ctx context.Context, server string, day time.Time) (*discordgo.MessageSend, bool, error)
}

var snowflakeRE = regexp.MustCompile(`^[0-9]{1,20}$`)

// check validates cfg up front so that mistakes fail at start-up, not at
// first use, and fills defaults.
func (cfg *ServeConfig) check() error {
	if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cfg.Token), "Bot ")) == "" {
		return errors.New("the bot token is empty: set DISCORD_TOKEN")
	}
	if !snowflakeRE.MatchString(cfg.AppID) {
		return fmt.Errorf("application id %q is not a Discord id: set DISCORD_APP_ID to the numeric application id", cfg.AppID)
	}
	if cfg.GuildID != "" && !snowflakeRE.MatchString(cfg.GuildID) {
		return fmt.Errorf("guild id %q is not a Discord id", cfg.GuildID)
	}
	if cfg.HTTPAddr != "" || cfg.Listener != nil {
		if _, err := parsePublicKey(cfg.PublicKey); err != nil {
			return err
		}
	}
	if cfg.SummaryChannel != "" {
		if !snowflakeRE.MatchString(cfg.SummaryChannel) {
			return fmt.Errorf("summary channel %q is not a Discord channel id", cfg.SummaryChannel)
		}
		if _, _, err := parseHHMM(cfg.SummaryAt); err != nil {
			return err
		}
	}
	if _, err := parseAPIBase(cfg.APIBase); err != nil {
		return err
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = defaultDrainTimeout
	}
	return nil
}

func parsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("the HTTP interactions endpoint needs DISCORD_PUBLIC_KEY: the application's public key, 64 hex digits (Developer Portal, General Information)")
	}
	return ed25519.PublicKey(b), nil
}

// NewSession returns a discordgo session set up the way briefbot uses it:
// the token normalised to "Bot …", REST pointed at apiBase ("" = Discord)
// through the HTTP client's transport, rate-limit waits that end with the
// request's context (restLimits), no gateway intent (interactions
// belong to none; READY, which names the bot, comes anyway), and a gateway
// dialer that notices fatal close codes. cmd uses it for `briefbot register`.
func NewSession(token, apiBase string) (*discordgo.Session, error) {
	s, _, err := newSession(token, apiBase)
	return s, err
}

func newSession(token, apiBase string) (*discordgo.Session, *closeWatch, error) {
	token = strings.TrimSpace(token)
	if !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	base, err := parseAPIBase(apiBase)
	if err != nil {
		return nil, nil, err
	}
	s, err := discordgo.New(token)
	if err != nil {
		return nil, nil, err
	}
	var rt http.RoundTripper = http.DefaultTransport
	if base != nil {
		rt = apiBaseTransport{base: base, next: http.DefaultTransport}
	}
	s.Client = &http.Client{Timeout: 20 * time.Second, Transport: newRESTLimits(rt)}
	s.Identify.Intents = 0 // interactions need no intent
	s.LogLevel = discordgo.LogError
	w := newCloseWatch()
	s.Dialer = w.dialer()
	return s, w, nil
}

// parseAPIBase parses DISCORD_API_BASE; "" means Discord itself (nil).
func parseAPIBase(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("DISCORD_API_BASE %q is not an http(s) URL like https://proxy.example or http://127.0.0.1:8080", s)
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/api/v"+discordgo.APIVersion)
	u.Path = strings.TrimRight(p, "/")
	u.RawPath = ""
	return u, nil
}

// apiBaseTransport sends requests meant for https://discord.com to base
// instead. discordgo's Endpoint* variables are computed at package init, so
// redirecting at the transport is the one place that catches every call.
type apiBaseTransport struct {
	base *url.URL
	next http.RoundTripper
}

func (t apiBaseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != "discord.com" {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host = t.base.Scheme, t.base.Host
	u.Path = t.base.Path + req.URL.Path
	if req.URL.RawPath != "" {
		u.RawPath = t.base.EscapedPath() + req.URL.RawPath
	}
	r.URL = &u
	r.Host = ""
	return t.next.RoundTrip(r)
}

// clockProbe measures the host clock's offset from Discord's on the first
// answer carrying a Date header. Date has whole seconds, so the offset is
// taken against the middle of the second it names and the middle of the
// request: good to about a second, plenty against a 15-second threshold.
type clockProbe struct {
	next http.RoundTripper
	skew *clockSkew
}

func (p clockProbe) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := time.Now()
	res, err := p.next.RoundTrip(req)
	if err != nil || p.skew.measured.Load() {
		return res, err
	}
	if date, perr := http.ParseTime(res.Header.Get("Date")); perr == nil {
		local := sent.Add(time.Since(sent) / 2)
		p.skew.measureOnce(date.Add(500*time.Millisecond).Sub(local), "Date header")
	}
	return res, err
}

// RegisterStatePath is the file in stateDir where Serve and `briefbot
// register` remember the registered commands' hash; pass it to Register.
func RegisterStatePath(stateDir string) string { return filepath.Join(stateDir, registerStateFile) }

// State file names inside ServeConfig.StateDir.
const (
	registerStateFile = "commands.json"
	dailyStateFile    = "daily-summary.json"
)

func serve(ctx context.Context, cfg ServeConfig, ih interactionHandler, daily dailyMessenger) error {
	if err := cfg.check(); err != nil {
		return err
	}
	log := cfg.Logger
	s, watch, err := newSession(cfg.Token, cfg.APIBase)
	if err != nil {
		return err
	}
	r := newResponder(s, ih, &cfg)
	// The first REST answer (registering, or the gateway URL) tells how far
	// our clock is from Discord's.
	s.Client.Transport = clockProbe{next: s.Client.Transport, skew: r.skew}
	s.Client.Transport = rateLimitObserver{next: s.Client.Transport, obs: r.observer()}
	if err := registerOnStart(ctx, s, &cfg); err != nil {
		return err
	}
	fetchOwners(ctx, s, &cfg, ih) // who the operators are, for /reindex
	store, checker, err := wireBriefings(ctx, &cfg, s, r, ih)
	if err != nil {
		return err
	}

	fatal := make(chan error, 2)
	var httpSrv *httpEndpoint
	if cfg.HTTPAddr != "" || cfg.Listener != nil {
		if httpSrv, err = startHTTP(&cfg, r, fatal); err != nil {
			return err
		}
	} else if err := startGateway(ctx, s, watch, r, fatal); err != nil {
		return err
	}

	schedCtx, stopSched := context.WithCancel(ctx)
	defer stopSched()
	schedDone := startDaily(schedCtx, &cfg, s, r, daily, store, checker)

	runErr := waitForStop(ctx, log, fatal, r.unauthorized)
	stopSched()
	// Stop receiving first, then let in-flight interactions finish: their
	// edits go over REST, which does not need the gateway.
	if httpSrv != nil {
		httpSrv.stop(cfg.DrainTimeout) // waits for inline answers
	} else {
		_ = s.Close()
	}
	r.drain(cfg.DrainTimeout)
	<-schedDone
	return runErr
}

// registerOnStart registers the commands when their definitions changed
// since the last registration. Only a rejected token is fatal: when
// registering fails otherwise, the commands registered last time still work.
func registerOnStart(ctx context.Context, s *discordgo.Session, cfg *ServeConfig) error {
	log := cfg.Logger
	if cfg.StateDir == "" {
		log.Warn("no state directory: commands are not registered by serve; run `briefbot register`")
		return nil
	}
	changed, err := Register(ctx, s, cfg.AppID, cfg.GuildID, RegisterStatePath(cfg.StateDir), false)
	switch {
	case httpStatus(err) == http.StatusUnauthorized:
		return errors.New("discord rejected the bot token (HTTP 401 while registering commands): check DISCORD_TOKEN")
	case err != nil:
		log.Error("registering commands failed; continuing with the commands registered before", "err", err)
	case changed:
		log.Info("registered commands (definitions changed)", "guild", cfg.GuildID)
	default:
		log.Debug("commands unchanged since last registration; not registered again")
	}
	return nil
}

// startHTTP serves the HTTP interactions endpoint in the background; a
// failure of the server after start-up is sent to fatal.
func startHTTP(cfg *ServeConfig, r *responder, fatal chan<- error) (*httpEndpoint, error) {
	log := cfg.Logger
	pub, _ := parsePublicKey(cfg.PublicKey) // checked by cfg.check
	ln := cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
			return nil, fmt.Errorf("listening for HTTP interactions on %s: %w", cfg.HTTPAddr, err)
		}
	}
	e := &httpEndpoint{ln: ln}
	e.srv = &http.Server{
		Handler:           e.closingWhenDraining(newEndpoint(r, pub, log)),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		err := e.srv.Serve(ln)
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !e.draining.Load() {
			fatal <- fmt.Errorf("HTTP interactions endpoint: %w", err)
		}
	}()
	log.Info("serving HTTP interactions endpoint", "addr", ln.Addr().String())
	return e, nil
}

// keepAliveGrace is how long a stopping endpoint still answers on the
// connections it has, each for one more request, before it shuts down.
const keepAliveGrace = time.Second

// httpEndpoint is the running HTTP interactions endpoint.
type httpEndpoint struct {
	srv      *http.Server
	ln       net.Listener
	draining atomic.Bool
}

// closingWhenDraining asks the client to close its connection after each
// answer once the endpoint is stopping.
func (e *httpEndpoint) closingWhenDraining(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if e.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, req)
	})
}

// stop shuts the endpoint down without resetting a request. Shutdown alone
// closes idle keep-alive connections at once, and a client that is just
// sending its next request on one sees the connection reset: so first stop
// accepting and, for keepAliveGrace, answer each open connection's next
// request with "Connection: close"; then shut down, waiting (up to drain)
// for the answers in flight.
func (e *httpEndpoint) stop(drain time.Duration) {
	e.draining.Store(true)
	_ = e.ln.Close()
	time.Sleep(min(keepAliveGrace, drain))
	ctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	_ = e.srv.Shutdown(ctx)
}

// startGateway connects to the gateway and hands every interaction to r; a
// fatal close code seen later (while ctx lasts) is sent to fatal.
func startGateway(ctx context.Context, s *discordgo.Session, watch *closeWatch, r *responder, fatal chan<- error) error {
	log := r.log
	s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
		received := time.Now()
		if tooOld(log.With("interaction", ic.ID, "kind", interactionName(ic.Interaction)), ic.Interaction, received, r.skew) {
			return
		}
		if !r.begin() {
			log.Info("shutting down: interaction ignored", "interaction", ic.ID)
			return
		}
		r.process(ic.Interaction, received, r.gatewayAck(ic.Interaction))
	})
	if err := openGateway(s); err != nil {
		return err
	}
	log.Info("connected to the Discord gateway", "intents", "none")
	go func() {
		select {
		case code := <-watch.fatal:
			fatal <- gatewayCloseError(code)
		case <-ctx.Done():
		}
	}()
	return nil
}

// wireBriefings opens the servers' briefing settings (unless the handler
// was given a store) and gives the handler a channel checker that asks
// Discord (unless it has one), before any interaction can arrive. The
// operator's summary channel becomes one more entry, for its server.
func wireBriefings(ctx context.Context, cfg *ServeConfig, s *discordgo.Session, r *responder, ih interactionHandler) (*BriefingStore, ChannelChecker, error) {
	checker := &sessionChecker{s: s, backoff: r.backoff}
	h, _ := ih.(*Handler)
	var store *BriefingStore
	if h != nil && h.briefings != nil {
		store = h.briefings
	} else {
		var err error
		if store, err = NewBriefingStore(cfg.StateDir); err != nil {
			return nil, nil, err
		}
	}
	if h != nil {
		h.briefings = store
		if h.checker == nil {
			h.checker = checker
		}
		store.setEnabled(h.servers.allows)
	}
	if cfg.SummaryChannel != "" {
		store.setOperator(operatorChannelGuild(ctx, cfg, s, r.backoff), cfg.SummaryChannel, cfg.SummaryAt, cfg.Location)
	}
	return store, checker, nil
}

// startDaily runs the daily briefing scheduler, one for every entry, until
// ctx ends; the returned channel is closed once it has stopped.
func startDaily(ctx context.Context, cfg *ServeConfig, s *discordgo.Session, r *responder, daily dailyMessenger, store *BriefingStore, checker ChannelChecker) <-chan struct{} {
	sch := newDailyScheduler(cfg.Clock, store, &channelPoster{s: s, log: cfg.Logger, backoff: r.backoff}, daily, cfg.Logger)
	sch.checker = checker
	sch.claims = cfg.PostClaims
	sch.onUnauthorized = r.signalUnauthorized
	done := make(chan struct{})
	go func() {
		defer close(done)
		sch.run(ctx)
	}()
	return done
}

// operatorChannelGuild is the server of BRIEFBOT_SUMMARY_CHANNEL, whose
// space the operator's daily post covers; "" when it cannot be read now
// (the scheduler tries again before the post).
func operatorChannelGuild(ctx context.Context, cfg *ServeConfig, s *discordgo.Session, backoff time.Duration) string {
	var ch *discordgo.Channel
	err := retryREST(ctx, backoff, 3, true, func(ctx context.Context) (err error) {
		ch, err = s.Channel(cfg.SummaryChannel, restOptions(ctx)...)
		return err
	})
	if err != nil {
		cfg.Logger.Warn("cannot read the server of BRIEFBOT_SUMMARY_CHANNEL; will try again before the daily post", "channel", cfg.SummaryChannel, "err", err)
		return ""
	}
	return ch.GuildID
}

// waitForStop blocks until ctx is cancelled (nil), a fatal error arrives, or
// Discord rejects the token; it returns why Serve stops.
func waitForStop(ctx context.Context, log *slog.Logger, fatal <-chan error, unauthorized <-chan struct{}) error {
	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case err := <-fatal:
		log.Error("stopping", "err", err)
		return err
	case <-unauthorized:
		err := errors.New("discord rejected the bot token (HTTP 401): check DISCORD_TOKEN; stopped to stay clear of Discord's invalid-request limit")
		log.Error("stopping", "err", err)
		return err
	}
}
