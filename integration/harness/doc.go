// Package harness runs the real CNB lifecycle on the host, without
// containers, so integration tests can build a sample app with fixture
// buildpacks and the debug buildpack, look at what the lifecycle produced,
// and run the result through the real launcher.
//
// A test, as root (phases and apps run as uid 1000 via setpriv):
//
//	env := harness.Require(t)               // skips unless root; builds the lifecycle if missing
//	ws := harness.NewWorkspace(t, env)      // temp dirs + OCI layout with a run image
//	ws.CopyApp("go-http")                   // integration/testdata/apps/go-http
//	ws.GoBuild(nil, ".", "./cmd/hello")     // binaries the Go fixtures pick up
//	ws.AddFixtures("paketo-go-build")       // integration/testdata/buildpacks/...
//	debugBP := ws.AddDebugBuildpack()       // optional, last, as in a real builder
//	ws.SetPlatformEnv("BP_DEBUG", "true")   // what `pack build --env` does
//	res := ws.MustBuild()                   // analyzer, detector, restorer, builder, exporter
//	log := res.Builder().BuildpackOutput(debugBP)
//	md := ws.Metadata()                     // <layers>/config/metadata.toml
//	img := ws.Image()                       // exported image: config, labels, layers
//	p := ws.LaunchDefault(harness.LaunchOptions{Env: map[string]string{"PORT": "8080"}})
//	body, err := harness.WaitHTTP("http://127.0.0.1:8080/", 20*time.Second, p)
//
// Dependencies from a loopback mirror instead of the packaged dependencies/:
//
//	srv := ws.ServeDependencies()           // httptest server on 127.0.0.1 serving dlv,
//	                                        // debugpy, ptvsd by base name; sets
//	                                        // <platform>/env/BP_DEPENDENCY_MIRROR and stages
//	                                        // the debug buildpack without dependencies/
//	srv.Downloaded(); srv.Requests()        // what the build fetched (ResetRequests before a rebuild)
//	srv.AddFile("vsdbg-linux-x64.tar.gz", f) // serve a stand-in under a URI's file name
//	bp.WithDescriptor(toml)                 // stage a buildpack with an edited buildpack.toml
//
// What a launched process really does, from /proc: p.Processes() (its tree,
// plus processes that left it but inherited the launch's
// CNBDEBUG_HARNESS_LAUNCH token, such as debugpy's daemonized adapter),
// p.ListenersOf() (listening sockets with address and holder pid), Exe,
// Cmdline, Environ; p.Kill() kills all of them.
//
// ws.Rebuild() builds again against the previous image and the cache dir
// (layer reuse shows in Phase.ExportedLayers and Image.LifecycleMetadata).
// Single phases (Analyze, Detect, Restore, RunBuilder, Export) can be run on
// their own; Detect parses the detector's per-buildpack results.
//
// Environment:
//
//	BP_DEBUG_BUILDPACK_DIR   a built buildpack dir to test instead of the repo root
//	                         (which is otherwise built with CMake in <repo>/build)
//	BP_DEBUG_ONLINE_DEPS=1   stage no offline dependencies when the dir has none
//	BP_DEBUG_KEEP_WORKSPACE  keep each workspace and log its path
//	BP_DEBUG_CACHE           cache dir of build-tools.sh (default <repo>/.cache)
package harness
