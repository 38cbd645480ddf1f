// `platform-check manifests FILE...`: decodes every YAML document into the
// Go type its apiVersion/kind names (kpack.io/v1alpha2 Image, ClusterStore,
// ClusterStack, ClusterBuilder; apps/v1 Deployment; v1 Service), strictly,
// then runs kpack's own defaulting and validation (what its admission
// webhook does). Prints one JSON result per document.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	kpack "github.com/pivotal/kpack/pkg/apis/build/v1alpha2"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/yaml"
)

type manifestResult struct {
	File       string `json:"file"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Object     any    `json:"object,omitempty"`
	Error      string `json:"error,omitempty"`
}

// kpackObject is what kpack's webhook calls on every resource it admits.
type kpackObject interface {
	apis.Defaultable
	apis.Validatable
}

func newObject(apiVersion, kind string) (any, error) {
	switch apiVersion + "/" + kind {
	case "kpack.io/v1alpha2/Image":
		return &kpack.Image{}, nil
	case "kpack.io/v1alpha2/ClusterStore":
		return &kpack.ClusterStore{}, nil
	case "kpack.io/v1alpha2/ClusterStack":
		return &kpack.ClusterStack{}, nil
	case "kpack.io/v1alpha2/ClusterBuilder":
		return &kpack.ClusterBuilder{}, nil
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}, nil
	case "v1/Service":
		return &corev1.Service{}, nil
	}
	return nil, fmt.Errorf("no Go type known for %s %s", apiVersion, kind)
}

func checkDocument(file string, doc []byte) manifestResult {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	r := manifestResult{File: file}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		r.Error = err.Error()
		return r
	}
	r.APIVersion, r.Kind, r.Name = head.APIVersion, head.Kind, head.Metadata.Name
	obj, err := newObject(head.APIVersion, head.Kind)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		r.Error = err.Error()
		return r
	}
	if k, ok := obj.(kpackObject); ok {
		ctx := context.Background()
		k.SetDefaults(ctx)
		if ferr := k.Validate(ctx); ferr != nil {
			r.Error = ferr.Error()
		}
	}
	r.Object = obj
	return r
}

func runManifests(files []string) error {
	var results []manifestResult
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		reader := utilyaml.NewYAMLReader(bufioReader(data))
		for {
			doc, err := reader.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			if strings.TrimSpace(stripComments(string(doc))) == "" {
				continue
			}
			results = append(results, checkDocument(file, doc))
		}
	}
	return printJSON(results)
}

// stripComments drops comment-only lines, so a document holding nothing but
// comments (a file's header) is not taken for an object.
func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func bufioReader(data []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(data)) }
