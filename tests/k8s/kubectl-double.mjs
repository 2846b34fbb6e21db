// A stand-in for kubectl against a cluster, for tests that follow an
// operators' guide (tests/e2e/partners_e2e.sh, docs/partners.md): no
// Kubernetes API server can be installed here. It answers exactly the
// commands the guide uses and refuses any other, so a new command in the
// guide fails the test until it is simulated here:
//
//   kubectl -n NS create -f -          a CertificateRequest on stdin: validated
//                                      against cert-manager's schema, then
//                                      signed as cert-manager's CA issuer
//                                      does (the request's subject and SANs,
//                                      spec.usages, spec.duration) by the CA
//                                      in $KUBECTL_DOUBLE_DIR/ca.{pem,key}
//   kubectl -n NS wait --for=condition=Ready certificaterequest/NAME --timeout=T
//   kubectl -n NS get certificaterequest NAME -o jsonpath={.status.certificate}
//   kubectl -n NS get certificaterequest NAME -o jsonpath={.status.ca}
//   kubectl apply -k DIR               rendered with the real kustomize
//                                      ($KUBECTL_DOUBLE_REAL, kubectl
//                                      kustomize), validated (validate.mjs,
//                                      as overlay "production"), and the
//                                      rendered agencies.json written, by
//                                      atomic rename as the kubelet does, to
//                                      $KUBECTL_DOUBLE_DIR/agencies.json,
//                                      the file the test's services read
//
// usage: node kubectl-double.mjs ARGS... (the test's bin/kubectl wraps it)
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const state = process.env.KUBECTL_DOUBLE_DIR;
const realKubectl = process.env.KUBECTL_DOUBLE_REAL ?? "kubectl";
const repoRoot = process.env.KUBECTL_DOUBLE_REPO;
function die(message, code = 1) {
  console.error(`kubectl (test double): ${message}`);
  process.exit(code);
}
if (!state) die("KUBECTL_DOUBLE_DIR not set", 2);

let args = process.argv.slice(2);
let namespace = "default";
for (let i = 0; i < args.length; i++) {
  if (args[i] === "-n" || args[i] === "--namespace") { namespace = args[i + 1]; args.splice(i, 2); i--; }
  else if (args[i].startsWith("--namespace=")) { namespace = args[i].split("=")[1]; args.splice(i, 1); i--; }
}
const requests = join(state, "certificaterequests", namespace);
mkdirSync(requests, { recursive: true });
const saved = (name) => {
  const f = join(requests, `${name}.json`);
  if (!existsSync(f)) die(`certificaterequests.cert-manager.io "${name}" not found`);
  return JSON.parse(readFileSync(f, "utf8"));
};

// cert-manager's key usages -> OpenSSL's extension names.
const KEY_USAGE = { "digital signature": "digitalSignature", "key encipherment": "keyEncipherment" };
const EXT_KEY_USAGE = { "client auth": "clientAuth", "server auth": "serverAuth" };

