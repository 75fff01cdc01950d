package bot

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

const (
	// maxInteractionBody caps what the endpoint reads: interaction payloads
	// are a few KiB, and VerifyInteraction itself reads without any cap.
	maxInteractionBody = 64 << 10
	// maxClockSkew refuses replayed requests: a signed body is only accepted
	// within this distance of its own timestamp.
	maxClockSkew = 5 * time.Minute
)

// endpoint is the HTTP interactions endpoint (serve --http): Discord POSTs
// each interaction here, signed with the application's Ed25519 key, and takes
// the initial response from the HTTP reply. Deferred answers are sent inline
// as type 5 and then edited over REST, through the same core as the gateway.
type endpoint struct {
	r   *responder
	pub ed25519.PublicKey
	log *slog.Logger
	now func() time.Time
}

func newEndpoint(r *responder, pub ed25519.PublicKey, log *slog.Logger) *endpoint {
	return &endpoint{r: r, pub: pub, log: log, now: time.Now}
}

// ServeHTTP answers one interaction POST: 405 for other methods, 413 for a
// body over maxInteractionBody, 401 unless Discord's signature checks out
// (which includes a timestamp within maxClockSkew of our clock: the only age
// check, since Discord signs when it sends), 400 for a body that is not an
// interaction we handle, 503 while shutting down, and otherwise 200 with the
// initial response.
func (e *endpoint) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	received := e.now()
	body, ok := e.readSigned(w, req, received)
	if !ok {
		return
	}
	i, ok := decodeInteraction(w, body)
	if !ok {
		return
	}
	// Its age was judged by the signed timestamp (verify): Discord sent it
	// just now by its own clock, whatever our clock says of the snowflake.
	// The timestamp has whole seconds: measure from the middle of its second.
	e.r.skew.observe(signedAt(req.Header).Add(500*time.Millisecond).Sub(received), "X-Signature-Timestamp", received)
	if !e.r.begin() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	e.answerInline(w, req, i, received)
}

// readSigned reads the body of a POST signed by Discord; otherwise it writes
// the refusal and reports false.
func (e *endpoint) readSigned(w http.ResponseWriter, req *http.Request, received time.Time) ([]byte, bool) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return nil, false
	}
	// Cap the body before verifying: the signature covers the whole body,
	// so the bytes have to be read first.
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxInteractionBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return nil, false
	}
	if !e.verify(req.Header, body, received) {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// decodeInteraction parses a verified body. It answers a PING itself and
// refuses what is not an interaction type we handle; it returns the
// interaction only when there is one to process.
func decodeInteraction(w http.ResponseWriter, body []byte) (*discordgo.Interaction, bool) {
	var probe struct {
		Type *discordgo.InteractionType `json:"type"`
	}
	if err := json.Unmarshal(body, &probe); err != nil || probe.Type == nil {
		http.Error(w, "body is not an interaction", http.StatusBadRequest)
		return nil, false
	}
	switch *probe.Type {
	case discordgo.InteractionPing:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"type":1}`)
		return nil, false
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent,
		discordgo.InteractionApplicationCommandAutocomplete, discordgo.InteractionModalSubmit:
	default:
		http.Error(w, "unknown interaction type", http.StatusBadRequest)
		return nil, false
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return nil, false
	}
	return &i, true
}

// inlineAck is an initial response handed to ServeHTTP, and where it
// reports once the response has been written and flushed (or could not be).
type inlineAck struct {
	resp    *discordgo.InteractionResponse
	written chan error
}

// answerInline processes i through the shared core and writes its initial
// response (the answer, or a type-5 deferral) as the HTTP reply. The caller
// must have called begin.
//
// The acknowledgement counts as sent only once the reply has been written
// and flushed: Discord learns of a deferral from the reply itself, and an
// edit of @original that reaches it first gets 10008 Unknown Message.
func (e *endpoint) answerInline(w http.ResponseWriter, req *http.Request, i *discordgo.Interaction, received time.Time) {
	acks := make(chan inlineAck, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		e.r.process(i, received, func(ctx context.Context, resp *discordgo.InteractionResponse) error {
			a := inlineAck{resp: resp, written: make(chan error, 1)}
			select {
			case acks <- a:
			default:
				return errors.New("initial response already sent")
			}
			select {
			case err := <-a.written:
				return err
			case <-ctx.Done():
				return fmt.Errorf("inline response not written in time: %w", ctx.Err())
			}
		})
	}()
	// process acknowledges by the deadline or gives up; the timer only
	// guards against a bug there.
	guard := time.NewTimer(e.r.ackTimeout + time.Second)
	defer guard.Stop()
	select {
	case a := <-acks:
		a.written <- writeJSONFlushed(w, a.resp)
	case <-finished:
		select {
		case a := <-acks:
			a.written <- writeJSONFlushed(w, a.resp)
		default:
			// The handler gave nothing in time (logged by process); the
			// request itself was valid, so it gets an answer, not a 500.
			_ = writeJSON(w, noAnswerFor(i))
		}
	case <-guard.C:
		e.log.Error("no initial response from process in time; answered with an apology", "interaction", i.ID)
		_ = writeJSON(w, noAnswerFor(i))
	case <-req.Context().Done():
		// Discord hung up; a late acknowledgement finds nobody reading.
		go func() {
			select {
			case a := <-acks:
				a.written <- errors.New("discord closed the request before the inline response")
			case <-finished:
			}
		}()
	}
}

// noAnswerFor is the inline reply when processing produced none: an empty
// choice list for autocomplete, else the generic apology.
func noAnswerFor(i *discordgo.Interaction) *discordgo.InteractionResponse {
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		return busyFor(i)
	}
	return errorResponse()
}

// writeJSONFlushed writes the reply and flushes it to the connection, so
// that it is on its way to Discord before anything follows over REST.
func writeJSONFlushed(w http.ResponseWriter, v any) error {
	if err := writeJSON(w, v); err != nil {
		return err
	}
	if err := http.NewResponseController(w).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("flushing the inline response: %w", err)
	}
	return nil
}

// signedAt is the time in X-Signature-Timestamp (checked by verify).
func signedAt(h http.Header) time.Time {
	secs, _ := strconv.ParseInt(h.Get("X-Signature-Timestamp"), 10, 64)
	return time.Unix(secs, 0)
}

// verify checks X-Signature-Ed25519 over X-Signature-Timestamp + body and
// that the timestamp is within maxClockSkew of now (replay protection, which
// discordgo.VerifyInteraction lacks).
func (e *endpoint) verify(h http.Header, body []byte, now time.Time) bool {
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false
	}
	ts := h.Get("X-Signature-Timestamp")
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(secs, 0)); d > maxClockSkew || d < -maxClockSkew {
		return false
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	return ed25519.Verify(e.pub, msg, sig)
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode response", http.StatusInternalServerError)
		return fmt.Errorf("encoding the inline response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing the inline response: %w", err)
	}
	return nil
}
