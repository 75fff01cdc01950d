package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/bot"
	"github.com/briefbot/briefbot/eval"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/sharedtest"
)

// BenchmarkEvalHandleAsk measures what a Discord user waits for beyond the
// network: the handler's whole work for /ask (option parsing, Ask on the
// real index of the ~100k-paragraph news set, rendering within Discord's
// limits) over the news questions, reporting p50 and p99 per interaction.
func BenchmarkEvalHandleAsk(b *testing.B) {
	sharedtest.SkipEvalIfShort(b)
	articles := sharedtest.Path(b, "eval/news/articles.jsonl")
	qf, err := os.Open(sharedtest.Path(b, "eval/news/questions.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	qs, err := eval.ReadQuestions(qf)
	qf.Close()
	if err != nil {
		b.Fatal(err)
	}
	ix, err := index.Open(filepath.Join(b.TempDir(), "index"), index.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Ingest(context.Background(), []string{articles}, index.IngestOptions{}); err != nil {
		b.Fatal(err)
	}
	// The rate limit guards people, not this benchmark.
	h := bot.NewHandler(ix, bot.HandlerOptions{RateLimit: bot.RateLimit{Max: 1 << 30, Window: time.Second}})
	interactions := make([]*discordgo.Interaction, len(qs))
	for i, q := range qs {
		interactions[i] = askInteraction(strconv.Itoa(i), q.Question)
	}
	ctx := context.Background()
	for _, in := range interactions { // warm-up
		h.Handle(ctx, in)
	}
	b.ResetTimer()
	var ms []float64
	for n := 0; n < b.N; n++ {
		in := interactions[n%len(interactions)]
		start := time.Now()
		resp := h.Handle(ctx, in)
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
		if resp == nil || resp.Data == nil {
			b.Fatalf("no response for %q", in.ApplicationCommandData().Options[0].StringValue())
		}
	}
	b.ReportMetric(eval.Percentile(ms, 50), "p50-ms")
	b.ReportMetric(eval.Percentile(ms, 99), "p99-ms")
}

// askInteraction is an /ask interaction as the gateway delivers it.
func askInteraction(id, question string) *discordgo.Interaction {
	return &discordgo.Interaction{
		ID:        "9" + id,
		AppID:     "100000000000000001",
		Type:      discordgo.InteractionApplicationCommand,
		GuildID:   "300000000000000001",
		ChannelID: "300000000000000002",
		Token:     "token-" + id,
		Member: &discordgo.Member{
			User:        &discordgo.User{ID: "400000000000000001", Username: "reader"},
			Permissions: discordgo.PermissionSendMessages,
		},
		Data: discordgo.ApplicationCommandInteractionData{
			ID:   "500000000000000001",
			Name: "ask",
			Options: []*discordgo.ApplicationCommandInteractionDataOption{
				{Name: "question", Type: discordgo.ApplicationCommandOptionString, Value: question},
			},
		},
	}
}
