//go:build tools

// Pins the kpack commands and the CNB lifecycle integration/k8s/build.sh
// compiles, so that go.mod/go.sum list every module they need.
package tools

import (
	_ "github.com/buildpacks/lifecycle/cmd/launcher"
	_ "github.com/buildpacks/lifecycle/cmd/lifecycle"
	_ "github.com/pivotal/kpack/cmd/build-init"
	_ "github.com/pivotal/kpack/cmd/build-waiter"
	_ "github.com/pivotal/kpack/cmd/completion"
	_ "github.com/pivotal/kpack/cmd/controller"
	_ "github.com/pivotal/kpack/cmd/rebase"
	_ "github.com/pivotal/kpack/cmd/webhook"
)
