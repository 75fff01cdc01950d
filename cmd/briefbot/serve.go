package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/bot"
	"github.com/briefbot/briefbot/feeds"
	"github.com/briefbot/briefbot/fetch"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/textrules"
	"github.com/briefbot/briefbot/metrics"
)

// serveConfig is everything serve and register read from the environment,
// validated up front so that a mistake fails at start-up with one line
// naming the variable, not at first use.
type serveConfig struct {
	bot      bot.ServeConfig
	indexDir string
	corpus   []string // BRIEFBOT_CORPUS roots, ingested at start and watched
	feedback string   // the 👍/👎 log
	// metricsAddr is BRIEFBOT_METRICS_ADDR: where /metrics, /healthz and
	// /readyz are served; "" = not served.
	metricsAddr string
	// operators are BRIEFBOT_OPERATORS' user ids, who manage the shared
	// space besides the application's owner or team.
	operators []string
	// servers are BRIEFBOT_SERVERS' server ids, the only servers the bot
	// answers in; none = every server.
	servers []string
	// feedLimits bound what a server's admins may subscribe to (/feeds).
	feedLimits feedLimits
	// nats makes serve a replica of a deployment on NATS JetStream; zero =
	// a single instance.
	nats natsConfig
}

var snowflake = regexp.MustCompile(`^[0-9]{15,21}$`)

// checkAddr refuses an address to listen on that is not "host:port" or
// ":port" with a port up to 65535; what names the flag or variable.
func checkAddr(what, addr string) error {
	if addr == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("%s %q is not an address to listen on (want HOST:PORT or :PORT, e.g. :8080)", what, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return usagef("%s %q: the port must be a number from 0 to 65535", what, addr)
	}
	return nil
}

// loadServeConfig reads the Discord and bot settings. httpAddr is the
// --http flag (HTTP interactions endpoint mode when set, which needs the
// public key).
func loadServeConfig(getenv env, indexDir, httpAddr string) (serveConfig, error) {
	var c serveConfig
	token := strings.TrimSpace(getenv("DISCORD_TOKEN"))
	if token == "" {
		return c, usagef("DISCORD_TOKEN is missing or empty: set it to the bot token (Developer Portal → Bot → Reset Token)")
	}
	appID := strings.TrimSpace(getenv("DISCORD_APP_ID"))
	if !snowflake.MatchString(appID) {
		return c, usagef("DISCORD_APP_ID %q is not an application id (the number under General Information)", appID)
	}
	guild := strings.TrimSpace(getenv("DISCORD_GUILD_ID"))
	if guild != "" && !snowflake.MatchString(guild) {
		return c, usagef("DISCORD_GUILD_ID %q is not a server id", guild)
	}
	// Checked before anything is registered with Discord.
	if err := checkAddr("--http", httpAddr); err != nil {
		return c, err
	}
	key := strings.TrimSpace(getenv("DISCORD_PUBLIC_KEY"))
	if httpAddr != "" || key != "" {
		if b, err := hex.DecodeString(key); err != nil || len(b) != 32 {
			return c, usagef("DISCORD_PUBLIC_KEY must be the application's 64-hex-digit public key (General Information); `serve --http` needs it")
		}
	}
	apiBase := strings.TrimSpace(getenv("DISCORD_API_BASE"))
	if apiBase != "" {
		if u, err := url.Parse(apiBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, usagef("DISCORD_API_BASE %q is not an http(s) URL", apiBase)
		}
	}
	loc, channel, at, err := loadDailyPost(getenv)
	if err != nil {
		return c, err
	}
	metricsAddr := strings.TrimSpace(getenv("BRIEFBOT_METRICS_ADDR"))
	if err := checkAddr("BRIEFBOT_METRICS_ADDR", metricsAddr); err != nil {
		return c, err
	}
	operators, err := idList(getenv, "BRIEFBOT_OPERATORS", "user")
	if err != nil {
		return c, err
	}
	servers, err := idList(getenv, "BRIEFBOT_SERVERS", "server")
	if err != nil {
		return c, err
	}
	limits, err := loadFeedLimits(getenv)
	if err != nil {
		return c, err
	}
	natsCfg, err := loadNATSConfig(getenv)
	if err != nil {
		return c, err
	}
	var roots []string
	for _, r := range filepath.SplitList(getenv("BRIEFBOT_CORPUS")) {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		if _, err := os.Stat(r); err != nil {
			return c, usagef("BRIEFBOT_CORPUS: cannot read %s: %v", r, err)
		}
		roots = append(roots, r)
	}
	stateDir := indexDir + ".state"
	c = serveConfig{
		bot: bot.ServeConfig{
			Token: token, AppID: appID, PublicKey: key, GuildID: guild, APIBase: apiBase, HTTPAddr: httpAddr,
			StateDir: stateDir, SummaryChannel: channel, SummaryAt: at, Location: loc,
		},
		indexDir:    indexDir,
		corpus:      roots,
		feedback:    filepath.Join(stateDir, "feedback.jsonl"),
		metricsAddr: metricsAddr,
		operators:   operators,
		servers:     servers,
		feedLimits:  limits,
		nats:        natsCfg,
	}
	return c, nil
}

