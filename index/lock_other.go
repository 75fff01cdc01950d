//go:build !unix

package index

import "os"

// tryLock is a no-op where flock is unavailable; Bleve's bolt_timeout still
// keeps a second process from hanging on the index.
func tryLock(f *os.File, exclusive bool) (bool, error) { return true, nil }
