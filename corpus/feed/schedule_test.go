package feed

import (
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	const rss = `<?xml version="1.0"?>
<rss version="2.0"><channel><title>T</title><ttl>90</ttl>
<item><title>A</title><link>https://a.example/1</link><description>x</description></item>
</channel></rss>`
	const rdf = `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel rdf:about="https://b.example/"><title>B</title>
<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency></channel>
<item rdf:about="https://b.example/1"><title>B1</title><link>https://b.example/1</link></item>
</rdf:RDF>`
	const undeclared = `<rss version="2.0"><channel><sy:updatePeriod>weekly</sy:updatePeriod>
<item><title>C</title><link>https://c.example/1</link></item></channel></rss>`
	const none = `<rss version="2.0"><channel><ttl>soon</ttl><sy:updatePeriod>fortnightly</sy:updatePeriod>
<item><title>D</title><link>https://d.example/1</link></item></channel></rss>`
	for _, tc := range []struct {
		name, doc     string
		ttl, interval time.Duration
	}{
		{"rss ttl", rss, 90 * time.Minute, 0},
		{"rdf sy", rdf, 0, 6 * time.Hour},
		{"undeclared sy prefix, frequency defaults to 1", undeclared, 0, 7 * 24 * time.Hour},
		{"unreadable values are ignored", none, 0, 0},
	} {
		f, err := Parse([]byte(tc.doc), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if f.TTL != tc.ttl || f.UpdateInterval != tc.interval {
			t.Errorf("%s: TTL %v, UpdateInterval %v; want %v, %v", tc.name, f.TTL, f.UpdateInterval, tc.ttl, tc.interval)
		}
		if len(f.Items) != 1 {
			t.Errorf("%s: %d items, want 1", tc.name, len(f.Items))
		}
	}
}