// loadDailyPost reads the zone days are counted in and the operator's
// daily post: its channel ("" = none) and time of day.
func loadDailyPost(getenv env) (loc *time.Location, channel, at string, err error) {
	tz := strings.TrimSpace(getenv("BRIEFBOT_TZ"))
	loc = time.UTC
	if tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil {
			return nil, "", "", usagef("BRIEFBOT_TZ %q is not an IANA time zone (e.g. Europe/Berlin)", tz)
		}
	}
	channel = strings.TrimSpace(getenv("BRIEFBOT_SUMMARY_CHANNEL"))
	if channel != "" && !snowflake.MatchString(channel) {
		return nil, "", "", usagef("BRIEFBOT_SUMMARY_CHANNEL %q is not a channel id", channel)
	}
	at = strings.TrimSpace(getenv("BRIEFBOT_SUMMARY_AT"))
	if at == "" {
		at = "18:00"
	}
	if _, err := time.Parse("15:04", at); err != nil || len(at) != 5 {
		return nil, "", "", usagef("BRIEFBOT_SUMMARY_AT %q is not a time of day HH:MM (24-hour), e.g. 18:00", at)
	}
	return loc, channel, at, nil
}

// idList reads the variable name as a comma-separated list of Discord ids
// of kind ("user", "server"), spaces and empty items ignored. An id that is
// not a snowflake is a configuration error naming the variable: a typo
// would otherwise lock an operator out, or the bot out of a server.
func idList(getenv env, name, kind string) ([]string, error) {
	var ids []string
	for _, id := range strings.Split(getenv(name), ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if err := briefbot.CheckServerID(id); err != nil {
			return nil, usagef("%s: %q is not a Discord %s id (17 to 20 digits; Developer Mode, then right-click → Copy %s ID)",
				name, id, kind, upperFirst(kind))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// upperFirst is s with its first (ASCII) letter in upper case.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func cmdServe(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "serve", "[--index DIR] [--http ADDR]")
	dir := indexFlag(fs)
	httpAddr := fs.String("http", "", "serve the HTTP interactions endpoint on ADDR (e.g. :8080) instead of connecting to the gateway")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	indexDir, _ := a.indexLocation(*dir)
	cfg, err := loadServeConfig(a.getenv, indexDir, *httpAddr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	cfg.bot.Logger = log
	return serve(ctx, cfg, log)
}

// serve opens the index, brings the corpus up to date, and runs the bot
// until ctx is cancelled. The index is closed exactly once, on every path.
// With BRIEFBOT_NATS_URL it is a replica: every article write goes to the
// log and the index follows the log (joinDeployment).
func serve(ctx context.Context, cfg serveConfig, log *slog.Logger) error {
	if err := os.MkdirAll(cfg.bot.StateDir, 0o755); err != nil {
		return err
	}
	ix, err := index.Open(cfg.indexDir, index.Options{Logger: log})
	if err != nil {
		return err
	}
	defer ix.Close()
	m := metrics.New(ix.Totals) // the whole index: every space
	var ready atomic.Bool       // the index is open and the start-up ingest done
	m.SetReady(ready.Load)
	var w servedIndex = ix
	var dep *replicaRun
	if cfg.nats.enabled() {
		if dep, err = joinDeployment(ctx, cfg.nats, ix, m, log); err != nil {
			return err
		}
		defer dep.close() // after the tasks below, before ix is closed
		w = dep.writer()
		// A replica is ready once it has also caught up with the log.
		m.SetReady(func() bool { return ready.Load() && dep.lag.caughtUp.Load() })
	}
	stopMetrics, err := startMetrics(m, cfg.metricsAddr, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	// The command line reaches the index through serve from now on, also
	// during the start-up ingest; stopped (deferred) before ix is closed.
	poller := feedPoller(cfg.indexDir, w, log, m, cfg.servers)
	stopLocalAPI := startLocalAPI(w, cfg.indexDir, log, poller)
	defer stopLocalAPI()

	admin := &indexAdmin{ix: w, roots: cfg.corpus, log: log, metrics: m}
	if err := startupIngest(ctx, admin, dep, log); err != nil {
		return err
	}
	ready.Store(true)
	// The watcher and the feed poller may be writing when serving ends (ctx
	// done, or a fatal error): stop them and wait before the index is closed
	// (deferred above, so run after this).
	bg := newBackground(ctx)
	defer bg.stop()
	if len(cfg.corpus) > 0 {
		bg.run(func(ctx context.Context) { watchAndReindex(ctx, cfg.corpus, admin, log) })
	}
	if dep != nil {
		if err := dep.shareFeeds(ctx, feeds.FileFor(cfg.indexDir)); err != nil {
			return err
		}
		bg.run(func(ctx context.Context) { dep.pollFeeds(ctx, poller) })
		dep.registerCommands(ctx, cfg.bot)
		if cfg.bot.PostClaims, err = dep.newPostClaims(ctx); err != nil {
			return err
		}
	} else {
		bg.run(func(ctx context.Context) { pollFeeds(ctx, poller, log) })
	}
	opts := bot.HandlerOptions{
		Location:    cfg.bot.Location,
		Logger:      log,
		Fetcher:     fetch.New(fetch.Options{}),
		Admin:       admin,
		Feeds:       newServerFeeds(cfg.indexDir, cfg.feedLimits),
		FeedbackLog: cfg.feedback,
		StartedAt:   time.Now(),
		Observer:    m,
		Operators:   cfg.operators,
		Servers:     cfg.servers,
	}
	if dep != nil { // briefing settings and votes shared, /stats naming the replica
		if err := dep.shareWithReplicas(ctx, cfg.bot.StateDir, &opts); err != nil {
			return err
		}
	}
	h := bot.NewHandler(ix, opts)
	log.Info("briefbot serving", "index", cfg.indexDir, "http", cfg.bot.HTTPAddr, "tz", cfg.bot.Location.String(), "summary_channel", cfg.bot.SummaryChannel)
	return bot.Serve(ctx, cfg.bot, h)
}

// startupIngest brings the corpus folders into the index before serving.
// A replica first catches up with the log, so that the files the log
// already holds are known here as unchanged and not sent again.
func startupIngest(ctx context.Context, admin *indexAdmin, dep *replicaRun, log *slog.Logger) error {
	if len(admin.roots) == 0 {
		return nil
	}
	if dep != nil {
		if err := dep.catchUp(ctx); err != nil {
			return err
		}
	}
	msg, err := admin.Reindex(ctx)
	if err != nil {
		return err
	}
	log.Info("corpus ingested", "result", msg)
	return nil
}

// startMetrics serves m's /metrics, /healthz and /readyz on addr; with no
// address it serves nothing (the metrics are still counted, for nobody).
func startMetrics(m *metrics.Metrics, addr string, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	srv, err := m.Start(addr, log)
	if err != nil {
		return nil, err
	}
	log.Info("metrics served", "addr", srv.Addr().String())
	return func() { _ = srv.Close() }, nil
}

// background runs the tasks that write into the index beside the bot;
// stop cancels them and waits until each has returned.
type background struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newBackground(ctx context.Context) *background {
	ctx, cancel := context.WithCancel(ctx)
	return &background{ctx: ctx, cancel: cancel}
}

func (b *background) run(task func(ctx context.Context)) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		task(b.ctx)
	}()
}

func (b *background) stop() {
	b.cancel()
	b.wg.Wait()
}

// watchAndReindex re-ingests the corpus whenever a file under it changes.
func watchAndReindex(ctx context.Context, roots []string, admin *indexAdmin, log *slog.Logger) {
	err := watchCorpus(ctx, roots, 2*time.Second, log, func(ctx context.Context) {
		if msg, err := admin.Reindex(ctx); err != nil {
			log.Error("re-ingesting the corpus", "err", err)
		} else {
			log.Info("corpus changed", "result", msg)
		}
	})
	if err != nil {
		log.Error("watching the corpus", "err", err)
	}
}

// feedPoller polls the feed subscriptions (the operator's, briefbot feeds
// add, and the servers', /feeds add) through w, each into its space, logging
// and counting each poll. Servers' feeds go through the guarded fetcher;
// with an allow-list (BRIEFBOT_SERVERS), only its servers' feeds are polled.
func feedPoller(indexDir string, w articleWriter, log *slog.Logger, m *metrics.Metrics, servers []string) *feeds.Poller {
	var polled func(space string) bool
	if len(servers) > 0 {
		polled = func(space string) bool { return slices.Contains(servers, space) }
	}
	return feeds.New(feeds.Options{
		File: feeds.FileFor(indexDir), Fetcher: operatorFetcher(), ServerFetcher: serverFetcher(),
		Store: freshnessStore{indexStore{w}, m}, Log: log, Polled: polled, Idle: feedsIdle,
		OnResult: func(r feeds.Result) {
			log.Info("feed polled", "result", r.String())
			countFeedPoll(m, r)
		},
	})
}

// feedsIdle is how long serve's poller sleeps at most between looks at
// its subscriptions (0: the feeds package's minute); tests shorten it.
var feedsIdle time.Duration

// countFeedPoll counts one feed's poll and the articles it changed.
func countFeedPoll(m *metrics.Metrics, r feeds.Result) {
	switch {
	case r.Err != nil:
		m.FeedPolled(metrics.FeedError)
	case r.NotModified:
		m.FeedPolled(metrics.FeedNotModified)
	default:
		m.FeedPolled(metrics.FeedOK)
		m.Ingested(r.Added, r.Updated, 0)
	}
}

// freshnessStore records how old each dated feed item is when it reaches
// the index.
type freshnessStore struct {
	next    feeds.Store
	metrics *metrics.Metrics
}

func (s freshnessStore) UpsertArticles(ctx context.Context, space string, arts []briefbot.Article) (feeds.Upserted, error) {
	now := time.Now()
	for _, a := range arts {
		if !a.Published.IsZero() {
			s.metrics.FeedItemIngested(now.Sub(a.Published))
		}
	}
	return s.next.UpsertArticles(ctx, space, arts)
}

// pollFeeds runs p until ctx ends, each feed when it is due; with no
// subscription, it only checks now and then for new ones.
func pollFeeds(ctx context.Context, p *feeds.Poller, log *slog.Logger) {
	if err := p.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("polling feeds", "err", err)
	}
}

func cmdRegister(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "register", "[--guild ID | --clear-guild ID] [--index DIR]")
	guild := fs.String("guild", "", "register to this server only (instant; for testing) instead of globally")
	clear := fs.String("clear-guild", "", "remove the commands registered to this server (after moving to global registration)")
	dir := fs.String("index", "", "index directory, next to which the registration state is kept")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	for _, f := range [][2]string{{"--guild", *guild}, {"--clear-guild", *clear}} {
		if f[1] != "" && !snowflake.MatchString(f[1]) {
			return usagef("%s %q is not a server id", f[0], f[1])
		}
	}
	if *guild != "" && *clear != "" {
		return usagef("--guild and --clear-guild do not go together: register, or clear, one at a time")
	}
	indexDir, _ := a.indexLocation(*dir)
	cfg, err := loadServeConfig(a.getenv, indexDir, "")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.bot.StateDir, 0o755); err != nil {
		return err
	}
	s, err := bot.NewSession(cfg.bot.Token, cfg.bot.APIBase)
	if err != nil {
		return err
	}
	statePath := bot.RegisterStatePath(cfg.bot.StateDir)
	if *clear != "" {
		if err := bot.ClearGuild(ctx, s, cfg.bot.AppID, *clear, statePath); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "removed the commands registered to server %s\n", *clear)
		return nil
	}
	// Without --guild, register globally, as documented; DISCORD_GUILD_ID
	// (serve's target) only names the server to check for leftovers.
	if _, err := bot.Register(ctx, s, cfg.bot.AppID, *guild, statePath, true); err != nil {
		return err
	}
	if *guild != "" {
		fmt.Fprintf(a.stdout, "registered %d commands to server %s\n", len(bot.Commands()), *guild)
		return nil
	}
	fmt.Fprintf(a.stdout, "registered %d commands globally (may take up to an hour to appear)\n", len(bot.Commands()))
	if g := cfg.bot.GuildID; g != "" {
		warnGuildLeftovers(a, g, func() (int, error) { return bot.GuildCommandCount(ctx, s, cfg.bot.AppID, g) })
	}
	return nil
}

