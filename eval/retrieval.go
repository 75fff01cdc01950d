// Package eval measures briefbot against evaluation sets: retrieval quality
// of Ask (recall@k, MRR@10) and summary quality (ROUGE, answer coverage).
// It is shared by `briefbot eval` and the quality tests, so the numbers in
// the README and the ones CI guards are computed by the same code.
package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/briefbot/briefbot"
)

// Question is one line of a questions file:
// {"qid","question","asof"?,"relevant":[paragraph ids]}. Other fields
// (such as "answer") are ignored.
type Question struct {
	QID      string   `json:"qid"`
	Question string   `json:"question"`
	AsOf     string   `json:"asof,omitempty"` // YYYY-MM-DD: the day the question is asked
	Relevant []string `json:"relevant"`
}

// ReadQuestions reads a questions file. A malformed line is an error naming
// the line: an evaluation on a silently shrunken set would mislead.
func ReadQuestions(r io.Reader) ([]Question, error) {
	var qs []Question
	err := eachLine(r, 16<<20, func(line int, text string) error {
		var q Question
		if err := json.Unmarshal([]byte(text), &q); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if q.AsOf != "" {
			if _, err := time.Parse(time.DateOnly, q.AsOf); err != nil {
				return fmt.Errorf("line %d: asof %q is not YYYY-MM-DD", line, q.AsOf)
			}
		}
		qs = append(qs, q)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return qs, nil
}

// errStopLines ends eachLine early without an error.
var errStopLines = errors.New("stop")

// eachLine calls fn with every non-blank line of r, trimmed, and its 1-based
// number, until fn returns an error (errStopLines stops quietly). A line may
// be up to max bytes; a longer one, or a read error, is returned.
func eachLine(r io.Reader, max int, fn func(line int, text string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), max)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		if err := fn(line, text); err == errStopLines {
			return nil
		} else if err != nil {
			return err
		}
	}
	return sc.Err()
}

// Asker answers a question; *index.Index's Ask method fits.
type Asker func(ctx context.Context, question string, opts briefbot.AskOptions) (briefbot.Answer, error)

// QuestionResult is what one question got: paragraph ids in rank order and
// the time Ask took.
type QuestionResult struct {
	QID  string   `json:"qid"`
	Hits []string `json:"hits"`
	MS   float64  `json:"ms"`
}

// Metrics summarise a run.
type Metrics struct {
	Questions int     `json:"questions"`
	R1        float64 `json:"recall@1"`
	R5        float64 `json:"recall@5"`
	R10       float64 `json:"recall@10"`
	MRR10     float64 `json:"mrr@10"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
}

// Retrieval asks every question with k passages and scores the answers.
// Recall@n is the share of questions with a relevant paragraph among the
// first n hits (the usual "success at n" for single-answer QA). Timings come
// from a second pass, after one untimed warm-up pass over all questions, so
// they measure a warm index rather than the first page faults.
func Retrieval(ctx context.Context, ask Asker, qs []Question, k int) ([]QuestionResult, Metrics, error) {
	if k < 10 {
		k = 10 // MRR@10 and recall@10 need ten ranks
	}
	run := func() ([]QuestionResult, error) {
		out := make([]QuestionResult, 0, len(qs))
		for _, q := range qs {
			opts := briefbot.AskOptions{K: k}
			if q.AsOf != "" {
				day, _ := time.Parse(time.DateOnly, q.AsOf) // validated by ReadQuestions
				opts.AsOf = day
			}
			start := time.Now()
			ans, err := ask(ctx, q.Question, opts)
			elapsed := time.Since(start)
			if err != nil {
				return nil, fmt.Errorf("question %s: %w", q.QID, err)
			}
			out = append(out, QuestionResult{QID: q.QID, Hits: hitIDs(ans.Passages), MS: float64(elapsed.Microseconds()) / 1000})
		}
		return out, nil
	}
	if _, err := run(); err != nil {
		return nil, Metrics{}, err
	}
	results, err := run()
	if err != nil {
		return nil, Metrics{}, err
	}
	return results, Score(qs, results), nil
}

// hitIDs lists the paragraph ids of passages in rank order, once each: the
// parts of a split paragraph share their paragraph's id.
func hitIDs(ps []briefbot.Passage) []string {
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		if !slices.Contains(ids, p.ID) {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// Score computes the metrics of results against the questions' labels.
func Score(qs []Question, results []QuestionResult) Metrics {
	m := Metrics{Questions: len(qs)}
	if len(qs) == 0 {
		return m
	}
	byID := make(map[string]QuestionResult, len(results))
	for _, r := range results {
		byID[r.QID] = r
	}
	var times []float64
	for _, q := range qs {
		r := byID[q.QID]
		times = append(times, r.MS)
		rank := firstRelevant(r.Hits, q.Relevant)
		if rank == 0 {
			continue
		}
		if rank <= 1 {
			m.R1++
		}
		if rank <= 5 {
			m.R5++
		}
		if rank <= 10 {
			m.R10++
			m.MRR10 += 1 / float64(rank)
		}
	}
	n := float64(len(qs))
	m.R1, m.R5, m.R10, m.MRR10 = m.R1/n, m.R5/n, m.R10/n, m.MRR10/n
	m.P50MS, m.P99MS = Percentile(times, 50), Percentile(times, 99)
	return m
}

// firstRelevant returns the 1-based rank of the first relevant hit, or 0.
func firstRelevant(hits, relevant []string) int {
	for i, h := range hits {
		if slices.Contains(relevant, h) {
			return i + 1
		}
	}
	return 0
}

// Percentile returns the p-th percentile (nearest rank) of xs.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// String formats metrics for people.
func (m Metrics) String() string {
	return fmt.Sprintf("questions %d  recall@1 %.3f  recall@5 %.3f  recall@10 %.3f  MRR@10 %.3f  p50 %.1f ms  p99 %.1f ms",
		m.Questions, m.R1, m.R5, m.R10, m.MRR10, m.P50MS, m.P99MS)
}
