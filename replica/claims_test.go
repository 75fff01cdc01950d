package replica

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

const testStale = 10 * time.Minute

func newTestClaims(t *testing.T, n int, clock *testClock) []*Claims {
	t.Helper()
	js := kvTestJS(t)
	out := make([]*Claims, n)
	for i := range out {
		c, err := NewClaims(testCtx(t), js, fmt.Sprintf("replica-%d", i), 1, testStale, KVClock(clock.Now))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// claimAll has every claimer ask for key at once.
func claimAll(t *testing.T, cs []*Claims, key string) []ClaimResult {
	t.Helper()
	res := make([]ClaimResult, len(cs))
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() { res[i], errs[i] = c.Claim(testCtx(t), key, fmt.Sprintf("nonce-%d", i)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("claimer %d: %v", i, err)
		}
	}
	return res
}

func granted(res []ClaimResult) []int {
	var out []int
	for i, r := range res {
		if r.Granted {
			out = append(out, i)
		}
	}
	return out
}

func TestClaimsOneOfManyRacing(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	cs := newTestClaims(t, 5, clock)
	for day := range 20 {
		key := fmt.Sprintf("123.2026-03-%02d", day+1)
		res := claimAll(t, cs, key)
		g := granted(res)
		if len(g) != 1 {
			t.Fatalf("%s: granted to %v, want exactly one: %+v", key, g, res)
		}
		for i, r := range res {
			if i != g[0] && (r.Done || r.Holder != fmt.Sprintf("replica-%d", g[0])) {
				t.Errorf("%s: claimer %d got %+v, want held by replica-%d, not done", key, i, r, g[0])
			}
		}
	}
}

// A holder that never finishes is taken over once the others have seen its
// claim unchanged for the stale timeout, by one of them only, who learns the
// nonce of the dead attempt.
func TestClaimsStaleTakeover(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	cs := newTestClaims(t, 4, clock)
	const key = "123.2026-03-29"
	if r, err := cs[0].Claim(testCtx(t), key, "brief-dead"); err != nil || !r.Granted {
		t.Fatalf("first claim: %+v, %v", r, err)
	}
	others := cs[1:]
	if g := granted(claimAll(t, others, key)); len(g) != 0 {
		t.Fatalf("taken over at once by %v", g)
	}
	clock.Advance(testStale - time.Second)
	if g := granted(claimAll(t, others, key)); len(g) != 0 {
		t.Fatalf("taken over before the stale timeout by %v", g)
	}
	clock.Advance(time.Second)
	res := claimAll(t, others, key)
	g := granted(res)
	if len(g) != 1 {
		t.Fatalf("after the stale timeout granted to %v, want one: %+v", g, res)
	}
	if w := res[g[0]]; w.PrevNonce != "brief-dead" || w.Holder != "replica-0" {
		t.Errorf("takeover %+v, want the dead attempt's nonce brief-dead from replica-0", w)
	}
	// The new holder's claim is fresh: nobody takes it over at once.
	if g2 := granted(claimAll(t, append(others[:g[0]:g[0]], others[g[0]+1:]...), key)); len(g2) != 0 {
		t.Errorf("the takeover was taken over at once by %v", g2)
	}
}

// A claim that changes (its holder retrying) is not stale, however long
// it has existed.
func TestClaimsRetryingHolderIsNotStale(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	cs := newTestClaims(t, 2, clock)
	const key = "123.2026-10-25"
	for i := range 4 {
		r, err := cs[0].Claim(testCtx(t), key, "brief-20261025")
		if err != nil || !r.Granted {
			t.Fatalf("holder's attempt %d: %+v, %v", i, r, err)
		}
		if i > 0 && r.PrevNonce != "brief-20261025" {
			t.Errorf("holder's retry %d: PrevNonce %q, want its own earlier nonce", i, r.PrevNonce)
		}
		if r, err := cs[1].Claim(testCtx(t), key, "x"); err != nil || r.Granted {
			t.Fatalf("other replica at step %d: %+v, %v", i, r, err)
		}
		clock.Advance(testStale * 3 / 4)
	}
}

// A done claim is never taken over, and everyone learns its outcome.
func TestClaimsDoneIsFinal(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	cs := newTestClaims(t, 3, clock)
	const key = "operator.2026-03-29"
	if r, err := cs[0].Claim(testCtx(t), key, "n"); err != nil || !r.Granted {
		t.Fatalf("claim: %+v, %v", r, err)
	}
	claimAll(t, cs[1:], key) // seen, not stale yet
	if err := cs[0].Done(testCtx(t), key, "posted"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		clock.Advance(testStale * 2)
		for i, r := range claimAll(t, cs, key) {
			if r.Granted || !r.Done || r.Outcome != "posted" || r.Holder != "replica-0" {
				t.Fatalf("claimer %d after done: %+v, want done (posted by replica-0)", i, r)
			}
		}
	}
	// Done again, or by another replica, changes nothing.
	if err := cs[2].Done(testCtx(t), key, "failed"); err != nil {
		t.Fatal(err)
	}
	if r, _ := cs[1].Claim(testCtx(t), key, "n"); r.Outcome != "posted" {
		t.Errorf("outcome after a second Done: %+v", r)
	}
	// Done on a key nobody claimed settles it too.
	if err := cs[1].Done(testCtx(t), "456.2026-03-29", "empty"); err != nil {
		t.Fatal(err)
	}
	if r, _ := cs[0].Claim(testCtx(t), "456.2026-03-29", "n"); r.Granted || !r.Done || r.Outcome != "empty" {
		t.Errorf("claim of a key settled without a claim: %+v", r)
	}
}

func TestClaimsRefuseNoTimeout(t *testing.T) {
	t.Parallel()
	if _, err := NewClaims(testCtx(t), kvTestJS(t), "r", 1, 0); err == nil {
		t.Error("a zero stale timeout was accepted")
	}
}
