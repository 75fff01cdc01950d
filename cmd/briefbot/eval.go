package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/briefbot/briefbot/eval"
	"github.com/briefbot/briefbot/index"
)

func cmdEval(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "eval", "[--index DIR] [--corpus FILE] [-k N] [--json] QUESTIONS.jsonl | --summaries FILE | --digests WEEKS --corpus ARTICLES")
	dir := fs.String("index", "", "index holding the questions' articles (default $BRIEFBOT_INDEX, else ~/.local/share/briefbot/index)")
	corpusPath := fs.String("corpus", "", "ingest this corpus into a temporary index first (instead of --index)")
	k := fs.Int("k", 10, "passages asked for per question (at least 10 are scored)")
	asJSON := fs.Bool("json", false, "one JSON line per question, then one metrics line")
	summaries := fs.String("summaries", "", "score the summarizer on a summaries set (cnndm.jsonl, bbc.jsonl) instead")
	digests := fs.String("digests", "", "score weekly digests of weeks.jsonl (with --corpus articles.jsonl) instead")
	sentences := fs.Int("sentences", 20, "points per weekly digest, with --digests")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *summaries != "" {
		if len(rest) > 0 {
			return usagef("--summaries takes no QUESTIONS file")
		}
		return evalSummaries(a, *summaries, *asJSON)
	}
	if *digests != "" {
		if len(rest) > 0 {
			return usagef("--digests takes no QUESTIONS file")
		}
		if err := positiveInt("sentences", *sentences, 200); err != nil {
			return err
		}
		return evalDigests(a, *digests, *corpusPath, *sentences, *asJSON)
	}
	if len(rest) != 1 {
		return usagef("give one QUESTIONS.jsonl file")
	}
	if err := positiveInt("k", *k, 100); err != nil {
		return err
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return usagef("%v", err)
	}
	qs, err := eval.ReadQuestions(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", rest[0], err)
	}

	var ix *index.Index
	if *corpusPath != "" {
		tmp, err := os.MkdirTemp("", "briefbot-eval-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if ix, err = ingestTemp(ctx, tmp, *corpusPath); err != nil {
			return err
		}
	} else {
		indexDir, _ := a.indexLocation(*dir)
		if ix, err = index.Open(indexDir, index.Options{ReadOnly: true}); err != nil {
			return err
		}
	}
	defer ix.Close()

	results, metrics, err := eval.Retrieval(ctx, ix.Ask, qs, *k)
	if err != nil {
		return err
	}
	if *asJSON {
		for _, r := range results {
			if err := writeJSON(a.stdout, r); err != nil {
				return err
			}
		}
		return writeJSON(a.stdout, metrics)
	}
	fmt.Fprintf(a.stdout, "%s: %s\n", filepath.Base(rest[0]), metrics)
	return nil
}

// evalSummaries scores the summarizer on a single-article summary set
// (cnndm.jsonl or bbc.jsonl) against the set's baseline.
func evalSummaries(a *app, path string, asJSON bool) error {
	rep, err := eval.Summaries(path, eval.SummariesOptions{})
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, rep)
	}
	fmt.Fprintln(a.stdout, rep)
	return nil
}

// evalDigests scores weekly digests (weeks.jsonl with its articles) by answer coverage.
func evalDigests(a *app, weeksPath, articlesPath string, sentences int, asJSON bool) error {
	if articlesPath == "" {
		return usagef("--digests needs --corpus ARTICLES.jsonl, the articles the weeks refer to")
	}
	rep, err := eval.Digests(weeksPath, articlesPath, eval.DigestOptions{Sentences: sentences})
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, map[string]any{"sentences": rep.Sentences, "weeks": len(rep.Weeks),
			"coverage": rep.Coverage, "baseline": rep.Baseline, "reachable": rep.Reachable, "violations": rep.Violations})
	}
	fmt.Fprintln(a.stdout, rep)
	return nil
}