// warnGuildLeftovers says, in one line, when the server in DISCORD_GUILD_ID
// still has commands registered (count asks Discord): next to the global
// ones, its members would see every command twice.
func warnGuildLeftovers(a *app, guildID string, count func() (int, error)) {
	n, err := count()
	switch {
	case err != nil:
		fmt.Fprintf(a.stderr, "briefbot: could not check server %s (DISCORD_GUILD_ID) for guild commands: %v\n", guildID, err)
	case n > 0:
		fmt.Fprintf(a.stderr, "briefbot: server %s (DISCORD_GUILD_ID) still has %d guild commands, shown there next to the global ones: remove them with 'briefbot register --clear-guild %s' and unset DISCORD_GUILD_ID\n", guildID, n, guildID)
	}
}

// indexAdmin is bot.Admin over the index: /ingest (into the server's
// space) and /reindex (of the shared corpus), and the start-up and watch
// ingests, all through the same incremental Ingest.
type indexAdmin struct {
	ix      articleWriter // the index, or on a replica the article log
	roots   []string
	log     *slog.Logger
	metrics *metrics.Metrics // counts what each ingest changed
}

// AddArticles writes what /ingest fetched into the space of server, the
// one the command came from. The shared space is the operators' (corpus
// folders, feeds, the command line), so a server id is required here: an
// empty one would put a server admin's pages before every server.
func (a *indexAdmin) AddArticles(ctx context.Context, server string, arts []briefbot.Article) (string, error) {
	if err := briefbot.CheckServerID(server); err != nil {
		return "", fmt.Errorf("ingest: not into the shared space: %w", err)
	}
	rep, err := a.ix.Upsert(ctx, server, arts)
	if err != nil {
		a.metrics.IngestFailed()
		return "", err
	}
	a.metrics.Ingested(rep.Added, rep.Updated, rep.Removed)
	// The index looks for duplicates only among what this server sees, so
	// none names another server's article; the admin is told nothing of
	// them anyway (a shared copy is told below, as two copies).
	rep.Duplicates = nil
	s := reportSentence(rep)
	if rep.AlsoShared > 0 {
		s += "; " + alsoSharedLine(rep.AlsoShared)
	}
	return s, nil
}