async function createCertificateRequest(o) {
  const { CertificateRequest } = await import("@kubernetes-models/cert-manager/cert-manager.io/v1");
  try {
    new CertificateRequest(o).validate();
  } catch (e) {
    die(`CertificateRequest ${o.metadata?.name}: ${e.message}`);
  }
  const name = o.metadata.name;
  if (existsSync(join(requests, `${name}.json`))) die(`certificaterequests.cert-manager.io "${name}" already exists`);
  const ref = o.spec.issuerRef;
  // The Issuer this namespace has (k8s/components/cert-manager/ca.yaml).
  if (ref.name !== "frontdoor-ca" || (ref.kind ?? "Issuer") !== "Issuer" || (ref.group ?? "cert-manager.io") !== "cert-manager.io")
    die(`issuer ${ref.kind}/${ref.name}: not found (the request would stay pending)`);
  const work = mkdtempSync(join(tmpdir(), "kubectl-double-"));
  try {
    const csr = Buffer.from(o.spec.request, "base64").toString("utf8");
    writeFileSync(join(work, "req.csr"), csr);
    const text = execFileSync("openssl", ["req", "-in", join(work, "req.csr"), "-noout", "-verify", "-text"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const m = /Subject Alternative Name:[^\n]*\n\s*([^\n]+)/.exec(text);
    const usages = o.spec.usages ?? ["digital signature", "key encipherment"];
    const ku = usages.map((u) => KEY_USAGE[u]).filter(Boolean);
    const eku = usages.map((u) => EXT_KEY_USAGE[u]).filter(Boolean);
    const unknown = usages.filter((u) => !KEY_USAGE[u] && !EXT_KEY_USAGE[u]);
    if (unknown.length) die(`usages not simulated: ${unknown.join(", ")}`);
    const ext = ["basicConstraints=critical,CA:FALSE", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"];
    if (ku.length) ext.push(`keyUsage=critical,${ku.join(",")}`);
    if (eku.length) ext.push(`extendedKeyUsage=${eku.join(",")}`);
    if (m) ext.push(`subjectAltName=${m[1].trim().replace(/, /g, ",")}`);
    writeFileSync(join(work, "ext.cnf"), ext.join("\n") + "\n");
    const hours = /^([0-9]+)h$/.exec(o.spec.duration ?? "2160h");
    if (!hours) die(`duration ${o.spec.duration}: only whole hours are simulated`);
    const days = String(Math.max(1, Math.floor(Number(hours[1]) / 24)));
    execFileSync("openssl", ["x509", "-req", "-sha256", "-days", days, "-in", join(work, "req.csr"),
      "-CA", join(state, "ca.pem"), "-CAkey", join(state, "ca.key"),
      "-set_serial", `0x${execFileSync("openssl", ["rand", "-hex", "16"], { encoding: "utf8" }).trim()}`,
      "-extfile", join(work, "ext.cnf"), "-out", join(work, "cert.pem")], { stdio: ["ignore", "ignore", "pipe"] });
    const b64 = (f) => readFileSync(f).toString("base64");
    o.status = {
      certificate: b64(join(work, "cert.pem")),
      ca: b64(join(state, "ca.pem")),
      conditions: [{ type: "Approved", status: "True" }, { type: "Ready", status: "True" }],
    };
  } catch (e) {
    die(`signing ${name}: ${e.stderr?.toString() ?? e.message}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(join(requests, `${name}.json`), JSON.stringify(o));
  console.log(`certificaterequest.cert-manager.io/${name} created`);
}

function applyKustomization(dir) {
  const render = spawnSync(realKubectl, ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (render.status !== 0) die(`kustomize ${dir}: ${render.stderr}`);
  const work = mkdtempSync(join(tmpdir(), "kubectl-double-"));
  try {
    writeFileSync(join(work, "rendered.yaml"), render.stdout);
    const v = spawnSync("node", [join(here, "validate.mjs"), "production", join(work, "rendered.yaml"), repoRoot ?? join(dir, "../../..")], { encoding: "utf8" });
    if (v.status !== 0) die(`the rendering does not validate:\n${v.stdout.split("\n").filter((l) => !l.startsWith("ok")).join("\n")}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const objects = parseAllDocuments(render.stdout).map((d) => d.toJS()).filter(Boolean);
  const rules = objects.find((o) => o.kind === "ConfigMap" && o.data?.["agencies.json"]);
  if (!rules) die("no ConfigMap with agencies.json in the rendering");
  const tmp = join(state, ".agencies.json.new");
  writeFileSync(tmp, rules.data["agencies.json"]);
  renameSync(tmp, join(state, "agencies.json"));
  console.log(`configmap/${rules.metadata.name} configured (and ${objects.length - 1} other objects)`);
}

const [verb, ...rest] = args;
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
if (verb === "create" && same(rest, ["-f", "-"])) {
  const objects = parseAllDocuments(readFileSync(0, "utf8")).map((d) => d.toJS()).filter(Boolean);
  for (const o of objects) {
    if (o.kind !== "CertificateRequest") die(`create ${o.kind}: not simulated`, 2);
    await createCertificateRequest(o);
  }
} else if (verb === "wait" && rest.length === 3 && rest[0] === "--for=condition=Ready" &&
           rest[1].startsWith("certificaterequest/") && rest[2].startsWith("--timeout=")) {
  const o = saved(rest[1].split("/")[1]);
  if (!o.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) die(`timed out waiting for ${rest[1]}`);
  console.log(`${rest[1].replace("certificaterequest/", "certificaterequest.cert-manager.io/")} condition met`);
} else if (verb === "get" && rest.length === 4 && rest[0] === "certificaterequest" && rest[2] === "-o" &&
           ["jsonpath={.status.certificate}", "jsonpath={.status.ca}"].includes(rest[3])) {
  const o = saved(rest[1]);
  process.stdout.write(rest[3].includes("certificate") ? o.status.certificate : o.status.ca);
} else if (verb === "apply" && rest.length === 2 && rest[0] === "-k") {
  applyKustomization(rest[1]);
} else {
  die(`not simulated: kubectl ${process.argv.slice(2).join(" ")}`, 2);
}
