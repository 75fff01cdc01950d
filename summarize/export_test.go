package summarize

import "github.com/briefbot/briefbot"

// OutletWeight is the committed outlet weight, for the evaluation that
// checks it.
const OutletWeight = outletWeight

// WithOutletWeight is Articles with outletWeight replaced by w, for the
// cross-validation that chooses it (outlets_eval_test.go).
func WithOutletWeight(w float64) func([]briefbot.Article, Options) briefbot.Summary {
	return func(arts []briefbot.Article, opts Options) briefbot.Summary {
		t := defaultTuning
		t.outletWeight = w
		return articles(arts, opts, t)
	}
}
