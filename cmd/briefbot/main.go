// Command briefbot answers questions about a corpus of briefing and news
// articles, quoting and citing its paragraphs: on the command line and as a
// Discord bot.
//
//	briefbot ingest   [--index DIR] [--server ID] [--rebuild] [--json] PATH...
//	briefbot ask      [--index DIR] [--server ID] [-k N] [--json] QUESTION...
//	briefbot search   [--index DIR] [--server ID] [--source S] [--author A] [--since DATE] [--until DATE] [--page N] [--page-size N] [--json] KEYWORDS...
//	briefbot summary  [--index DIR] [--server ID] [--date YYYY-MM-DD | --since DATE --until DATE | --article ID] [--sentences N | --words N] [--tz ZONE] [--json]
//	briefbot sources  [--index DIR] [--server ID] [--json]
//	briefbot eval     [--index DIR] [--corpus FILE] [-k N] [--json] QUESTIONS.jsonl
//	briefbot eval     --summaries FILE [--json]
//	briefbot eval     --digests WEEKS.jsonl --corpus ARTICLES.jsonl [--sentences N] [--json]
//	briefbot register [--guild ID | --clear-guild ID]
//	briefbot serve    [--http ADDR]
//	briefbot feeds    add URL [--server ID] [--every DURATION] | remove URL [--server ID] | list [--server ID] [--json] | poll [--once]
//	briefbot doctor   [--index DIR] [--json]
//
// This package is the only one that reads the environment: cmd wires the
// corpus, index and bot packages together from flags, variables and .env.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/briefbot/briefbot/index"
)

// Exit statuses, as documented in the README.
const (
	exitOK    = 0 // the command ran, also when nothing matched
	exitFail  = 1 // any other failure, with a one-line reason
	exitUsage = 2 // a usage or configuration error
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// env is the process environment, injected so tests need not set variables.
type env func(string) string

// usageError marks errors that exit with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// commands maps each sub-command to its implementation.
var commands = map[string]func(ctx context.Context, a *app, args []string) error{
	"ingest":   cmdIngest,
	"ask":      cmdAsk,
	"search":   cmdSearch,
	"summary":  cmdSummary,
	"sources":  cmdSources,
	"eval":     cmdEval,
	"serve":    cmdServe,
	"register": cmdRegister,
	"feeds":    cmdFeeds,
	"doctor":   cmdDoctor,
}

// app carries what every sub-command needs: its streams and environment.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         env
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "briefbot: unknown command %q (run `briefbot help`)\n", args[0])
		return exitUsage
	}
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: loadDotEnv(getenv, stderr)}
	err := cmd(ctx, a, args[1:])
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "briefbot %s: %v\n", args[0], err)
		return exitUsage
	case errors.Is(err, index.ErrDamaged):
		fmt.Fprintf(stderr, "briefbot %s: %s\n", args[0], damagedLine(err))
		return exitFail
	default:
		// The index's errors name their operation ("ask: …"), as this line
		// already does.
		fmt.Fprintf(stderr, "briefbot %s: %s\n", args[0], strings.TrimPrefix(err.Error(), args[0]+": "))
		return exitFail
	}
}

// damagedLine words a damaged index's error: what is wrong, in a few words,
// and the one fix.
func damagedLine(err error) string {
	var de *index.DamagedError
	if !errors.As(err, &de) {
		return err.Error()
	}
	cause, _, _ := strings.Cut(de.Err.Error(), "\n") // Bleve's mapping errors go on for lines
	return fmt.Sprintf("the index at %s is damaged (%s); `briefbot ingest --rebuild PATH` rebuilds it from your corpus files and folders",
		de.Dir, cause)
}

const usage = `briefbot answers questions from a corpus of news articles, quoting and citing it.

Usage:
  briefbot ingest   [--index DIR] [--server ID] [--rebuild] [--json] PATH...
  briefbot ask      [--index DIR] [--server ID] [-k N] [--json] QUESTION...
  briefbot search   [--index DIR] [--server ID] [--source S] [--author A] [--since DATE] [--until DATE]
                    [--page N] [--page-size N] [--json] KEYWORDS...
  briefbot summary  [--index DIR] [--server ID] [--date YYYY-MM-DD | --since DATE --until DATE | --article ID]
                    [--sentences N | --words N] [--tz ZONE] [--json]
  briefbot sources  [--index DIR] [--server ID] [--json]
  briefbot eval     [--index DIR] [--corpus FILE] [-k N] [--json] QUESTIONS.jsonl
  briefbot eval     --summaries FILE [--json]
  briefbot eval     --digests WEEKS.jsonl --corpus ARTICLES.jsonl [--sentences N] [--json]
  briefbot register [--guild ID | --clear-guild ID]
  briefbot serve    [--http ADDR]
  briefbot feeds    add URL [--server ID] [--every DURATION] | remove URL [--server ID] | list [--server ID] [--json] | poll [--once]
  briefbot doctor   [--index DIR] [--json]

The index is --index, else $BRIEFBOT_INDEX, else ~/.local/share/briefbot/index.
Without --server, commands read and ingest the shared space, which every
Discord server sees; --server ID ingests into that server's own space, and
makes ask, search, summary and sources see the shared space plus that
server's, as a request made in that server does.
With no index and no corpus configured, ask, search and summary answer from
the bundled sample articles. Settings are read from the environment and .env
(see .env.example). Run 'briefbot COMMAND -h' for a command's flags.
`
