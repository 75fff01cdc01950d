package eval

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/corpus"
	"github.com/briefbot/briefbot/summarize"
)

// Summarizer is the function under test; summarize.Articles by default.
type Summarizer func(arts []briefbot.Article, opts summarize.Options) briefbot.Summary

// SummariesOptions tune Summaries.
type SummariesOptions struct {
	Summarize Summarizer // nil = summarize.Articles
	Limit     int        // score only the first Limit articles; 0 = all
}

// SummariesReport is the ROUGE of briefbot and of the set's baseline on one
// single-article summary set, averaged over its articles.
type SummariesReport struct {
	Set          string        `json:"set"`           // "cnndm" or "bbc"
	Budget       string        `json:"budget"`        // "3 sentences" or "words = reference length"
	Articles     int           `json:"articles"`      // articles scored (repeats counted once)
	Briefbot     ROUGE         `json:"briefbot"`      // F1, fractions in [0, 1]
	Baseline     ROUGE         `json:"baseline"`      // F1 of the set's baseline
	BaselineName string        `json:"baseline_name"` // "LEAD-3" or "leading sentences"
	SummaryWords float64       `json:"summary_words"` // mean words of briefbot's summaries
	Elapsed      time.Duration `json:"elapsed_ns"`
}

// String is one line per system, in percent, fit for a terminal or README.
func (r SummariesReport) String() string {
	return fmt.Sprintf("%s (%d articles, %s)  ROUGE-1/2/L F1\n  briefbot           %s\n  %-18s %s",
		r.Set, r.Articles, r.Budget, r.Briefbot.Percent(), r.BaselineName, r.Baseline.Percent())
}

// Percent formats the scores as "41.5 / 20.2 / 28.0".
func (r ROUGE) Percent() string {
	return fmt.Sprintf("%.1f / %.1f / %.1f", 100*r.R1, 100*r.R2, 100*r.RL)
}

// summaryLine is one line of either set; the format is detected per line.
type summaryLine struct {
	ID string `json:"id"`
	// cnndm: one tokenised block, reference summaries, LEAD-3 output
	Text       string   `json:"text"`
	References []string `json:"references"`
	Lead3      string   `json:"lead3"`
	// bbc: title, paragraphs, one extractive reference
	Title      string   `json:"title"`
	Paragraphs []string `json:"paragraphs"`
	Reference  string   `json:"reference"`
}

// Summaries scores briefbot on a summary set and compares it with the set's
// baseline, against the first reference of each article.
//
//   - CNN/DailyMail (lines with "text", "references", "lead3"): 3 sentences
//     against the LEAD-3 output shipped with the set. The tokenised text is
//     made into a one-paragraph article with “quotes” turned into "quotes".
//   - BBC (lines with "paragraphs", "reference"): a words budget equal to the
//     reference's length, against the article's leading sentences up to the
//     same budget. Articles repeated under another id count once.
func Summaries(path string, opts SummariesOptions) (SummariesReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return SummariesReport{}, err
	}
	defer f.Close()
	return SummariesFrom(f, opts)
}

