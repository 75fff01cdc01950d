package eval

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

func TestReadQuestions(t *testing.T) {
	in := `{"qid":"a","question":"Who won?","asof":"2022-06-17","answer":"x","relevant":["art#1"]}

{"qid":"b","question":"Where?","relevant":["art#2","art#3"]}
`
	qs, err := ReadQuestions(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 || qs[0].AsOf != "2022-06-17" || qs[1].Relevant[1] != "art#3" {
		t.Fatalf("got %+v", qs)
	}
	if _, err := ReadQuestions(strings.NewReader("{\"qid\":\"a\"}\n{broken\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("malformed line: err = %v, want one naming line 2", err)
	}
	if _, err := ReadQuestions(strings.NewReader(`{"qid":"a","asof":"17/06/2022"}`)); err == nil {
		t.Fatal("bad asof accepted")
	}
}

func TestScore(t *testing.T) {
	qs := []Question{
		{QID: "first", Relevant: []string{"a#1"}},
		{QID: "third", Relevant: []string{"c#1", "z#9"}},
		{QID: "seventh", Relevant: []string{"g#1"}},
		{QID: "missing", Relevant: []string{"q#1"}},
	}
	results := []QuestionResult{
		{QID: "first", Hits: []string{"a#1", "b#1"}, MS: 1},
		{QID: "third", Hits: []string{"a#1", "b#1", "c#1"}, MS: 2},
		{QID: "seventh", Hits: []string{"a#1", "b#1", "c#1", "d#1", "e#1", "f#1", "g#1"}, MS: 3},
		{QID: "missing", Hits: nil, MS: 10},
	}
	m := Score(qs, results)
	if m.R1 != 0.25 || m.R5 != 0.5 || m.R10 != 0.75 {
		t.Errorf("recall = %v/%v/%v, want 0.25/0.5/0.75", m.R1, m.R5, m.R10)
	}
	if want := (1 + 1.0/3 + 1.0/7) / 4; abs(m.MRR10-want) > 1e-9 {
		t.Errorf("MRR@10 = %v, want %v", m.MRR10, want)
	}
	if m.P50MS != 2 || m.P99MS != 10 {
		t.Errorf("p50/p99 = %v/%v, want 2/10", m.P50MS, m.P99MS)
	}
}

func TestRetrievalPassesAsOfAndDedupesParts(t *testing.T) {
	qs := []Question{{QID: "q", Question: "what?", AsOf: "2022-06-17", Relevant: []string{"b#2"}}}
	calls := 0
	ask := func(_ context.Context, q string, opts briefbot.AskOptions) (briefbot.Answer, error) {
		calls++
		if want := time.Date(2022, 6, 17, 0, 0, 0, 0, time.UTC); !opts.AsOf.Equal(want) {
			t.Errorf("AsOf = %v, want %v", opts.AsOf, want)
		}
		if opts.K < 10 {
			t.Errorf("K = %d, want at least 10", opts.K)
		}
		// Two parts of one split paragraph come back as two passages with one id.
		return briefbot.Answer{Passages: []briefbot.Passage{{ID: "a#1"}, {ID: "a#1"}, {ID: "b#2"}}}, nil
	}
	res, m, err := Retrieval(context.Background(), ask, qs, 5)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("Ask called %d times, want 2 (warm-up and timed pass)", calls)
	}
	if got := strings.Join(res[0].Hits, ","); got != "a#1,b#2" {
		t.Errorf("hits = %s, want a#1,b#2", got)
	}
	if m.MRR10 != 0.5 {
		t.Errorf("MRR@10 = %v, want 0.5", m.MRR10)
	}

	boom := errors.New("boom")
	_, _, err = Retrieval(context.Background(), func(context.Context, string, briefbot.AskOptions) (briefbot.Answer, error) {
		return briefbot.Answer{}, boom
	}, qs, 10)
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want wrapped boom", err)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
