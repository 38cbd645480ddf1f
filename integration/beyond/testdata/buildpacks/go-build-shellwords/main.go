// bin/build of the go-build-shellwords fixture: builds the app with a real
// `go build`, taking its flags exactly where and how Paketo's go-build does:
//   - build_configuration_parser.go parseFlagsFromEnvVars (go-build @
//     e1f29e2): shellwords.NewParser() with ParseEnv = true parses
//     BP_GO_BUILD_FLAGS (github.com/mattn/go-shellwords v1.0.12, go-build's
//     go.mod), then BP_GO_BUILD_LDFLAGS as -ldflags="<value>";
//   - go_build_process.go Execute (@ 199a46e): -buildmode pie and -trimpath
//     are added unless a flag with that prefix is present; the env is
//     os.Environ() plus GOCACHE (so GOFLAGS from earlier buildpacks reaches
//     the go command); it logs Running 'go build ...' with quoted args;
//     binaries go to the launch layer targets/bin, one direct process each.
//
// The go binary is baked in by the test (-ldflags -X main.goTool=...).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/mattn/go-shellwords"
)

var goTool = "go"

func containsFlag(flags []string, match string) bool {
	for _, f := range flags {
		if strings.HasPrefix(f, match) {
			return true
		}
	}
	return false
}

func parseFlags() ([]string, error) {
	p := shellwords.NewParser()
	p.ParseEnv = true
	var flags []string
	if v, ok := os.LookupEnv("BP_GO_BUILD_FLAGS"); ok {
		var err error
		if flags, err = p.Parse(v); err != nil {
			return nil, err
		}
	}
	if ld, ok := os.LookupEnv("BP_GO_BUILD_LDFLAGS"); ok {
		parsed, err := p.Parse(fmt.Sprintf(`-ldflags="%s"`, ld))
		if err != nil {
			return nil, err
		}
		if len(parsed) != 1 {
			return nil, fmt.Errorf("BP_GO_BUILD_LDFLAGS value (%s) could not be parsed: value contains multiple words", ld)
		}
		for i, f := range flags {
			if strings.HasPrefix(f, "-ldflags") {
				flags[i] = parsed[0]
			}
		}
		if !containsFlag(flags, "-ldflags") {
			flags = append(flags, parsed[0])
		}
	}
	return flags, nil
}

func formatArg(arg string) string {
	for _, r := range arg {
		if unicode.IsSpace(r) {
			return strconv.Quote(arg)
		}
	}
	return arg
}

func run() error {
	layers := os.Getenv("CNB_LAYERS_DIR")
	fmt.Println("Fixture: Paketo Buildpack for Go Build 1.0.0")
	flags, err := parseFlags()
	if err != nil {
		return err
	}
	if !containsFlag(flags, "-buildmode") {
		flags = append(flags, "-buildmode", "pie")
	}
	if !containsFlag(flags, "-trimpath") {
		flags = append(flags, "-trimpath")
	}
	gocache := filepath.Join(layers, "gocache")
	out := filepath.Join(layers, "targets", "bin")
	for _, d := range []string{gocache, out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(gocache+".toml", []byte("[types]\n  cache = true\n"), 0o644); err != nil {
		return err
	}
	env := append(os.Environ(), "GOCACHE="+gocache, "GO111MODULE=auto", "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	args := append(append([]string{"build", "-o", out}, flags...), "./")
	printed := []string{"go"}
	for _, a := range args {
		printed = append(printed, formatArg(a))
	}
	fmt.Println("  Executing build process")
	fmt.Printf("    Running '%s'\n", strings.Join(printed, " "))
	fmt.Printf("    (GOFLAGS=%q)\n", os.Getenv("GOFLAGS"))
	cmd := exec.Command(goTool, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stdout, os.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("failed to execute 'go build': %w", err)
	}
	lister := exec.Command(goTool, "list", "-json", "./")
	lister.Env = env
	list, err := lister.Output()
	if err != nil {
		return fmt.Errorf("go list: %w", err)
	}
	var pkg struct{ ImportPath string }
	if err := json.Unmarshal(list, &pkg); err != nil {
		return err
	}
	bin := filepath.Join(out, filepath.Base(pkg.ImportPath))
	if err := os.WriteFile(filepath.Join(layers, "targets.toml"), []byte("[types]\n  launch = true\n"), 0o644); err != nil {
		return err
	}
	launch := fmt.Sprintf("[[processes]]\n  type = %q\n  command = [%q]\n  default = true\n", filepath.Base(bin), bin)
	return os.WriteFile(filepath.Join(layers, "launch.toml"), []byte(launch), 0o644)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
