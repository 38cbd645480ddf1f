// `platform-check skaffold FILE`: parses a skaffold.yaml the way Skaffold
// does (strict: unknown fields fail; older schema versions are upgraded to
// the latest) and prints the parsed configs as JSON.
package main

import (
	"fmt"

	"github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/schema"
	"github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/schema/latest"
)

type skaffoldConfig struct {
	APIVersion string                   `json:"apiVersion"`
	Latest     string                   `json:"latest"`
	Configs    []*latest.SkaffoldConfig `json:"configs"`
}

func runSkaffoldConfig(file string) error {
	parsed, err := schema.ParseConfigAndUpgrade(file)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	out := skaffoldConfig{Latest: latest.Version}
	for _, c := range parsed {
		cfg, ok := c.(*latest.SkaffoldConfig)
		if !ok {
			return fmt.Errorf("%s: parsed as %T, not the latest schema", file, c)
		}
		out.APIVersion = cfg.APIVersion
		out.Configs = append(out.Configs, cfg)
	}
	return printJSON(out)
}
