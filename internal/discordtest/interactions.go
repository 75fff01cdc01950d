package discordtest

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Discord's interaction deadlines (interactions/receiving-and-responding):
// the initial response within 3 s of the interaction's creation, webhook
// calls (edit, follow-up, delete) within the token's 15 minutes.
const (
	CallbackWindow = 3 * time.Second
	TokenLifetime  = 15 * time.Minute
)

// interaction is what the fake knows of an interaction it sent.
type interaction struct {
	typ     discordgo.InteractionType
	created time.Time // from the snowflake; zero when the id is not one
}

// remember records i as sent by Discord (type and creation time), so that
// the answers to it can be checked.
func (s *Server) remember(i *discordgo.Interaction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interactions[i.ID] = &interaction{typ: i.Type, created: snowflakeTime(i.ID)}
	if i.Token != "" {
		s.tokens[i.Token] = i.ID
	}
}

func snowflakeTime(id string) time.Time {
	t, err := discordgo.SnowflakeTimestamp(id)
	if err != nil || t.Year() <= 2015 {
		return time.Time{}
	}
	return t
}

// idOfToken maps an interaction token to its interaction id: the ones the
// fake sent, else NewCommand's convention "tok-" + id.
func (s *Server) idOfToken(token string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.tokens[token]; ok {
		return id
	}
	return strings.TrimPrefix(token, "tok-")
}

// created is when interaction id was created (zero when unknown).
func (s *Server) created(id string) time.Time {
	s.mu.Lock()
	known := s.interactions[id]
	s.mu.Unlock()
	if known != nil {
		return known.created
	}
	return snowflakeTime(id)
}

// interactionType is the type of interaction id, or 0 when the fake did not
// send it.
func (s *Server) interactionType(id string) discordgo.InteractionType {
	s.mu.Lock()
	defer s.mu.Unlock()
	if known := s.interactions[id]; known != nil {
		return known.typ
	}
	return 0
}

// callbackFits reports whether Discord accepts callback type cb for an
// interaction of type it (receiving-and-responding, Interaction Callback
// Type: 6 and 7 only for components (and modals sent from one), 8 only for
// autocomplete, 9 not for autocomplete or a modal submit).
func callbackFits(it discordgo.InteractionType, cb discordgo.InteractionResponseType) bool {
	switch it {
	case 0:
		return true // an interaction the fake did not send: nothing to go by
	case discordgo.InteractionPing:
		return cb == discordgo.InteractionResponsePong // an endpoint's health check
	case discordgo.InteractionApplicationCommandAutocomplete:
		return cb == discordgo.InteractionApplicationCommandAutocompleteResult
	case discordgo.InteractionApplicationCommand:
		return cb == discordgo.InteractionResponseChannelMessageWithSource ||
			cb == discordgo.InteractionResponseDeferredChannelMessageWithSource || cb == discordgo.InteractionResponseModal
	case discordgo.InteractionMessageComponent:
		return cb >= discordgo.InteractionResponseChannelMessageWithSource && cb != discordgo.InteractionApplicationCommandAutocompleteResult
	case discordgo.InteractionModalSubmit:
		return cb >= discordgo.InteractionResponseChannelMessageWithSource && cb <= discordgo.InteractionResponseUpdateMessage
	}
	return false
}

type callbackBody struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data *struct {
		messageBody
		Flags int `json:"flags"`
	} `json:"data"`
}

// acknowledge checks an initial response (a callback POST or an HTTP
// endpoint's inline reply) as Discord would and, when it is accepted, marks
// the interaction answered.
func (s *Server) acknowledge(id string, body []byte) (int, map[string]string, string) {
	var cb callbackBody
	if err := json.Unmarshal(body, &cb); err != nil || cb.Type == 0 {
		return s.refuse(formErrors{"type": {"BASE_TYPE_REQUIRED", "This field is required"}})
	}
	if !callbackFits(s.interactionType(id), cb.Type) {
		return s.refuse(formErrors{"type": {"INTERACTION_RESPONSE_TYPE_INVALID", fmt.Sprintf("Interaction response type %d is not valid for this interaction", cb.Type)}})
	}
	if c := s.created(id); !c.IsZero() && s.Now().Sub(c) > CallbackWindow {
		return 404, nil, `{"message":"Unknown interaction","code":10062}`
	}
	if cb.Data != nil {
		errs := formErrors{}
		validateMessage("data", &cb.Data.messageBody, errs)
		if len(errs) > 0 {
			return s.refuse(errs)
		}
	}
	if cb.Type == discordgo.InteractionResponseChannelMessageWithSource && (cb.Data == nil || emptyMessage(&cb.Data.messageBody)) {
		return s.refuseEmpty()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.acked[id] {
		return 400, nil, `{"message":"Interaction has already been acknowledged.","code":40060}`
	}
	s.acked[id] = true
	if cb.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource && (cb.Data == nil || cb.Data.Flags&int(discordgo.MessageFlagsEphemeral) == 0) {
		s.thinking[id] = true
	}
	return 204, nil, ""
}

// refuse answers 400 Invalid Form Body naming the offending fields, and
// fails the test unless it expects refusals: a bot must not send what
// Discord refuses.
func (s *Server) refuse(errs formErrors) (int, map[string]string, string) {
	if !s.expectRefusals() {
		s.t.Errorf("discordtest: Discord would refuse this body (50035 Invalid Form Body): %s", errs.paths())
	}
	return 400, nil, errs.body()
}

// messageErrors decodes a message body and checks it against Discord's
// limits: what Discord would refuse, by field path; none when it passes.
func messageErrors(body []byte) (messageBody, formErrors) {
	var m messageBody
	if err := json.Unmarshal(body, &m); err != nil {
		return m, formErrors{"_": {"BASE_TYPE_BAD_JSON", err.Error()}}
	}
	errs := formErrors{}
	validateMessage("", &m, errs)
	return m, errs
}

func (s *Server) refuseEmpty() (int, map[string]string, string) {
	if !s.expectRefusals() {
		s.t.Errorf("discordtest: Discord would refuse an empty message (50006)")
	}
	return 400, nil, `{"message":"Cannot send an empty message","code":50006}`
}

func (s *Server) expectRefusals() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ExpectRefusals
}

