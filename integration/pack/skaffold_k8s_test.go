// `skaffold debug` with the Kubernetes deployer, for real: the README's
// Skaffold block, with the cluster command its comment gives, against the
// single-node cluster integration/k8s/run.sh starts (it runs this test after
// kpack's). Skaffold builds with its buildpacks builder through podman, pushes
// to a loopback registry, deploys examples/skaffold/k8s with kubectl, adds
// its init container, and forwards the pod's ports; a Delve rpc2 client hits
// a breakpoint through Skaffold's forward, and the pod is compared with its
// image to record what Skaffold added.
package pack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cluster is the running cluster of integration/k8s/cluster.sh, seen from
// the host: its state dir and the network namespace its node lives in.
type cluster struct {
	state string
	bin   string // the Kubernetes binaries (kubectl)
	ns    netns
}

// requireCluster skips unless integration/k8s/run.sh has a cluster up and
// said so through BP_K8S_STATE and K8S_BIN.
func requireCluster(t *testing.T) *cluster {
	t.Helper()
	state, bin := os.Getenv("BP_K8S_STATE"), os.Getenv("K8S_BIN")
	if state == "" || bin == "" {
		t.Skip("needs the cluster of integration/k8s/run.sh (it runs this test with BP_K8S_STATE and K8S_BIN set)")
	}
	raw, err := os.ReadFile(filepath.Join(state, "init.pid"))
	if err != nil {
		t.Fatalf("BP_K8S_STATE=%s: no cluster is up: %v", state, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || syscall.Kill(pid, 0) != nil {
		t.Fatalf("BP_K8S_STATE=%s: init.pid %q is not a live process", state, raw)
	}
	return &cluster{state: state, bin: bin, ns: netns{pid: pid}}
}

// env is what Skaffold and kubectl need to reach the cluster.
func (c *cluster) env() []string {
	return []string{"KUBECONFIG=" + filepath.Join(c.state, "admin.kubeconfig")}
}

// kubectl runs kubectl in the cluster's network.
func (c *cluster) kubectl(args ...string) (string, error) {
	cmd := c.ns.command(filepath.Join(c.bin, "kubectl"), args...)
	cmd.Env = append(os.Environ(), c.env()...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// serveRegistry makes the test's loopback registry answer at the same
// address inside the cluster: a second docker-registry on the cluster's
// loopback, with the same storage. An image podman pushes on the host then
// has the same name for Skaffold and for the node's containerd, and no host
// network is touched. containerd is told the address speaks plain HTTP.
func (c *cluster) serveRegistry(t *testing.T, reg *registry) {
	t.Helper()
	hosts := filepath.Join(c.state, "certs.d", reg.host)
	if err := os.MkdirAll(hosts, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(hosts) })
	if err := os.WriteFile(filepath.Join(hosts, "hosts.toml"), []byte(fmt.Sprintf(
		"server = %q\n[host.%q]\n  capabilities = [\"pull\", \"resolve\"]\n", "http://"+reg.host, "http://"+reg.host)), 0o644); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: c.ns.dial}}
	if err := runRegistry(t, "the cluster's docker-registry", c.ns.command("docker-registry", "serve", reg.config), reg.host, client); err != nil {
		t.Fatal(err)
	}
}

// TestSkaffoldKubernetes runs the README's Skaffold block with the command
// its comment gives for a cluster, inside integration/k8s/run.sh: 66-70 s
// warm (two CI runs and the runs here).
func TestSkaffoldKubernetes(t *testing.T) {
	cl := requireCluster(t)
	start := time.Now()
	p := requirePlatform(t)
	t.Cleanup(func() { t.Logf("TestSkaffoldKubernetes ran in %s", time.Since(start).Round(time.Second)) })
	reg := startRegistry(t, p)
	cl.serveRegistry(t, reg)
	linkDockerSocket(t, p)
	ex := prepareSkaffoldExample(t, p, reg)

	// The block's last line is `skaffold debug -p docker  # on a cluster: ...`;
	// here, the cluster command of that comment with the test's registry.
	cmdline := clusterCommand(t, ex.snippet, reg.host)
	t.Logf("on the cluster: %s", cmdline)
	// The block runs on the host (packaging fetches from package registries);
	// Skaffold and its kubectl run in the cluster's network, on the host's
	// file system (podman's socket, the kubeconfig).
	inCluster := fmt.Sprintf("nsenter -t %d -n -- %s", cl.ns.pid, cmdline)
	snippet := substituteIn(t, "README.md's skaffold block", ex.snippet, "skaffold debug -p docker ", inCluster+" ")
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", snippet)
	cmd.Dir = ex.clone
	// The example's env already puts skaffold and pack first; kubectl joins them.
	cmd.Env = append(append(append([]string{}, ex.env...), cl.env()...),
		"PATH="+cl.bin+string(os.PathListSeparator)+envValue(ex.env, "PATH"))
	run := startSkaffold(t, cmd, regexp.MustCompile(`^Port forwarding \S+ in namespace \S*, remote port (\d+) -> http://127\.0\.0\.1:(\d+)$`))
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := cl.kubectl("get", "pods,deploy,svc", "-o", "wide")
			desc, _ := cl.kubectl("describe", "pods", "-l", "app=go-http")
			t.Logf("cluster:\n%s\n%s", out, tail(desc, 60))
		}
	})
	ports := run.waitForwards(t, 6*time.Minute, appPort, dlvPort)
	t.Logf("skaffold forwards (in the cluster's network) app %d -> 127.0.0.1:%d, dlv %d -> 127.0.0.1:%d",
		appPort, ports[appPort], dlvPort, ports[dlvPort])

	pod := podOf(t, cl, "app=go-http")
	c := &container{p: p, name: pod.Metadata.Name,
		appHostPort: cl.ns.forward(t, fmt.Sprintf("127.0.0.1:%d", ports[appPort])),
		dlvHostPort: cl.ns.forward(t, fmt.Sprintf("127.0.0.1:%d", ports[dlvPort])),
		logsOf:      func() string { out, _ := cl.kubectl("logs", pod.Metadata.Name, "-c", "go-http"); return out }}
	if body := c.waitHTTP(t, "/skaffold-k8s"); !strings.Contains(body, "path=/skaffold-k8s") {
		t.Fatalf("GET /skaffold-k8s = %q", body)
	}
	recordSkaffoldPod(t, p, cl, pod, ex.helpers)
	hitBreakpoint(t, p, c)

	run.stop(t)
	if out, err := cl.kubectl("get", "deployment", "go-http", "--ignore-not-found", "-o", "name"); err != nil || out != "" {
		t.Errorf("after Ctrl-C, Skaffold left deployment %q (%v)", out, err)
	}
}

