"""Tests of tools/ide-config: each image source (OCI layout, inspect JSON,
a registry over the OCI distribution API on loopback, with and without a
bearer-token challenge) and the entries per runtime, with the label's
`source` field and without it. Run: python3 -m unittest discover tools/tests"""
import hashlib
import http.server
import importlib.machinery
import importlib.util
import io
import json
import os
import tempfile
import threading
import unittest
from contextlib import redirect_stderr, redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader("ide_config", os.path.join(HERE, "..", "ide-config"))
_spec = importlib.util.spec_from_loader("ide_config", _loader)
ide = importlib.util.module_from_spec(_spec)
_loader.exec_module(ide)

LABEL_GO = {"runtime": "go", "ports": {"dlv": 56268}, "workingDir": "/workspace", "bind": "0.0.0.0"}
LABEL_PY = {"runtime": "python", "ports": {"dap": 5678}, "workingDir": "/workspace"}
LABEL_NODE = {"runtime": "node", "ports": {"devtools": 9229}, "workingDir": "/workspace"}
LABEL_JVM = {"runtime": "jvm", "ports": {"jdwp": 5005}, "workingDir": "/workspace"}


def image_config(procs, workdir="/workspace"):
    return {"architecture": "amd64", "os": "linux",
            "config": {"WorkingDir": workdir, "Labels": {ide.LABEL: json.dumps(procs)}}}


def write_blob(layout, obj):
    data = json.dumps(obj).encode()
    digest = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def write_layout(layout, config):
    cfg = write_blob(layout, config)
    cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
    man = write_blob(layout, {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                              "config": cfg, "layers": []})
    man["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [man]}, f)
    return man


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = ide.main(argv)
    return rc, out.getvalue(), err.getvalue()


class EntriesTest(unittest.TestCase):
    def test_fallback_uses_working_dir_and_says_so(self):
        out, notes = ide.ide_configs(image_config({"web": LABEL_GO})["config"])
        (code,) = out["vscode"]["configurations"]
        self.assertEqual(code["mode"], "remote")
        self.assertEqual(code["port"], 56268)
        self.assertEqual(code["host"], "127.0.0.1")
        self.assertEqual(code["substitutePath"], [{"from": "${workspaceFolder}", "to": "/workspace"}])
        self.assertEqual(out["goland"][0]["pathMappings"], [{"local": "$PROJECT_DIR$", "remote": "/workspace"}])
        self.assertTrue(any("no source field" in n for n in notes))

    def test_source_field_trimpath_maps_to_module(self):
        go = dict(LABEL_GO, source={"root": "/workspace", "module": "example.com/app", "trimpath": True})
        out, notes = ide.ide_configs(image_config({"web": go})["config"])
        self.assertEqual(out["vscode"]["configurations"][0]["substitutePath"],
                         [{"from": "${workspaceFolder}", "to": "example.com/app"}])
        self.assertEqual(notes, [])

    def test_source_field_without_trimpath_maps_to_root(self):
        go = dict(LABEL_GO, source={"root": "/srv/app", "module": "example.com/app", "trimpath": False})
        out, _ = ide.ide_configs(image_config({"web": go})["config"])
        self.assertEqual(out["vscode"]["configurations"][0]["substitutePath"][0]["to"], "/srv/app")

    def test_source_without_root_keeps_module(self):
        go = dict(LABEL_GO, source={"module": "example.com/app", "trimpath": True})
        out, notes = ide.ide_configs(image_config({"web": go})["config"])
        self.assertEqual(out["vscode"]["configurations"][0]["substitutePath"][0]["to"], "example.com/app")
        self.assertTrue(any("no source field" in n for n in notes))

    def test_each_runtime(self):
        procs = {"api": LABEL_PY, "ui": LABEL_NODE, "jvm": LABEL_JVM,
                 "dotnet": {"runtime": "dotnet", "ports": {}, "tools": {"vsdbg": "/layers/x/vsdbg/vsdbg"}},
                 "other": {"runtime": "unknown", "ports": {}}}
        out, notes = ide.ide_configs(image_config(procs)["config"], host="10.0.0.9")
        by_type = {c["type"]: c for c in out["vscode"]["configurations"]}
        self.assertEqual(by_type["debugpy"]["connect"], {"host": "10.0.0.9", "port": 5678})
        self.assertEqual(by_type["debugpy"]["pathMappings"], [{"localRoot": "${workspaceFolder}", "remoteRoot": "/workspace"}])
        self.assertEqual((by_type["node"]["address"], by_type["node"]["port"], by_type["node"]["remoteRoot"]),
                         ("10.0.0.9", 9229, "/workspace"))
        self.assertEqual((by_type["java"]["hostName"], by_type["java"]["port"]), ("10.0.0.9", 5005))
        self.assertEqual(by_type["coreclr"]["pipeTransport"]["debuggerPath"], "/layers/x/vsdbg/vsdbg")
        self.assertEqual(len(out["pycharm"]), 1)
        self.assertEqual({e["type"] for e in out["intellij"]}, {"Remote JVM Debug", "Attach to Node.js/Chrome"})
        self.assertTrue(any(n.startswith("other:") for n in notes))

    def test_no_label(self):
        with self.assertRaises(ide.IdeConfigError):
            ide.ide_configs({"Labels": {}})


class SourcesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def test_oci_layout(self):
        write_layout(self.dir.name, image_config({"web": LABEL_GO}))
        rc, out, _ = run([self.dir.name, "--format", "vscode"])
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(out)["configurations"][0]["port"], 56268)

    def test_inspect_json(self):
        path = os.path.join(self.dir.name, "inspect.json")
        with open(path, "w") as f:
            json.dump([{"Id": "sha256:x", "Config": image_config({"web": LABEL_PY})["config"]}], f)
        rc, out, _ = run([path, "--format", "pycharm"])
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(out)[0]["port"], 5678)

    def test_unreadable_source_is_one_line(self):
        rc, _, err = run([os.path.join(self.dir.name, "missing.json")])
        self.assertEqual(rc, 1)
        self.assertIn("missing.json", err)
        self.assertEqual(len(err.strip().splitlines()), 1)


