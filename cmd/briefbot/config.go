package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // BRIEFBOT_TZ must work in minimal containers without zoneinfo

	"github.com/joho/godotenv"

	"github.com/briefbot/briefbot"
)

// loadDotEnv layers ./.env under the real environment: a variable set in the
// environment wins over the file, as godotenv.Load does, but without
// mutating the process environment. A missing .env is normal (containers);
// a malformed one is reported once and ignored.
func loadDotEnv(getenv env, stderr io.Writer) env {
	file, err := godotenv.Read(".env")
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "briefbot: ignoring .env: %v\n", err)
		}
		return getenv
	}
	return func(key string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return file[key]
	}
}

// defaultIndexDir is where the index lives when neither --index nor
// BRIEFBOT_INDEX says: the XDG data directory.
func defaultIndexDir(getenv env) string {
	base := getenv("XDG_DATA_HOME")
	if base == "" {
		home := getenv("HOME")
		if home == "" {
			home = "."
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "briefbot", "index")
}

// indexLocation resolves the index directory from the flag, the environment
// and the default. useSample is true when nothing at all is configured and
// there is no index at the default place: the query commands then answer
// from the bundled sample corpus.
func (a *app) indexLocation(flagDir string) (dir string, useSample bool) {
	switch {
	case flagDir != "":
		return flagDir, false
	case a.getenv("BRIEFBOT_INDEX") != "":
		return a.getenv("BRIEFBOT_INDEX"), false
	}
	dir = defaultIndexDir(a.getenv)
	if _, err := os.Stat(dir); err != nil && a.getenv("BRIEFBOT_CORPUS") == "" {
		return dir, true
	}
	return dir, false
}

// location reads a time zone name; "" means the configured BRIEFBOT_TZ, else UTC.
func (a *app) location(name string) (*time.Location, error) {
	if name == "" {
		name = a.getenv("BRIEFBOT_TZ")
	}
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, usagef("unknown time zone %q (use an IANA name such as Europe/Berlin)", name)
	}
	return loc, nil
}

// parseDay reads YYYY-MM-DD as midnight in loc.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, usagef("date %q is not a YYYY-MM-DD day", s)
	}
	return t, nil
}

// newFlags makes a sub-command's flag set that reports errors itself.
func newFlags(a *app, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(a.stdout, "Usage: briefbot %s %s\n\nFlags:\n", name, synopsis)
		fs.SetOutput(a.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// errHelp is returned after -h printed a command's usage.
var errHelp = errors.New("help shown")

// parseFlags parses flags anywhere among the arguments, so that
// `briefbot ask how many soldiers -k 3` works as well as `ask -k 3 how …`,
// and returns the positional arguments in order. "--" ends flag parsing.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	// The flag package prints the usage itself on -h and on every bad flag;
	// print it here, once, and only when asked for: a mistyped flag gets one
	// line that points to -h.
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, errHelp
			}
			return nil, usagef("%v (see 'briefbot %s -h')", err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// parseOnlyFlags parses the flags of a command that takes no words.
func parseOnlyFlags(fs *flag.FlagSet, args []string) error {
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	return noArgs(rest)
}

// indexFlag adds the --index flag every index-using command takes.
func indexFlag(fs *flag.FlagSet) *string {
	return fs.String("index", "", "index directory (default $BRIEFBOT_INDEX, else ~/.local/share/briefbot/index)")
}

// serverFlag adds --server, the Discord server whose space a query sees
// besides the shared one.
func serverFlag(fs *flag.FlagSet) *string {
	return fs.String("server", "", "also see this Discord server's space, as a request made in that server does (default: the shared space only)")
}

// scopeOf checks a --server value and returns the scope it names: the
// shared space plus that server's, or the shared space alone for "".
func scopeOf(server string) (briefbot.Scope, error) {
	if server == "" {
		return briefbot.Scope{}, nil
	}
	if err := briefbot.CheckServerID(server); err != nil {
		return briefbot.Scope{}, usagef("--server %v", err)
	}
	return briefbot.Scope{Server: server}, nil
}

// spaceName names a space in logs: "shared", or the server id.
func spaceName(space string) string {
	if space == briefbot.SharedSpace {
		return "shared"
	}
	return space
}

// noArgs refuses positional arguments for commands that take none.
func noArgs(rest []string) error {
	if len(rest) > 0 {
		return usagef("unexpected argument %q", rest[0])
	}
	return nil
}

// positiveInt validates a count flag.
func positiveInt(name string, v, max int) error {
	if v < 1 || v > max {
		return usagef("--%s must be between 1 and %d, not %s", name, max, strconv.Itoa(v))
	}
	return nil
}

// joinArgs turns positional words into one query string.
func joinArgs(args []string) string { return strings.TrimSpace(strings.Join(args, " ")) }