// clusterCommand reads the cluster command from the comment on the block's
// `skaffold debug -p docker` line, with the test's registry as <your registry>.
func clusterCommand(t *testing.T, snippet, registry string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^skaffold debug -p docker +# on a cluster: (skaffold debug .*)<your registry>$`).FindStringSubmatch(snippet)
	if m == nil {
		t.Fatalf("README.md's skaffold block has no line `skaffold debug -p docker  # on a cluster: skaffold debug ...<your registry>`:\n%s", snippet)
	}
	return m[1] + registry
}

// kubePod is the part of a pod the checks read.
type kubePod struct {
	Metadata struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		InitContainers []kubeContainer `json:"initContainers"`
		Containers     []kubeContainer `json:"containers"`
	} `json:"spec"`
	Status struct {
		InitContainerStatuses []struct {
			State struct {
				Terminated *struct {
					ExitCode int `json:"exitCode"`
				} `json:"terminated"`
			} `json:"state"`
		} `json:"initContainerStatuses"`
	} `json:"status"`
}

type kubeContainer struct {
	Name    string   `json:"name"`
	Image   string   `json:"image"`
	Command []string `json:"command"`
	Args    []string `json:"args"`
	Env     []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"env"`
	Ports []struct {
		Name          string `json:"name"`
		ContainerPort int    `json:"containerPort"`
	} `json:"ports"`
	VolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
	} `json:"volumeMounts"`
}

func podOf(t *testing.T, cl *cluster, selector string) kubePod {
	t.Helper()
	out, err := cl.kubectl("get", "pods", "-l", selector, "--field-selector=status.phase=Running", "-o", "json")
	if err != nil {
		t.Fatalf("kubectl get pods -l %s: %v\n%s", selector, err, out)
	}
	var list struct {
		Items []kubePod `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Items) != 1 {
		t.Fatalf("pods -l %s: %v, %d running; want 1\n%s", selector, err, len(list.Items), tail(out, 40))
	}
	return list.Items[0]
}