class RegistryTest(unittest.TestCase):
    """A loopback registry serving an OCI layout's manifests and blobs."""

    def serve(self, need_token):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        layout = tmp.name
        man = write_layout(layout, image_config({"web": LABEL_GO}))
        token = "t0k3n"
        test = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                if self.path.startswith("/token"):
                    body = json.dumps({"token": token}).encode()
                elif need_token and self.headers.get("Authorization") != "Bearer " + token:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Bearer realm="http://127.0.0.1:%d/token",service="test"'
                                     % self.server.server_port)
                    self.end_headers()
                    return
                elif self.path == "/v2/app/manifests/v1":
                    with open(os.path.join(layout, "blobs", "sha256", man["digest"][7:]), "rb") as f:
                        body = f.read()
                elif self.path.startswith("/v2/app/blobs/sha256:"):
                    p = os.path.join(layout, "blobs", "sha256", self.path.rsplit(":", 1)[1])
                    if not os.path.exists(p):
                        self.send_response(404)
                        self.end_headers()
                        return
                    with open(p, "rb") as f:
                        body = f.read()
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        test.addCleanup(srv.server_close)
        test.addCleanup(srv.shutdown)
        return "registry://127.0.0.1:%d/app:v1" % srv.server_port

    def test_registry_anonymous(self):
        rc, out, err = run([self.serve(False), "--plain-http", "--format", "goland"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)[0]["port"], 56268)

    def test_registry_bearer_challenge(self):
        rc, out, err = run([self.serve(True), "--plain-http", "--format", "vscode"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["configurations"][0]["mode"], "remote")

    def test_bad_reference(self):
        rc, _, err = run(["registry://nohost"])
        self.assertEqual(rc, 1)
        self.assertIn("registry://HOST", err)


if __name__ == "__main__":
    unittest.main()
