package briefbot_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The layers, enforced in the manner of tailscale's tstest/deptest: each row
// names packages and what they must not depend on, directly or through
// another package, in production code (go list -deps leaves test files out).
// Adding a rule is adding a row.

const module = "github.com/briefbot/briefbot"

// outsideStd, as a banned path, stands for every package outside the
// standard library (the module's own packages included).
const outsideStd = "(anything outside the standard library)"

var layerRules = []struct {
	pkgs   string   // module-relative: "" is the root package, "corpus/..." corpus and the packages below it, "..." all
	except []string // module-relative packages of pkgs the rule spares
	banned []string // import paths, each banning the paths below it too ("net/http" bans net/http/httptest)
	why    string
}{
	{"corpus/...", nil, []string{"github.com/blevesearch", "github.com/bwmarrin/discordgo"},
		"the readers turn files into articles; the index and Discord are built on them, not the other way round"},
	{"index", nil, []string{module + "/bot", "github.com/bwmarrin/discordgo"},
		"the index answers questions for any front end; Discord is the bot's business"},
	{"bot", nil, []string{"github.com/blevesearch", "codeberg.org/readeck/go-readability"},
		"the bot speaks Discord and asks through its own interfaces; it neither searches Bleve nor reads pages"},
	{"feeds", nil, []string{"github.com/blevesearch", "github.com/bwmarrin/discordgo", module + "/bot"},
		"the poller reaches the index through its own Store interface and knows nothing of Discord"},
	{"internal/localapi", nil, []string{"github.com/blevesearch", "github.com/bwmarrin/discordgo"},
		"the command line's socket to serve reaches the index through its own interface and knows nothing of Discord"},
	{"bot", nil, []string{"github.com/prometheus"},
		"the bot reports through its Observer interface; how it is counted is cmd's and metrics' business"},
	{"metrics", nil, []string{"github.com/blevesearch", "github.com/bwmarrin/discordgo"},
		"metrics counts what it is told and reads the index through a func; it knows neither Bleve nor Discord"},
	{"summarize", nil, []string{"net/http", module + "/corpus"},
		"summaries are computed offline from the text handed in"},
	{"neardup", nil, []string{"net/http", module + "/corpus"},
		"near-duplicates are found offline from the text handed in"},
	{"", nil, []string{outsideStd},
		"the vocabulary every package imports must cost nothing to import"},
	{"internal/textrules", nil, []string{outsideStd},
		"the shared English text rules must cost nothing to import"},
	{"internal/wording", nil, []string{"github.com/blevesearch", "github.com/bwmarrin/discordgo", module + "/index", module + "/corpus"},
		"the sentences both front ends show are worded from the vocabulary alone"},
	{"replica", nil, []string{"github.com/bwmarrin/discordgo", module + "/bot"},
		"replicas carry the index's changes over NATS; Discord is the bot's business"},
	{"...", []string{"internal/discordtest", "internal/sharedtest", "internal/natstest"}, []string{"testing", "net/http/httptest"},
		"test helpers belong in _test.go files and the internal test-support packages"},
}

// listedPackage is what go list -json says of one package.
type listedPackage struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

// listPackages runs go list once for the module's packages and everything
// they depend on. GOPROXY=off: the test must never reach the network (CI
// downloads the modules before testing).
func listPackages(t *testing.T) map[string]listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports,Standard", "./...")
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	pkgs := make(map[string]listedPackage)
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

func TestLayers(t *testing.T) {
	pkgs := listPackages(t)
	var own []string
	for p := range pkgs {
		if p == module || strings.HasPrefix(p, module+"/") {
			own = append(own, p)
		}
	}
	slices.Sort(own)
	for _, rule := range layerRules {
		matched := 0
		for _, p := range own {
			rel := strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
			if !matchPattern(rule.pkgs, rel) || slices.Contains(rule.except, rel) {
				continue
			}
			matched++
			for _, v := range bannedDeps(pkgs, p, rule.banned) {
				more := ""
				if v.others > 0 {
					more = fmt.Sprintf(" and %d more under %s", v.others, v.banned)
				}
				t.Errorf("%s imports %s (%s)%s: %s", short(p), v.chain[len(v.chain)-1], strings.Join(mapShort(v.chain), " → "), more, rule.why)
			}
		}
		if matched == 0 {
			t.Errorf("rule for %q matches no package of the module: renamed or moved?", rule.pkgs)
		}
	}
}

// matchPattern reports whether the module-relative package rel matches
// pattern: "..." matches every package, "a/..." a and the packages below
// it, anything else itself only.
func matchPattern(pattern, rel string) bool {
	if pattern == "..." {
		return true
	}
	if dir, ok := strings.CutSuffix(pattern, "/..."); ok {
		return rel == dir || strings.HasPrefix(rel, dir+"/")
	}
	return rel == pattern
}