// tokenExpired is Discord's answer to a webhook call on an interaction token
// past its 15 minutes (discord-api-docs#6851).
func (s *Server) tokenExpired(id string) bool {
	c := s.created(id)
	return !c.IsZero() && s.Now().Sub(c) > TokenLifetime
}

func invalidWebhookToken() (int, map[string]string, string) {
	return 401, nil, `{"message":"Invalid Webhook Token","code":50027}`
}

func (s *Server) isAcked(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acked[id]
}

// editOriginal is PATCH /webhooks/{app}/{token}/messages/@original.
func (s *Server) editOriginal(id string, body []byte) (int, map[string]string, string) {
	if s.tokenExpired(id) {
		return invalidWebhookToken()
	}
	if !s.isAcked(id) {
		// Discord has no original response to edit before the callback.
		return unknownMessage()
	}
	m, errs := messageErrors(body)
	if len(errs) > 0 {
		return s.refuse(errs)
	}
	if m.Content != nil && m.Embeds != nil && emptyMessage(&m) {
		return s.refuseEmpty()
	}
	s.mu.Lock()
	delete(s.thinking, id)
	s.mu.Unlock()
	msg := map[string]any{}
	_ = json.Unmarshal(body, &msg)
	msg["id"] = s.NewID()
	b, _ := json.Marshal(msg)
	return 200, nil, string(b)
}

// deleteOriginal is DELETE /webhooks/{app}/{token}/messages/@original.
func (s *Server) deleteOriginal(id string) (int, map[string]string, string) {
	if s.tokenExpired(id) {
		return invalidWebhookToken()
	}
	if !s.isAcked(id) {
		return unknownMessage()
	}
	return 204, nil, ""
}

// followup is POST /webhooks/{app}/{token}: a follow-up message, refused
// before the interaction was acknowledged. It fails the test when it is
// ephemeral but would become the public "thinking" message of a public
// deferral.
func (s *Server) followup(id string, body []byte) (int, map[string]string, string) {
	if s.tokenExpired(id) {
		return invalidWebhookToken()
	}
	if !s.isAcked(id) {
		return 404, nil, `{"message":"Unknown Webhook","code":10015}`
	}
	m, errs := messageErrors(body)
	if len(errs) > 0 {
		return s.refuse(errs)
	}
	if emptyMessage(&m) {
		return s.refuseEmpty()
	}
	msg := map[string]any{}
	_ = json.Unmarshal(body, &msg)
	s.mu.Lock()
	replaces := s.thinking[id]
	delete(s.thinking, id)
	s.mu.Unlock()
	if flags, _ := msg["flags"].(float64); replaces && int(flags)&int(discordgo.MessageFlagsEphemeral) != 0 {
		s.t.Errorf("discordtest: an ephemeral first follow-up after a public deferral: Discord makes it the public \"thinking\" message")
	}
	msg["id"] = s.NewID()
	b, _ := json.Marshal(msg)
	return 200, nil, string(b)
}

// PublicKey is the hex Ed25519 public key with which the fake signs the
// interactions it POSTs (ServeConfig.PublicKey).
func (s *Server) PublicKey() string { return hex.EncodeToString(s.signer.Public().(ed25519.PublicKey)) }

// Inline is one reply of an HTTP interactions endpoint, as PostInteraction
// received it.
type Inline struct {
	Status int
	Body   []byte
	// Accepted says Discord took the reply as the interaction's initial
	// response (200, a valid body, in time, not answered before).
	Accepted bool
}

// PostInteraction delivers i to an HTTP interactions endpoint at url the way
// Discord does: signed with the fake's key and the fake clock's time. The
// interaction counts as acknowledged only once the endpoint's reply has been
// read in full, and only when Discord would accept it as the initial
// response; an edit of @original that arrives earlier gets 10008.
func (s *Server) PostInteraction(url string, i *discordgo.Interaction) Inline {
	s.t.Helper()
	s.remember(i)
	body, err := json.Marshal(i)
	if err != nil {
		s.t.Fatalf("discordtest: marshal interaction: %v", err)
	}
	stamp := strconv.FormatInt(s.Now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		s.t.Fatalf("discordtest: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(s.signer, append([]byte(stamp), body...))))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Errorf("discordtest: POST interaction: %v", err)
		return Inline{}
	}
	out, err := io.ReadAll(res.Body)
	res.Body.Close()
	in := Inline{Status: res.StatusCode, Body: out}
	if err != nil || res.StatusCode != http.StatusOK {
		return in
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.t.Errorf("discordtest: inline reply with Content-Type %q", ct)
		return in
	}
	status, _, _ := s.acknowledge(i.ID, out)
	in.Accepted = status == 204
	s.mu.Lock()
	s.changed()
	s.mu.Unlock()
	return in
}
