package fetch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestGetConditional: Get sends the caller's headers and returns a 304 as a
// response, with its headers and no body.
func TestGetConditional(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rssFeed)
	}))
	defer srv.Close()
	f := testFetcher()
	first, err := f.Get(context.Background(), srv.URL+"/feed", nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.StatusCode != 200 || first.Header.Get("ETag") != `"v1"` || string(first.Body) != rssFeed || first.URL.Path != "/feed" {
		t.Fatalf("first GET: %d %q, %d bytes, URL %v", first.StatusCode, first.Header.Get("ETag"), len(first.Body), first.URL)
	}
	again, err := f.Get(context.Background(), srv.URL+"/feed", http.Header{"If-None-Match": {`"v1"`}})
	if err != nil {
		t.Fatal(err)
	}
	if again.StatusCode != http.StatusNotModified || again.Body != nil {
		t.Errorf("conditional GET: %d with %d bytes, want 304 without a body", again.StatusCode, len(again.Body))
	}
}

// TestGetErrorStatusIsAResponse: a 429 comes back with its Retry-After; the
// size cap and the URL checks apply as in Fetch.
func TestGetErrorStatusIsAResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			io.WriteString(w, strings.Repeat("x", 2048))
			return
		}
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	f := New(Options{AllowLoopback: true, MaxBytes: 1024})
	resp, err := f.Get(context.Background(), srv.URL+"/feed", nil)
	if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "120" {
		t.Fatalf("Get = %+v, %v; want a 429 with Retry-After 120", resp, err)
	}
	if _, err := f.Get(context.Background(), srv.URL+"/big", nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Get of a body over the cap = %v, want ErrTooLarge", err)
	}
	if _, err := f.Get(context.Background(), "file:///etc/passwd", nil); err == nil {
		t.Error("Get accepted a file: URL")
	}
}

// TestAllowPrivate: the operator's fetcher reaches private and loopback
// addresses, never link-local ones nor the metadata address.
func TestAllowPrivate(t *testing.T) {
	for _, a := range []string{"127.0.0.1:80", "10.0.0.1:80", "192.168.1.5:8080", "100.64.0.1:80", "[fd00::1]:80"} {
		if err := checkAddr(a, true, true); err != nil {
			t.Errorf("checkAddr(%s) with AllowPrivate = %v", a, err)
		}
	}
	for _, a := range []string{"169.254.169.254:80", "169.254.1.1:80", "[fe80::1]:80", "0.0.0.0:80"} {
		if err := checkAddr(a, true, true); !errors.Is(err, ErrRefused) {
			t.Errorf("checkAddr(%s) with AllowPrivate = %v, want ErrRefused", a, err)
		}
	}
	srv := serveString(t, "application/rss+xml", rssFeed)
	if _, err := New(Options{AllowPrivate: true}).Fetch(context.Background(), srv.URL); err != nil {
		t.Errorf("AllowPrivate fetcher refused a loopback feed: %v", err)
	}
}