// recordSkaffoldPod compares the pod Skaffold deployed with the manifest
// (examples/skaffold/k8s/go-http.yaml) and the image: the README's Skaffold
// section says exactly what this finds, and the test fails when Skaffold
// adds anything else.
func recordSkaffoldPod(t *testing.T, p *platform, cl *cluster, pod kubePod, helpers string) {
	t.Helper()
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("pod %s has containers %+v; want the manifest's one", pod.Metadata.Name, pod.Spec.Containers)
	}
	app := pod.Spec.Containers[0]
	// Skaffold deploys TAG@DIGEST; podman knows the image by its tag.
	tagged, _, _ := strings.Cut(app.Image, "@")
	img := p.inspect(t, tagged)
	checkDebugProcess(t, img)
	t.Logf("skaffold's pod %s: container %s image %s command %q args %q env %+v ports %+v mounts %+v; init containers %+v; annotations %v",
		pod.Metadata.Name, app.Name, app.Image, app.Command, app.Args, app.Env, app.Ports, app.VolumeMounts,
		pod.Spec.InitContainers, pod.Metadata.Annotations)

	// The process is the image's: no command or args, and no env from Skaffold.
	if app.Command != nil || app.Args != nil {
		t.Errorf("Skaffold set command %q args %q; the image's debug process should be left alone", app.Command, app.Args)
	}
	if len(app.Env) != 0 {
		t.Errorf("Skaffold added env %+v to the container (the README says it adds none for this image)", app.Env)
	}
	// The debugger's port, named after its protocol, beside the manifest's.
	var portNames []string
	for _, port := range app.Ports {
		portNames = append(portNames, fmt.Sprintf("%s=%d", port.Name, port.ContainerPort))
	}
	if want := []string{"http=8080", fmt.Sprintf("dlv=%d", dlvPort)}; !slices.Equal(portNames, want) {
		t.Errorf("container ports %v, want %v (the manifest's, then Skaffold's dlv)", portNames, want)
	}
	// Skaffold's support volume and init container.
	if len(app.VolumeMounts) < 1 || app.VolumeMounts[0].Name != "debugging-support-files" || app.VolumeMounts[0].MountPath != "/dbg" {
		t.Errorf("volume mounts %+v, want debugging-support-files at /dbg first", app.VolumeMounts)
	}
	if len(pod.Spec.InitContainers) != 1 {
		t.Fatalf("init containers %+v; want Skaffold's one", pod.Spec.InitContainers)
	}
	ic := pod.Spec.InitContainers[0]
	// Kubernetes itself mounts the service account token (kube-api-access-*).
	var icMounts []string
	for _, m := range ic.VolumeMounts {
		if !strings.HasPrefix(m.Name, "kube-api-access-") {
			icMounts = append(icMounts, m.Name+"="+m.MountPath)
		}
	}
	if ic.Name != "install-go-debug-support" || ic.Image != helpers+"/go" || ic.Command != nil || ic.Args != nil ||
		!slices.Equal(icMounts, []string{"debugging-support-files=/dbg"}) {
		t.Errorf("init container %+v; want install-go-debug-support of %s/go with debugging-support-files at /dbg", ic, helpers)
	}
	if st := pod.Status.InitContainerStatuses; len(st) != 1 || st[0].State.Terminated == nil || st[0].State.Terminated.ExitCode != 0 {
		t.Errorf("init container status %+v; want terminated with exit 0", st)
	}

	// Skaffold's annotation and the image's label agree on the debugger.
	var annotation map[string]struct {
		Runtime string            `json:"runtime"`
		Ports   map[string]uint32 `json:"ports"`
	}
	if err := json.Unmarshal([]byte(pod.Metadata.Annotations["debug.cloud.google.com/config"]), &annotation); err != nil {
		t.Fatalf("annotation debug.cloud.google.com/config: %v (annotations %v)", err, pod.Metadata.Annotations)
	}
	var label map[string]struct {
		Runtime string            `json:"runtime"`
		Ports   map[string]uint32 `json:"ports"`
	}
	if err := json.Unmarshal([]byte(img.Config.Labels["dev.cnbdebug.debug.config"]), &label); err != nil {
		t.Fatalf("label dev.cnbdebug.debug.config: %v", err)
	}
	skaffold, ours := annotation["go-http"], label["go-http"]
	if skaffold.Runtime != "go" || skaffold.Ports["dlv"] != dlvPort || ours.Runtime != skaffold.Runtime || ours.Ports["dlv"] != skaffold.Ports["dlv"] {
		t.Errorf("Skaffold's annotation %+v and the image's label %+v disagree (want go, dlv %d)", skaffold, ours, dlvPort)
	}

	// In the pod: PID 1 is the debug buildpack's dlv, and, because
	// KUBERNETES_SERVICE_HOST is set, it listens on the pod's loopback only
	// (Skaffold's port-forward reaches it there).
	cmdline, err := cl.kubectl("exec", pod.Metadata.Name, "-c", "go-http", "--", "cat", "/proc/1/cmdline")
	if err != nil || !strings.Contains(cmdline, "/dlv\x00") {
		t.Errorf("PID 1 runs %q (%v), want the debug buildpack's dlv", strings.ReplaceAll(cmdline, "\x00", " "), err)
	}
	tables, err := cl.kubectl("exec", pod.Metadata.Name, "-c", "go-http", "--", "cat", "/proc/net/tcp", "/proc/net/tcp6")
	if err != nil {
		t.Fatalf("reading the pod's sockets: %v\n%s", err, tables)
	}
	listen := tcpListeners(tables, dlvPort)
	if len(listen) != 1 || listen[0].addr != "0100007F" {
		t.Errorf("dlv listens on %v (hex, /proc/net/tcp); want only 0100007F (127.0.0.1)", listen)
	}
	ls, _ := cl.kubectl("exec", pod.Metadata.Name, "-c", "go-http", "--", "find", "/dbg", "-maxdepth", "3")
	t.Logf("/dbg in the app container: %s", strings.Join(strings.Fields(ls), " "))
}
