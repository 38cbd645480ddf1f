// ociput makes an OCI image from local directories (one layer each) on an
// empty base, with go-containerregistry, and pushes it to a plain-HTTP
// registry. The kpack test uses it so that no base image is ever pulled.
//
//	ociput -tag 10.77.0.1:5000/x/y:1 -layer DIR[:DEST[:UID:GID]] ... [-env K=V] [-label K=V]
//	       [-label-file K=PATH] [-user U] [-entrypoint PATH] [-buildpack ID@VERSION:API:STACK]
//
// -buildpack adds the buildpackage labels (io.buildpacks.buildpack.layers,
// io.buildpacks.buildpackage.metadata) that kpack's ClusterStore reads, naming
// the last layer as the buildpack's. Prints REPO@DIGEST on success.
package main

import (
	"archive/tar"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

// A fixed mtime keeps the layers' digests stable from run to run.
var mtime = time.Date(1980, 1, 1, 0, 0, 1, 0, time.UTC)

// writeLayer writes the tar of spec (DIR[:DEST[:UID:GID]]) to a temp file
// and returns its path; files keep their modes, owners become UID:GID.
func writeLayer(spec string) (string, error) {
	parts := strings.Split(spec, ":")
	src, dest, uid, gid := parts[0], "", 0, 0
	if len(parts) > 1 {
		dest = strings.Trim(parts[1], "/")
	}
	if len(parts) == 4 {
		var err1, err2 error
		uid, err1 = strconv.Atoi(parts[2])
		gid, err2 = strconv.Atoi(parts[3])
		if err1 != nil || err2 != nil {
			return "", fmt.Errorf("layer %q: UID:GID must be numbers", spec)
		}
	} else if len(parts) != 1 && len(parts) != 2 {
		return "", fmt.Errorf("layer %q: want DIR[:DEST[:UID:GID]]", spec)
	}
	f, err := os.CreateTemp("", "ociput-layer-*.tar")
	if err != nil {
		return "", err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	if dest != "" { // the parents of DEST, so that extraction needs no implicit dirs
		segs := strings.Split(dest, "/")
		for i := 1; i < len(segs); i++ {
			h := &tar.Header{Typeflag: tar.TypeDir, Name: strings.Join(segs[:i], "/") + "/", Mode: 0o755, ModTime: mtime}
			if err := tw.WriteHeader(h); err != nil {
				return "", err
			}
		}
	}
	err = filepath.WalkDir(src, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		n := filepath.ToSlash(filepath.Join(dest, rel))
		if rel == "." {
			if dest == "" {
				return nil
			}
			n = dest
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		h := &tar.Header{Name: n, Mode: int64(fi.Mode().Perm()), ModTime: mtime, Uid: uid, Gid: gid}
		if fi.Mode()&os.ModeSticky != 0 {
			h.Mode |= 0o1000
		}
		if fi.Mode()&os.ModeSetuid != 0 {
			h.Mode |= 0o4000
		}
		switch {
		case fi.IsDir():
			h.Typeflag, h.Name = tar.TypeDir, n+"/"
		case fi.Mode()&os.ModeSymlink != 0:
			if h.Linkname, err = os.Readlink(p); err != nil {
				return err
			}
			h.Typeflag = tar.TypeSymlink
		case fi.Mode().IsRegular():
			h.Typeflag, h.Size = tar.TypeReg, fi.Size()
		default: // devices, fifos, sockets: a rootfs needs none of them in an image
			return nil
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if h.Typeflag != tar.TypeReg {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		_, err = io.Copy(tw, in)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("layer %q: %w", spec, err)
	}
	return f.Name(), nil
}

// buildpackLabels returns the labels kpack reads from a buildpackage whose
// last layer (diffID) holds /cnb/buildpacks/<id>/<version>.
func buildpackLabels(spec string, diffID v1.Hash) (map[string]string, error) {
	idv, rest, ok := strings.Cut(spec, ":")
	id, version, ok2 := strings.Cut(idv, "@")
	api, stack, ok3 := strings.Cut(rest, ":")
	if !ok || !ok2 || !ok3 {
		return nil, fmt.Errorf("-buildpack %q: want ID@VERSION:API:STACK", spec)
	}
	md, err := json.Marshal(map[string]string{"id": id, "version": version})
	if err != nil {
		return nil, err
	}
	layers, err := json.Marshal(map[string]map[string]any{id: {version: map[string]any{
		"api": api, "layerDiffID": diffID.String(), "stacks": []map[string]string{{"id": stack}}}}})
	if err != nil {
		return nil, err
	}
	return map[string]string{"io.buildpacks.buildpackage.metadata": string(md), "io.buildpacks.buildpack.layers": string(layers)}, nil
}

func run() error {
	var layers, labels, labelFiles, envs list
	tag := flag.String("tag", "", "image reference to push to (plain HTTP)")
	user := flag.String("user", "", "the config's User")
	entrypoint := flag.String("entrypoint", "", "the config's Entrypoint (one path)")
	bp := flag.String("buildpack", "", "ID@VERSION:API:STACK: label the image as a buildpackage of its last layer")
	flag.Var(&layers, "layer", "DIR[:DEST[:UID:GID]] (repeatable)")
	flag.Var(&labels, "label", "K=V (repeatable)")
	flag.Var(&labelFiles, "label-file", "K=PATH: a label whose value is the file's content (repeatable)")
	flag.Var(&envs, "env", "K=V (repeatable)")
	flag.Parse()
	if *tag == "" || len(layers) == 0 || flag.NArg() != 0 {
		return fmt.Errorf("usage: ociput -tag REF -layer DIR[:DEST[:UID:GID]]... (see the source's comment)")
	}
	ref, err := name.ParseReference(*tag, name.Insecure)
	if err != nil {
		return err
	}
	img := empty.Image
	var lastDiff v1.Hash
	for _, spec := range layers {
		path, err := writeLayer(spec)
		if err != nil {
			return err
		}
		defer os.Remove(path)
		layer, err := tarball.LayerFromFile(path)
		if err != nil {
			return err
		}
		if lastDiff, err = layer.DiffID(); err != nil {
			return err
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			return err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.Labels = map[string]string{}
	for _, kv := range labels {
		k, v, _ := strings.Cut(kv, "=")
		cf.Config.Labels[k] = v
	}
	for _, kv := range labelFiles {
		k, p, _ := strings.Cut(kv, "=")
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("-label-file %s: %w", kv, err)
		}
		cf.Config.Labels[k] = strings.TrimSpace(string(b))
	}
	if *bp != "" {
		extra, err := buildpackLabels(*bp, lastDiff)
		if err != nil {
			return err
		}
		for k, v := range extra {
			cf.Config.Labels[k] = v
		}
	}
	cf.Config.Env = append(cf.Config.Env, envs...)
	cf.Config.User = *user
	if *entrypoint != "" {
		cf.Config.Entrypoint = []string{*entrypoint}
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	if err := remote.Write(ref, img); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("%s@%s\n", ref.Context().Name(), digest)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ociput:", err)
		os.Exit(1)
	}
}