func (a *indexAdmin) Reindex(ctx context.Context) (string, error) {
	if len(a.roots) == 0 {
		return "no corpus folders are configured (BRIEFBOT_CORPUS); nothing to re-read", nil
	}
	// The corpus folders are the shared space's; servers' spaces are
	// written by /ingest and `ingest --server`, never re-read here.
	rep, err := a.ix.Ingest(ctx, a.roots, index.IngestOptions{Space: briefbot.SharedSpace})
	if err != nil {
		a.metrics.IngestFailed()
		return "", err
	}
	a.metrics.Ingested(rep.Added, rep.Updated, rep.Removed)
	for _, s := range rep.Skipped {
		a.log.Warn("skipped", "file", s.String())
	}
	return reportSentence(rep), nil
}

// reportSentence says what an ingest changed, for admins.
func reportSentence(rep index.IngestReport) string {
	s := fmt.Sprintf("%d added, %d updated, %d removed, %d unchanged (%s indexed)",
		rep.Added, rep.Updated, rep.Removed, rep.Unchanged, textrules.Plural(rep.Paragraphs, "paragraph", "paragraphs"))
	if n := len(rep.Skipped); n > 0 {
		s += fmt.Sprintf("; %d skipped", n)
	}
	if n := len(rep.Duplicates); n > 0 {
		s += "; " + textrules.Plural(n, "duplicate", "duplicates")
	}
	return s
}
