package summarize_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/eval"
	"github.com/briefbot/briefbot/internal/sharedtest"
	"github.com/briefbot/briefbot/neardup"
	"github.com/briefbot/briefbot/summarize"
)

// The outlet weight (how much each outlet beyond the first adds to a
// story's rank) is chosen by leave-one-week-out cross-validation on the
// weekly news digests: for each of the 12 weeks, the weight with the best
// answer coverage on the other 11 (averaged over the digest sizes below;
// ties to the smaller weight) is scored on the held-out week. The signal is
// kept only when those held-out scores beat weight 0 both in coverage and
// in answers found; otherwise the weight is 0 and the outlet count only
// breaks ties. Method and figures: docs/notebook/outlets-signal.md.

// cvWeights are the weights tried; 1000 puts outlets before size.
var cvWeights = []float64{0, 0.5, 1, 2, 4, 1000}

// cvBudgets are the digest sizes scored: the briefing's default (5), the
// digest evaluation's (20), one between and one below. With 20 points every
// story of two reports or more gets a point whatever the order, so order
// shows only at the smaller sizes.
var cvBudgets = []int{3, 5, 10, 20}

// foundTable holds the answers found in each week's digest, by weight,
// budget and week; questions the number of questions of each week.
type foundTable struct {
	found     [][][]int
	questions []int
	weeks     []string
}

// weekSet is the news set cut into weeks, with each article signed once
// (as an index signs it at ingest) so that the digests do not re-sign.
type weekSet struct {
	names []string
	arts  [][]briefbot.Article
	sigs  [][]neardup.Signature
	qs    [][]eval.WeekQuestion
}

func readWeeks(t *testing.T) weekSet {
	arts, err := eval.ReadArticles(sharedtest.Path(t, "eval/news/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	weeks, err := eval.ReadWeeks(sharedtest.Path(t, "eval/news/weeks.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var ws weekSet
	for _, w := range weeks {
		day, err := time.Parse(time.DateOnly, w.Week)
		if err != nil || len(w.Questions) == 0 {
			continue
		}
		in := eval.WeekArticles(arts, day, 7)
		sigs := make([]neardup.Signature, len(in))
		for i, a := range in {
			sigs[i] = neardup.Sign(a)
		}
		ws.names = append(ws.names, w.Week)
		ws.arts = append(ws.arts, in)
		ws.sigs = append(ws.sigs, sigs)
		ws.qs = append(ws.qs, w.Questions)
	}
	return ws
}

// measure scores every week's digest at every weight and budget, checking
// the digest rules on each.
func measure(t *testing.T, ws weekSet) foundTable {
	ft := foundTable{weeks: ws.names}
	for _, qs := range ws.qs {
		ft.questions = append(ft.questions, len(qs))
	}
	ft.found = make([][][]int, len(cvWeights))
	for wi, w := range cvWeights {
		sumf := summarize.WithOutletWeight(w)
		ft.found[wi] = make([][]int, len(cvBudgets))
		for bi, n := range cvBudgets {
			for k, in := range ws.arts {
				sum := sumf(in, summarize.Options{Sentences: n, Signatures: ws.sigs[k]})
				for _, v := range summarize.Check(sum, in) {
					t.Errorf("%s, weight %g, %d points: %s", ws.names[k], w, n, v)
				}
				digest, found := eval.SummaryText(sum), 0
				for _, q := range ws.qs[k] {
					if eval.ContainsWords(digest, q.Answer) {
						found++
					}
				}
				ft.found[wi][bi] = append(ft.found[wi][bi], found)
			}
		}
	}
	return ft
}

// coverage is the answer coverage (the share of a week's answers found,
// averaged over weeks) of weight pick(week) at budget bi over the weeks
// keep allows, and the answers found there.
func (ft foundTable) coverage(bi int, pick func(week int) int, keep func(week int) bool) (float64, int) {
	s, n, found := 0.0, 0, 0
	for k, q := range ft.questions {
		if keep(k) {
			f := ft.found[pick(k)][bi][k]
			s += float64(f) / float64(q)
			found += f
			n++
		}
	}
	return s / float64(n), found
}

// choose is the weight with the best coverage over the weeks keep allows,
// averaged over the budgets; ties go to the smaller weight.
func (ft foundTable) choose(keep func(week int) bool) int {
	best, bw := -1.0, 0
	for wi := range cvWeights {
		s := 0.0
		for bi := range cvBudgets {
			c, _ := ft.coverage(bi, func(int) int { return wi }, keep)
			s += c
		}
		if s > best+1e-12 {
			best, bw = s, wi
		}
	}
	return bw
}

func TestEvalOutletWeight(t *testing.T) {
	sharedtest.SkipEvalIfShort(t)
	ft := measure(t, readWeeks(t))
	all := func(int) bool { return true }
	var b strings.Builder
	fmt.Fprintf(&b, "answer coverage (answers found) of %d weeks, by points per digest %v\n", len(ft.weeks), cvBudgets)
	row := func(label string, pick func(int) int) (cov float64, found int) {
		fmt.Fprintf(&b, "  %-22s", label)
		for bi := range cvBudgets {
			c, f := ft.coverage(bi, pick, all)
			fmt.Fprintf(&b, "  %.3f (%3d)", c, f)
			cov, found = cov+c/float64(len(cvBudgets)), found+f
		}
		fmt.Fprintf(&b, "  mean %.4f, %d answers\n", cov, found)
		return cov, found
	}
	for wi, w := range cvWeights {
		row(fmt.Sprintf("in-sample, weight %g", w), func(int) int { return wi })
	}
	// Leave one week out: each week is scored with the weight chosen on
	// the other weeks.
	held := make([]int, len(ft.weeks))
	var chosen []string
	for k := range ft.weeks {
		held[k] = ft.choose(func(j int) bool { return j != k })
		chosen = append(chosen, fmt.Sprintf("%s→%g", ft.weeks[k], cvWeights[held[k]]))
	}
	oofCov, oofFound := row("out-of-fold", func(k int) int { return held[k] })
	baseCov, baseFound := row("weight 0", func(int) int { return 0 })
	fmt.Fprintf(&b, "weights chosen with each week held out: %s", strings.Join(chosen, " "))
	t.Log("\n" + b.String())

	want := 0.0
	if oofCov > baseCov && oofFound > baseFound {
		want = cvWeights[ft.choose(all)]
	}
	if summarize.OutletWeight != want {
		t.Errorf("outletWeight is %g, the cross-validation gives %g (out-of-fold %.4f, %d answers; weight 0 %.4f, %d)",
			summarize.OutletWeight, want, oofCov, oofFound, baseCov, baseFound)
	}
}
