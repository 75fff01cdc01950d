package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/briefbot/briefbot/replica"
)

// natsConfig is BRIEFBOT_NATS_*: how this process joins a deployment of
// replicas on NATS JetStream. The zero value (no URL) is a single instance
// with its own index, as before replicas existed.
type natsConfig struct {
	url      string // BRIEFBOT_NATS_URL: one or more comma-separated server URLs
	creds    string // BRIEFBOT_NATS_CREDS: a .creds file (JWT and NKey seed); "" = none
	name     string // BRIEFBOT_REPLICA: this replica's name, its durable consumer
	replicas int    // BRIEFBOT_NATS_REPLICAS: copies NATS keeps of the stream and buckets
}

// enabled says whether this process is a replica.
func (c natsConfig) enabled() bool { return c.url != "" }

// defaultNATSReplicas is the stream's replication factor when
// BRIEFBOT_NATS_REPLICAS is not set: 3, the size of the smallest NATS
// cluster that survives the loss of a node. A single NATS server refuses
// it, loudly, at start and in doctor (which say to set 1); a default of 1
// would instead run a three-node cluster with one copy, unnoticed until
// that node is lost.
const defaultNATSReplicas = 3

// maxNATSReplicas is JetStream's own limit on a stream's replicas.
const maxNATSReplicas = 5

// replicaName is what a replica name may be: it names a JetStream durable
// consumer (no dots, spaces, wildcards or path separators) and appears in
// logs and lease records.
var replicaName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// hostname is os.Hostname, replaced in tests.
var hostname = os.Hostname

// loadNATSConfig reads and checks the replica settings. Setting any of
// them without BRIEFBOT_NATS_URL is an error: a misspelled URL variable
// would otherwise leave a process that was meant to be a replica running
// alone, its index drifting from the others'.
func loadNATSConfig(getenv env) (natsConfig, error) {
	var c natsConfig
	raw := strings.TrimSpace(getenv("BRIEFBOT_NATS_URL"))
	if raw == "" {
		for _, k := range []string{"BRIEFBOT_NATS_CREDS", "BRIEFBOT_REPLICA", "BRIEFBOT_NATS_REPLICAS"} {
			if strings.TrimSpace(getenv(k)) != "" {
				return c, usagef("%s is set but BRIEFBOT_NATS_URL is not: set BRIEFBOT_NATS_URL to your NATS servers (e.g. nats://nats-1:4222), or unset %s", k, k)
			}
		}
		return c, nil
	}
	urls, err := checkNATSURLs(raw)
	if err != nil {
		return c, err
	}
	c.url = urls
	if c.creds = strings.TrimSpace(getenv("BRIEFBOT_NATS_CREDS")); c.creds != "" {
		f, err := os.Open(c.creds)
		if err != nil {
			return c, usagef("BRIEFBOT_NATS_CREDS: cannot read %s: %v", c.creds, unwrapPathError(err))
		}
		f.Close()
	}
	if c.name, err = loadReplicaName(getenv); err != nil {
		return c, err
	}
	c.replicas = defaultNATSReplicas
	if v := strings.TrimSpace(getenv("BRIEFBOT_NATS_REPLICAS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxNATSReplicas {
			return c, usagef("BRIEFBOT_NATS_REPLICAS %q is not a number of copies from 1 to %d (3 on a three-node NATS cluster, 1 on a single NATS server)", v, maxNATSReplicas)
		}
		c.replicas = n
	}
	return c, nil
}

// checkNATSURLs checks each comma-separated server URL and returns them
// joined again without spaces, as nats.Connect takes them. Errors show a
// URL with its password masked: it may carry user:password.
func checkNATSURLs(raw string) (string, error) {
	var urls []string
	for _, s := range strings.Split(raw, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil {
			return "", usagef("BRIEFBOT_NATS_URL: an entry is not a URL like nats://host:4222 (%s)", redactedURLError(s))
		}
		switch {
		case u.Scheme != "nats" && u.Scheme != "tls" && u.Scheme != "ws" && u.Scheme != "wss":
			return "", usagef("BRIEFBOT_NATS_URL %q: want nats://, tls://, ws:// or wss:// URLs, comma-separated (e.g. nats://nats-1:4222)", u.Redacted())
		case u.Hostname() == "":
			return "", usagef("BRIEFBOT_NATS_URL %q names no host (e.g. nats://nats-1:4222)", u.Redacted())
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return "", usagef("BRIEFBOT_NATS_URL %q: the port must be a number from 1 to 65535", u.Redacted())
			}
		}
		urls = append(urls, s)
	}
	if len(urls) == 0 {
		return "", usagef("BRIEFBOT_NATS_URL %q names no server (e.g. nats://nats-1:4222)", raw)
	}
	return strings.Join(urls, ","), nil
}

// redactedURLError says why s does not parse without repeating s, which
// may hold a password.
func redactedURLError(s string) string {
	_, err := url.Parse(s)
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "unreadable"
}

// loadReplicaName is BRIEFBOT_REPLICA, else the host name with the
// characters a consumer name may not hold turned into "-" (a dotted FQDN
// becomes a-b-c). An explicit name is checked, not rewritten: two
// replicas must never share a name, and silently rewriting could make
// two names one.
func loadReplicaName(getenv env) (string, error) {
	if v := strings.TrimSpace(getenv("BRIEFBOT_REPLICA")); v != "" {
		if !replicaName.MatchString(v) {
			return "", usagef("BRIEFBOT_REPLICA %q is not a replica name: 1 to 64 letters, digits, - or _, unique in the deployment", v)
		}
		return v, nil
	}
	h, err := hostname()
	name := strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, strings.TrimSpace(h))
	if len(name) > 64 {
		name = name[:64]
	}
	if err != nil || strings.Trim(name, "-") == "" {
		return "", usagef("BRIEFBOT_REPLICA is not set and the host name cannot stand in for it (%q): set BRIEFBOT_REPLICA to a name unique in the deployment", h)
	}
	return name, nil
}

// unwrapPathError drops the path an *os.PathError repeats, for messages
// that name the path themselves.
func unwrapPathError(err error) error {
	if pe := (*os.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// replica is the configuration package replica takes.
func (c natsConfig) replica() replica.Config {
	return replica.Config{URL: c.url, Creds: c.creds, Name: c.name, Replicas: c.replicas}
}

// describe names the replica and its servers for the log, without the
// credentials a URL may hold.
func (c natsConfig) describe() string {
	var hosts []string
	for _, s := range strings.Split(c.url, ",") {
		if u, err := url.Parse(s); err == nil {
			hosts = append(hosts, u.Host)
		}
	}
	return fmt.Sprintf("replica %s on %s (stream ×%d)", c.name, strings.Join(hosts, ","), c.replicas)
}