// violation is how a package reaches one banned path: the shortest import
// chain to a package under it, and how many other packages under it the
// package reaches too (one line per banned path keeps the failure readable).
type violation struct {
	banned string
	chain  []string
	others int
}

// bannedDeps walks from's imports breadth first, so the first chain found to
// a banned package is a shortest one. It does not walk on through a banned
// package: the first offender is the one to fix.
func bannedDeps(pkgs map[string]listedPackage, from string, banned []string) []*violation {
	parent := map[string]string{from: ""}
	queue := []string{from}
	var found []*violation
	byBan := map[string]*violation{}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, imp := range pkgs[p].Imports {
			if _, seen := parent[imp]; seen || imp == "C" {
				continue
			}
			parent[imp] = p
			b, ok := bannedBy(pkgs[imp], imp, banned)
			if !ok {
				queue = append(queue, imp)
				continue
			}
			if v := byBan[b]; v != nil {
				v.others++
				continue
			}
			byBan[b] = &violation{banned: b, chain: chainTo(parent, imp)}
			found = append(found, byBan[b])
		}
	}
	return found
}

// bannedBy returns the entry of banned that importPath falls under.
func bannedBy(p listedPackage, importPath string, banned []string) (string, bool) {
	for _, b := range banned {
		if (b == outsideStd && !p.Standard) || importPath == b || strings.HasPrefix(importPath, b+"/") {
			return b, true
		}
	}
	return "", false
}

func chainTo(parent map[string]string, to string) []string {
	var chain []string
	for p := to; p != ""; p = parent[p] {
		chain = append(chain, p)
	}
	slices.Reverse(chain)
	return chain
}

// short drops the module path from the module's own packages, for messages.
func short(importPath string) string {
	if importPath == module {
		return "briefbot (root)"
	}
	if rel, ok := strings.CutPrefix(importPath, module+"/"); ok {
		return rel
	}
	return importPath
}

func mapShort(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = short(p)
	}
	return out
}

// envReaders are the ways to read the process environment, by import path;
// a nil list bans every use of the package.
var envReaders = map[string][]string{
	"os":                       {"Getenv", "LookupEnv", "Environ", "ExpandEnv"},
	"syscall":                  {"Getenv", "Environ"},
	"golang.org/x/sys/unix":    {"Getenv", "Environ"},
	"github.com/joho/godotenv": nil,
}

// mayReadEnv are the module-relative directories whose non-test files may
// read the environment. Configuration is read once in cmd and passed down
// as values, so every other package is testable without setting variables.
var mayReadEnv = []string{
	"cmd/...",
	// Test support, not production code: it reads BRIEFBOT_REQUIRE_SHARED,
	// which CI sets so that a missing ../shared fails instead of skipping.
	"internal/sharedtest",
}

// TestOnlyCmdReadsEnvironment parses every non-test Go file of the module
// outside mayReadEnv and fails on any use of an envReaders function (tests
// may set variables with t.Setenv).
func TestOnlyCmdReadsEnvironment(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		rel := filepath.ToSlash(p)
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") || mayRead(path.Dir(rel)) {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		for _, use := range envUses(fset, f) {
			t.Errorf("%s reads the environment: only cmd/ may (read it there and pass the value in)", use)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no Go file checked: is the test running at the module root?")
	}
}

func mayRead(dir string) bool {
	return slices.ContainsFunc(mayReadEnv, func(pattern string) bool { return matchPattern(pattern, dir) })
}

// envUses returns "file:line: pkg.Name" for each use in f of an envReaders
// function (or of any name of a package banned whole), called or not: a
// function value such as os.Getenv handed on reads the environment too.
func envUses(fset *token.FileSet, f *ast.File) []string {
	banned := map[string]string{} // local import name -> import path
	var uses []string
	for _, imp := range f.Imports {
		importPath, _ := strconv.Unquote(imp.Path.Value)
		if _, ok := envReaders[importPath]; !ok {
			continue
		}
		name := path.Base(importPath)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if name == "." {
			uses = append(uses, fmt.Sprintf("%s: dot import of %s", fset.Position(imp.Pos()), importPath))
		}
		banned[name] = importPath
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		x, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		importPath, ok := banned[x.Name]
		if !ok {
			return true
		}
		if names := envReaders[importPath]; names == nil || slices.Contains(names, sel.Sel.Name) {
			uses = append(uses, fmt.Sprintf("%s: %s.%s", fset.Position(sel.Pos()), x.Name, sel.Sel.Name))
		}
		return true
	})
	return uses
}
