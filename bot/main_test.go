package bot

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// gatewayParallel is how many tests may run at once unless -parallel says
// otherwise. The gateway tests spend most of their time asleep, not on the
// CPU: discordgo's Session.Close (v0.28.1, wsapi.go) sleeps a fixed second
// after sending the close frame, and every Serve over the gateway ends with
// it. With the default of GOMAXPROCS (2 on a small machine) those seconds
// would add up; run side by side they overlap.
const gatewayParallel = 8

func TestMain(m *testing.M) {
	flag.Parse()
	setByUser := false
	flag.Visit(func(f *flag.Flag) { setByUser = setByUser || f.Name == "test.parallel" })
	// Fuzzing uses -parallel for its worker processes, which do use the CPU.
	fuzzing := flag.Lookup("test.fuzz").Value.String() != ""
	if !setByUser && !fuzzing && runtime.GOMAXPROCS(0) < gatewayParallel {
		_ = flag.Set("test.parallel", strconv.Itoa(gatewayParallel))
	}
	os.Exit(m.Run())
}
