package index

import (
	"fmt"
	"strings"
)

// wrapErr names the operation an error leaving the package comes from
// ("ask: …"), unless the error already starts with that name.
func wrapErr(op string, err error) error {
	if err == nil || strings.HasPrefix(err.Error(), op+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
