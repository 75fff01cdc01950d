package bot

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/briefbot/briefbot"
)

// cannedEngine answers Ask instantly with fixed passages, so that the
// benchmark measures the handler's own work: option parsing, rate limiting,
// rendering, limit enforcement and logging.
type cannedEngine struct {
	fakeEngine
	ans briefbot.Answer
}

func (c *cannedEngine) Ask(ctx context.Context, q string, opts briefbot.AskOptions) (briefbot.Answer, error) {
	return c.ans, nil
}

// BenchmarkHandleAsk is the handler's cost per /ask with three full-size
// passages (1,500-rune paragraphs with markdown and mentions to escape).
func BenchmarkHandleAsk(b *testing.B) {
	arts := testArticles()
	var ps []briefbot.Passage
	for k := range 3 {
		text := hugeText(1500)
		ps = append(ps, briefbot.Passage{
			Article: arts[k].Ref(), Paragraph: k + 1, ID: briefbot.ParagraphID(arts[k].ID, k+1),
			Text: text, Answer: text[200:400],
		})
	}
	eng := &cannedEngine{ans: briefbot.Answer{Passages: ps, Articles: 2092}}
	h := NewHandler(eng, HandlerOptions{
		Location:  testZone,
		Logger:    slog.New(slog.NewJSONHandler(io.Discard, nil)),
		RateLimit: RateLimit{Max: -1},
	})
	i := guildCommand("1", memberPerms, cmdAsk, strOpt("question", "What happened in Kursk?"), strOpt("since", "7d"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp := h.Handle(ctx, i)
		if len(resp.Data.Embeds) != 3 {
			b.Fatalf("got %d embeds", len(resp.Data.Embeds))
		}
	}
}
