package index

import (
	"maps"
	"os"
	"path/filepath"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// createBleve makes the Bleve index of a new index directory whole or not
// at all: it is built in rebuildDir (which the next writer to open the
// index removes, should this process die meanwhile), stamped with
// MappingVersion, and only then moved in place. Created in place, an index
// killed in its first ~100 ms was left without its version, and every later
// Open refused it as "built with mapping version 0".
func createBleve(dir string, cfg map[string]interface{}) error {
	work := filepath.Join(dir, rebuildDir)
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	tmp := filepath.Join(work, bleveDir)
	// A copy: Bleve records the store's path in the config it is given,
	// which would send the caller's next open to tmp.
	bl, err := bleve.NewUsing(tmp, buildMapping(), scorch.Name, bleve.Config.DefaultKVStore, maps.Clone(cfg))
	if err != nil {
		return err
	}
	if err := bl.SetInternal([]byte(keyMappingVersion), []byte(strconv.Itoa(MappingVersion))); err != nil {
		bl.Close()
		return err
	}
	if err := bl.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, bleveDir)); err != nil {
		return err
	}
	return os.RemoveAll(work)
}
