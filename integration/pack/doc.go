// Package pack proves the debug buildpack on the real platforms: pack builds
// through podman as the Docker daemon, the images run under podman, Delve is
// driven from the host, and Skaffold's own `skaffold debug` transform reads
// the images. The tests are the _test.go files; this package has no API.
package pack