// SummariesFrom is Summaries over an open file.
func SummariesFrom(r io.Reader, opts SummariesOptions) (SummariesReport, error) {
	sumf := opts.Summarize
	if sumf == nil {
		sumf = summarize.Articles
	}
	var rep SummariesReport
	start := time.Now()
	seen := map[[32]byte]bool{}
	err := eachLine(r, 64<<20, func(line int, text string) error {
		if opts.Limit > 0 && rep.Articles >= opts.Limit {
			return errStopLines
		}
		var l summaryLine
		if err := json.Unmarshal([]byte(text), &l); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		var set, ref, base string
		var art briefbot.Article
		var o summarize.Options
		switch {
		case l.Text != "" && len(l.References) > 0:
			set, ref, base = "cnndm", l.References[0], l.Lead3
			art = briefbot.Article{ID: l.ID, Paragraphs: []briefbot.Paragraph{{N: 1, Text: Detokenize(l.Text)}}}
			o.Sentences = 3
		case len(l.Paragraphs) > 0 && l.Reference != "":
			set, ref = "bbc", l.Reference
			key := sha256.Sum256([]byte(l.Title + "\x00" + strings.Join(l.Paragraphs, "\x00")))
			if seen[key] {
				return nil
			}
			seen[key] = true
			art = briefbot.Article{ID: l.ID, Title: l.Title}
			for i, p := range l.Paragraphs {
				art.Paragraphs = append(art.Paragraphs, briefbot.Paragraph{N: i + 1, Text: p})
			}
			o.Words = len(strings.Fields(ref))
			base = LeadingSentences(art, o.Words)
		default:
			return fmt.Errorf("line %d: neither a CNN/DailyMail line (text, references, lead3) nor a BBC line (paragraphs, reference)", line)
		}
		if rep.Set == "" {
			rep.Set = set
		} else if rep.Set != set {
			return fmt.Errorf("line %d: a %s line in a %s file", line, set, rep.Set)
		}
		sum := sumf([]briefbot.Article{art}, o)
		out := SummaryText(sum)
		refT := Tokens(ref)
		rep.Briefbot = rep.Briefbot.Add(RougeTokens(Tokens(out), refT))
		rep.Baseline = rep.Baseline.Add(RougeTokens(Tokens(base), refT))
		rep.SummaryWords += float64(len(strings.Fields(out)))
		rep.Articles++
		return nil
	})
	if err != nil {
		return rep, err
	}
	if rep.Articles == 0 {
		return rep, errors.New("no articles in the summary set")
	}
	f := 1 / float64(rep.Articles)
	rep.Briefbot, rep.Baseline, rep.SummaryWords = rep.Briefbot.Scale(f), rep.Baseline.Scale(f), rep.SummaryWords*f
	switch rep.Set {
	case "cnndm":
		rep.Budget, rep.BaselineName = "3 sentences", "LEAD-3"
	case "bbc":
		rep.Budget, rep.BaselineName = "words = reference length", "leading sentences"
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// SummaryText joins a summary's points, one per line.
func SummaryText(s briefbot.Summary) string {
	var b strings.Builder
	for i, p := range s.Points {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Text)
	}
	return b.String()
}

// Detokenize undoes the PTB-style quotes of tokenised text: two backquotes
// and a space open a quote, a space and two apostrophes close one; both
// become a plain double quote attached to the quoted word, so that quotes
// read as quotes. Other spacing is left alone (it does not change ROUGE
// tokens).
func Detokenize(s string) string {
	return strings.NewReplacer("`` ", `"`, " ''", `"`, "``", `"`, "''", `"`).Replace(s)
}

// LeadingSentences is the leading-sentences baseline: the article's first
// sentences, in order, until they have at least words words.
func LeadingSentences(a briefbot.Article, words int) string {
	var parts []string
	n := 0
	for _, p := range a.Paragraphs {
		for _, s := range sentences(p.Text) {
			if n >= words {
				return strings.Join(parts, " ")
			}
			parts = append(parts, s)
			n += len(strings.Fields(s))
		}
	}
	return strings.Join(parts, " ")
}

// sentences splits a paragraph with the summarizer's splitter, so that the
// baselines and briefbot quote the same units.
func sentences(text string) []string { return summarize.Sentences(text) }

// Week is one line of weeks.jsonl.
type Week struct {
	Week      string         `json:"week"` // YYYY-MM-DD, the last day of the week
	Articles  []string       `json:"articles"`
	Questions []WeekQuestion `json:"questions"`
}

// WeekQuestion is a news-quiz question about a week, with its answer.
type WeekQuestion struct {
	QID      string `json:"qid"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// DigestOptions tune Digests.
type DigestOptions struct {
	Summarize Summarizer // nil = summarize.Articles
	Sentences int        // points per digest; 0 = 20
	Days      int        // days per digest, ending on the week's date; 0 = 7
}

// WeekResult is one week's digest, scored.
type WeekResult struct {
	Week      string
	Articles  int // articles published in the week
	Questions int
	Found     int // answers found in briefbot's digest
	Baseline  int // answers found in the baseline digest
	Reachable int // answers found anywhere in the week's articles
	Summary   briefbot.Summary
	Elapsed   time.Duration // time to summarise the week
}

// DigestReport is answer coverage of weekly digests, averaged over weeks.
type DigestReport struct {
	Sentences int
	Weeks     []WeekResult
	Coverage  float64 // briefbot
	Baseline  float64 // first sentence of the most recent articles
	Reachable float64 // share of answers that occur in the week's articles at all
	// Violations lists broken digest rules (repeated content, a point that
	// leans on an unquoted sentence), "week: what"; empty when all hold.
	Violations []string
}

// String is a short table, fit for a terminal or README.
func (r DigestReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "weekly digests (%d weeks, %d sentences): answer coverage\n", len(r.Weeks), r.Sentences)
	fmt.Fprintf(&b, "  briefbot                                      %.3f\n", r.Coverage)
	fmt.Fprintf(&b, "  first sentence of the %2d most recent articles %.3f\n", r.Sentences, r.Baseline)
	fmt.Fprintf(&b, "  (answers that occur in the week's articles    %.3f)", r.Reachable)
	if len(r.Violations) > 0 {
		fmt.Fprintf(&b, "\n  rule violations: %d", len(r.Violations))
	}
	return b.String()
}

// Digests summarises each week of weeksPath (weeks.jsonl) over the articles
// of articlesPath (articles.jsonl) published in the Days days ending on the
// week's date, and scores answer coverage: the share of the week's quiz
// answers found, as whole words and ignoring case, in the digest. The
// baseline digest is the first sentence of each of the most recent articles.
func Digests(weeksPath, articlesPath string, opts DigestOptions) (DigestReport, error) {
	arts, err := ReadArticles(articlesPath)
	if err != nil {
		return DigestReport{}, err
	}
	weeks, err := ReadWeeks(weeksPath)
	if err != nil {
		return DigestReport{}, err
	}
	return DigestsOf(weeks, arts, opts)
}

// ReadWeeks reads weeks.jsonl.
func ReadWeeks(path string) ([]Week, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ws []Week
	err = eachLine(f, 64<<20, func(line int, text string) error {
		var w Week
		if err := json.Unmarshal([]byte(text), &w); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if _, err := time.Parse(time.DateOnly, w.Week); err != nil {
			return fmt.Errorf("%s:%d: week %q is not YYYY-MM-DD", path, line, w.Week)
		}
		ws = append(ws, w)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ws, nil
}

// WeekArticles returns the articles published in the days days ending on
// day (inclusive), newest first.
func WeekArticles(arts []briefbot.Article, day time.Time, days int) []briefbot.Article {
	until := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, day.Location()).AddDate(0, 0, 1)
	since := until.AddDate(0, 0, -days)
	var out []briefbot.Article
	for _, a := range arts {
		if !a.Published.IsZero() && !a.Published.Before(since) && a.Published.Before(until) {
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Published.After(out[j].Published) })
	return out
}

// DigestsOf is Digests over weeks and articles already read.
func DigestsOf(weeks []Week, arts []briefbot.Article, opts DigestOptions) (DigestReport, error) {
	sumf := opts.Summarize
	if sumf == nil {
		sumf = summarize.Articles
	}
	n := opts.Sentences
	if n <= 0 {
		n = 20
	}
	days := opts.Days
	if days <= 0 {
		days = 7
	}
	rep := DigestReport{Sentences: n}
	for _, w := range weeks {
		day, err := time.Parse(time.DateOnly, w.Week)
		if err != nil {
			return rep, fmt.Errorf("week %q is not YYYY-MM-DD", w.Week)
		}
		if len(w.Questions) == 0 {
			continue
		}
		in := WeekArticles(arts, day, days)
		start := time.Now()
		sum := sumf(in, summarize.Options{Sentences: n})
		res := WeekResult{Week: w.Week, Articles: len(in), Questions: len(w.Questions), Summary: sum, Elapsed: time.Since(start)}
		digest := SummaryText(sum)
		base := FirstSentences(in, n)
		var all strings.Builder
		for _, a := range in {
			for _, p := range a.Paragraphs {
				all.WriteString(p.Text)
				all.WriteByte('\n')
			}
		}
		for _, q := range w.Questions {
			if ContainsWords(digest, q.Answer) {
				res.Found++
			}
			if ContainsWords(base, q.Answer) {
				res.Baseline++
			}
			if ContainsWords(all.String(), q.Answer) {
				res.Reachable++
			}
		}
		for _, v := range summarize.Check(sum, in) {
			rep.Violations = append(rep.Violations, w.Week+": "+v)
		}
		rep.Weeks = append(rep.Weeks, res)
		q := float64(res.Questions)
		rep.Coverage += float64(res.Found) / q
		rep.Baseline += float64(res.Baseline) / q
		rep.Reachable += float64(res.Reachable) / q
	}
	if len(rep.Weeks) == 0 {
		return rep, errors.New("no weeks with questions")
	}
	k := float64(len(rep.Weeks))
	rep.Coverage, rep.Baseline, rep.Reachable = rep.Coverage/k, rep.Baseline/k, rep.Reachable/k
	return rep, nil
}

// FirstSentences is the weekly baseline: the first sentence of each of the
// n most recent articles (arts newest first, as WeekArticles returns them).
func FirstSentences(arts []briefbot.Article, n int) string {
	var parts []string
	for _, a := range arts {
		if len(parts) == n {
			break
		}
		for _, p := range a.Paragraphs {
			if ss := sentences(p.Text); len(ss) > 0 {
				parts = append(parts, ss[0])
				break
			}
		}
	}
	return strings.Join(parts, "\n")
}

// ContainsWords reports whether phrase occurs in text as whole words,
// ignoring case: "Europe" is in "Europe's" and "in Europe." but not in
// "European".
func ContainsWords(text, phrase string) bool {
	phrase = strings.ToLower(strings.TrimSpace(phrase))
	if phrase == "" {
		return false
	}
	text = strings.ToLower(text)
	for off := 0; ; {
		i := strings.Index(text[off:], phrase)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(phrase)
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		after, _ := utf8.DecodeRuneInString(text[j:])
		if (i == 0 || !isWordRune(before)) && (j == len(text) || !isWordRune(after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		off = i + size
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// ReadArticles reads a JSONL article file the way ingest does
// (corpus.Parse: boilerplate paragraphs dropped, long ones split). A
// malformed line is an error: a silently shrunken set would mislead; an
// article left with no paragraphs has nothing to summarise and is skipped,
// as ingest skips it.
func ReadArticles(path string) ([]briefbot.Article, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	arts, warns := corpus.Parse(filepath.Base(path), data)
	for _, w := range warns {
		if strings.HasPrefix(w.Reason, "malformed") || strings.HasPrefix(w.Reason, "binary") {
			return nil, fmt.Errorf("%s", w)
		}
	}
	return arts, nil
}
