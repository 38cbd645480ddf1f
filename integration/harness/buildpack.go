// Buildpacks as the harness stages them: a directory with buildpack.toml,
// read for its id, version and API, and copied into a workspace's
// <buildpacks>/<escaped id>/<version>/ where the lifecycle looks for it.
package harness

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// DebugBuildpackID is the id of the buildpack under test.
const DebugBuildpackID = "cnbdebug/debug"

// Buildpack is a buildpack directory on the host.
type Buildpack struct {
	Dir     string
	ID      string
	Version string
	API     string
	// Optional marks it optional in the workspace's order group.
	Optional bool
	// files limits what is staged (paths relative to Dir); nil stages Dir whole.
	files []string
	// deps are staged as dependencies/<sha256>/<file> from depStore.
	deps     []dependency
	depStore string
	// descriptor replaces buildpack.toml when staged; nil keeps Dir's.
	descriptor []byte
}

// ReadBuildpack reads dir/buildpack.toml.
func ReadBuildpack(dir string) (Buildpack, error) {
	var descriptor struct {
		API       string `toml:"api"`
		Buildpack struct {
			ID      string `toml:"id"`
			Version string `toml:"version"`
		} `toml:"buildpack"`
	}
	path := filepath.Join(dir, "buildpack.toml")
	if _, err := toml.DecodeFile(path, &descriptor); err != nil {
		return Buildpack{}, fmt.Errorf("%s: %w", path, err)
	}
	if descriptor.Buildpack.ID == "" || descriptor.Buildpack.Version == "" || descriptor.API == "" {
		return Buildpack{}, fmt.Errorf("%s: api, buildpack.id and buildpack.version are required", path)
	}
	return Buildpack{Dir: dir, ID: descriptor.Buildpack.ID, Version: descriptor.Buildpack.Version, API: descriptor.API}, nil
}

// Fixture is the fixture buildpack integration/testdata/buildpacks/<name>.
func (e *Env) Fixture(t testing.TB, name string) Buildpack {
	t.Helper()
	bp, err := ReadBuildpack(e.TestData("buildpacks", name))
	if err != nil {
		t.Fatalf("fixture buildpack %s: %v", name, err)
	}
	// Fixtures that ship Go programs (exec.d helpers) are staged built.
	if bp, err = e.withFixtureTools(bp); err != nil {
		t.Fatalf("fixture buildpack %s: %v", name, err)
	}
	return bp
}

// AsOptional returns a copy of bp marked optional in the order group.
func (bp Buildpack) AsOptional() Buildpack {
	bp.Optional = true
	return bp
}

// WithoutDependencies returns a copy of bp staged without dependencies/, as
// an online buildpack is: its tools must then be downloaded.
func (bp Buildpack) WithoutDependencies() Buildpack {
	bp.deps, bp.depStore = nil, ""
	var files []string
	for _, f := range bp.files {
		if f != "dependencies" {
			files = append(files, f)
		}
	}
	if bp.files != nil {
		bp.files = files
	}
	return bp
}

// WithDescriptor returns a copy of bp staged with content as its
// buildpack.toml (e.g. with a dependency entry pointed elsewhere).
func (bp Buildpack) WithDescriptor(content []byte) Buildpack {
	bp.descriptor = append([]byte(nil), content...)
	return bp
}

// Descriptor is the buildpack.toml bp is staged with.
func (bp Buildpack) Descriptor() ([]byte, error) {
	if bp.descriptor != nil {
		return bp.descriptor, nil
	}
	return os.ReadFile(filepath.Join(bp.Dir, "buildpack.toml"))
}

// EscapedID is the id with "/" replaced by "_", as the lifecycle names the
// buildpack's directories (<buildpacks>/<escaped>/ and <layers>/<escaped>/).
func (bp Buildpack) EscapedID() string { return strings.ReplaceAll(bp.ID, "/", "_") }

// String is id@version, the form the lifecycle logs.
func (bp Buildpack) String() string { return bp.ID + "@" + bp.Version }

// stage copies the buildpack into buildpacksDir/<escaped id>/<version>.
func (bp Buildpack) stage(buildpacksDir string) error {
	dst := filepath.Join(buildpacksDir, bp.EscapedID(), bp.Version)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if bp.files == nil {
		if err := copyTree(bp.Dir, dst); err != nil {
			return err
		}
		return bp.stageDescriptor(dst)
	}
	for _, rel := range bp.files {
		src := filepath.Join(bp.Dir, rel)
		if _, err := os.Lstat(src); os.IsNotExist(err) {
			continue
		}
		if err := copyTree(src, filepath.Join(dst, rel)); err != nil {
			return err
		}
	}
	for _, d := range bp.deps {
		if err := linkOrCopy(filepath.Join(bp.depStore, d.SHA, d.File), filepath.Join(dst, d.rel())); err != nil {
			return err
		}
	}
	return bp.stageDescriptor(dst)
}

func (bp Buildpack) stageDescriptor(dst string) error {
	if bp.descriptor == nil {
		return nil
	}
	path := filepath.Join(dst, "buildpack.toml")
	// The staged copy may be a hard link or a copy of the original: replace
	// the name, never write through it.
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.WriteFile(path, bp.descriptor, 0o644)
}

// copyTree copies a file or directory, following symlinks in the source (a
// prepared buildpack dir may link to build outputs) and keeping modes.
func copyTree(src, dst string) error {
	return filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if info.Mode()&os.ModeSymlink != 0 {
			if info, err = os.Stat(path); err != nil {
				return err
			}
			if info.IsDir() {
				return copyTree(path+"/", target)
			}
		}
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		return copyFile(path, target, info.Mode().Perm())
	})
}

func copyFile(src, dst string, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode|0o444)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
