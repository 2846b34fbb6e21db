// Validates the rendered k8s/ overlays without a cluster.
//
// usage: node validate.mjs OVERLAY_NAME RENDERED.yaml REPO_ROOT
//
// 1. Every object validates against its API schema: Kubernetes
//    (kubernetes-models), cert-manager and Prometheus Operator
//    (@kubernetes-models/*). No schema package exists for CloudNativePG, so
//    its objects get the structural checks written below instead. An object
//    of any other kind fails.
// 2. Checks written here: every container has gRPC probes on the health
//    port (web-svc: HTTP probes, GET /readyz and /livez), requests and
//    limits, and the restricted security context; every
//    Deployment is selected by a NetworkPolicy and a PodDisruptionBudget;
//    every port a service listens on (from its config) is declared on the
//    container and the headless Service; no image without a pinned tag; the
//    network policies allow exactly the forward flow (and PostgreSQL's own
//    traffic); configs, mounts, certificates and identities agree; every
//    service keeps its data in its own PostgreSQL database, with the URL
//    from a Secret, over TLS verified against the suite's CA, and no
//    password is in a ConfigMap or the manifests; the overlay's own
//    promises (replicas, autoscalers, topology spread, PostgreSQL
//    instances); web-svc's Ingress: the public host's TLS from a
//    cert-manager Certificate, the backend web-svc's https port over HTTPS
//    verified against the suite's CA, the body limit web-svc's forms have;
//    only the ingress controller reaches web-svc; the Grafana dashboards,
//    every file in monitoring/dashboards in one ConfigMap labelled for
//    Grafana's sidecar, as valid JSON; the partners' way in, LoadBalancer
//    Services passing TLS through to intake-svc's and notify-svc's API
//    ports only, from the ranges the network policies admit.
//
// Prints one line per check and ends with "N passed, N failed".
import { readdirSync, readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const [overlay, renderedPath, repoRoot] = process.argv.slice(2);
if (!overlay || !renderedPath || !repoRoot) {
  console.error("usage: node validate.mjs OVERLAY RENDERED.yaml REPO_ROOT");
  process.exit(2);
}

const SERVICES = ["intake-svc", "triage-svc", "allocation-svc", "notify-svc", "web-svc"];
// The web front door: HTTPS for people behind the ingress controller
// instead of a gRPC API; its config has httpsAddress etc. at the top level.
const WEB = "web-svc";
// The forward flow: [from, to]. Nothing else between services.
const FLOWS = [
  ["intake-svc", "triage-svc"],
  ["intake-svc", "notify-svc"],
  ["triage-svc", "allocation-svc"],
  ["triage-svc", "notify-svc"],
  ["allocation-svc", "notify-svc"],
  ["web-svc", "intake-svc"],
  // The console's staff calls (docs/adr/0012-console-calls.md).
  ["web-svc", "triage-svc"],
  ["web-svc", "allocation-svc"],
  ["web-svc", "notify-svc"],
];
// Services partners call directly (intake: referrals; notify: subscriptions).
const PARTNER_FACING = ["intake-svc", "notify-svc"];
// Secrets the operator creates (never in the manifests; README).
const OPERATOR_SECRETS = new Set(["frontdoor-keys", "web-svc-csrf"]);
// The role config/agencies.json gives each service's identity.
const ROLE_OF = { [WEB]: "ROLE_WEB_FORM" };
// The ingress controller (ingress-nginx, README): the only way in to web-svc.
const INGRESS_CONTROLLER = { ns: "ingress-nginx", labels: { "app.kubernetes.io/name": "ingress-nginx" } };

let passed = 0;
let failed = 0;
function check(name, problems) {
  const list = (Array.isArray(problems) ? problems : [problems]).filter(Boolean);
  if (list.length === 0) {
    passed++;
    console.log(`ok   ${overlay}: ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${overlay}: ${name}`);
    for (const p of list) console.log(`       ${p}`);
  }
}

// --- load -------------------------------------------------------------------
const docs = parseAllDocuments(readFileSync(renderedPath, "utf8"));
const objects = [];
const parseErrors = [];
for (const d of docs) {
  if (d.errors.length) parseErrors.push(...d.errors.map((e) => e.message));
  const o = d.toJS();
  if (o) objects.push(o);
}
check("rendered YAML parses", parseErrors);
const id = (o) => `${o.kind}/${o.metadata?.name}`;
const ofKind = (kind) => objects.filter((o) => o.kind === kind);
const named = (kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);

// --- 1. schemas ------------------------------------------------------------------
function modelModule(apiVersion) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "cert-manager.io" || group === "acme.cert-manager.io")
    return `@kubernetes-models/cert-manager/${group}/${version}`;
  if (group === "monitoring.coreos.com")
    return `@kubernetes-models/prometheus-operator/${group}/${version}`;
  if (group === "") return `kubernetes-models/${version}`;
  if (!group.includes(".") || group.endsWith(".k8s.io")) return `kubernetes-models/${group}/${version}`;
  return null;
}

// CloudNativePG: no published schema package. The fields this project uses,
// from the CloudNativePG API reference (postgresql.cnpg.io/v1), so that a
// misspelt field fails here rather than being dropped by the API server.
const CNPG_FIELDS = {
  Cluster: {
    required: ["instances", "storage"],
    known: ["description", "imageName", "instances", "primaryUpdateStrategy",
      "primaryUpdateMethod", "minSyncReplicas", "maxSyncReplicas", "storage",
      "walStorage", "postgresql", "bootstrap", "managed", "resources",
      "monitoring", "affinity", "backup", "certificates", "enableSuperuserAccess",
      "superuserSecret", "inheritedMetadata", "logLevel", "startDelay", "stopDelay",
      "switchoverDelay", "failoverDelay", "topologySpreadConstraints",
      "priorityClassName", "env", "envFrom", "imagePullSecrets", "externalClusters",
      "replica", "nodeMaintenanceWindow", "serviceAccountTemplate", "projectedVolumeTemplate",
      "tablespaces", "managedServices", "plugins", "probes", "postgresUID", "postgresGID",
      "enablePDB", "smartShutdownTimeout", "ephemeralVolumeSource",
      "ephemeralVolumesSizeLimit", "seccompProfile", "podSecurityContext",
      "securityContext"],
  },
  Database: {
    required: ["cluster", "name", "owner"],
    known: ["cluster", "name", "owner", "ensure", "databaseReclaimPolicy", "template",
      "encoding", "locale", "localeProvider", "lcCollate", "lcCtype", "icuLocale",
      "icuRules", "builtinLocale", "collationVersion", "isTemplate", "allowConnections",
      "connectionLimit", "tablespace", "extensions", "schemas", "fdws"],
  },
};
const CNPG_CERTIFICATES_FIELDS = ["serverTLSSecret", "serverCASecret", "clientCASecret",
  "replicationTLSSecret", "serverAltDNSNames"];
const CNPG_POSTGRESQL_FIELDS = ["parameters", "pg_hba", "pg_ident", "shared_preload_libraries",
  "syncReplicaElectionConstraint", "ldap", "promotionTimeout", "enableAlterSystem", "synchronous",
  "extensions"];
const CNPG_ROLE_FIELDS = ["name", "ensure", "login", "superuser", "createdb", "createrole",
  "inherit", "replication", "bypassrls", "connectionLimit", "validUntil", "inRoles",
  "passwordSecret", "disablePassword", "comment"];

function cnpgProblems(o) {
  const p = [];
  const spec = CNPG_FIELDS[o.kind];
  if (o.apiVersion !== "postgresql.cnpg.io/v1") p.push(`apiVersion ${o.apiVersion}`);
  if (!spec) return [`no schema and no checks for ${o.kind}`];
  if (!o.metadata?.name) p.push("metadata.name missing");
  const s = o.spec ?? {};
  for (const f of spec.required) if (s[f] === undefined) p.push(`spec.${f} missing`);
  for (const f of Object.keys(s)) if (!spec.known.includes(f)) p.push(`spec.${f}: unknown field`);
  if (o.kind === "Cluster") {
    if (!Number.isInteger(s.instances) || s.instances < 1) p.push("spec.instances: integer >= 1");
    for (const st of ["storage", "walStorage"]) {
      if (s[st] && !/^[0-9]+(Mi|Gi|Ti)$/.test(String(s[st].size))) p.push(`spec.${st}.size: quantity`);
    }
    const min = s.minSyncReplicas ?? 0, max = s.maxSyncReplicas ?? 0;
    if (!(Number.isInteger(min) && Number.isInteger(max) && min <= max && max < s.instances))
      p.push(`sync replicas ${min}..${max} must be integers with min <= max < instances`);
    for (const v of Object.values(s.postgresql?.parameters ?? {}))
      if (typeof v !== "string") p.push(`postgresql.parameters values must be strings (${v})`);
    for (const [obj, known] of [["postgresql", CNPG_POSTGRESQL_FIELDS], ["certificates", CNPG_CERTIFICATES_FIELDS]])
      for (const f of Object.keys(s[obj] ?? {})) if (!known.includes(f)) p.push(`spec.${obj}.${f}: unknown field`);
    for (const line of s.postgresql?.pg_hba ?? [])
      if (typeof line !== "string" || !/^(local|host|hostssl|hostnossl|hostgssenc|hostnogssenc)\s+\S+\s+\S+/.test(line))
        p.push(`postgresql.pg_hba: not a pg_hba.conf line: ${line}`);
    for (const [k, v] of Object.entries(s.certificates ?? {}))
      if (k !== "serverAltDNSNames" && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(String(v)))
        p.push(`spec.certificates.${k}: not a Secret name`);
    for (const r of s.managed?.roles ?? []) {
      for (const f of Object.keys(r)) if (!CNPG_ROLE_FIELDS.includes(f)) p.push(`role ${r.name}: unknown field ${f}`);
      if (!/^[a-z_][a-z0-9_]*$/.test(r.name ?? "")) p.push(`role name ${r.name}`);
      if (r.connectionLimit !== undefined && !Number.isInteger(r.connectionLimit))
        p.push(`role ${r.name}: connectionLimit must be an integer`);
      if (r.passwordSecret !== undefined && typeof r.passwordSecret?.name !== "string")
        p.push(`role ${r.name}: passwordSecret.name missing`);
    }
  }
  if (o.kind === "Database") {
    if (!named("Cluster", s.cluster?.name)) p.push(`spec.cluster.name ${s.cluster?.name}: no such Cluster`);
    const roles = (named("Cluster", s.cluster?.name)?.spec?.managed?.roles ?? []).map((r) => r.name);
    const initOwner = named("Cluster", s.cluster?.name)?.spec?.bootstrap?.initdb?.owner;
    if (!roles.includes(s.owner) && s.owner !== initOwner) p.push(`owner ${s.owner}: not a managed role`);
  }
  return p;
}

const schemaProblems = [];
for (const o of objects) {
  if (!o.apiVersion || !o.kind) {
    schemaProblems.push(`object without apiVersion/kind: ${JSON.stringify(o).slice(0, 80)}`);
    continue;
  }
  if (o.apiVersion.startsWith("postgresql.cnpg.io/")) {
    for (const p of cnpgProblems(o)) schemaProblems.push(`${id(o)}: ${p}`);
    continue;
  }
  const mod = modelModule(o.apiVersion);
  let Model;
  try {
    Model = mod && (await import(mod))[o.kind];
  } catch {
    Model = undefined;
  }
  if (!Model) {
    schemaProblems.push(`${id(o)}: no schema for ${o.apiVersion} ${o.kind}`);
    continue;
  }
  try {
    new Model(o).validate();
  } catch (e) {
    schemaProblems.push(`${id(o)}: ${e.message}`);
  }
}
check(`${objects.length} objects validate against their API schemas`, schemaProblems);

// --- helpers -------------------------------------------------------------------
function selects(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}
const portOf = (address) => Number(String(address).split(":").pop());
const deployments = ofKind("Deployment");
const podLabels = (d) => d.spec?.template?.metadata?.labels ?? {};
// What a service listens on, whichever shape its config has: the API
// (named port "grpc", or web-svc's "https"), health and metrics addresses,
// and the kind of probe its health port answers.
const listens = (cfg) => cfg?.server
  ? { apiName: "grpc", api: cfg.server.apiAddress, health: cfg.server.healthAddress,
      metrics: cfg.server.metricsAddress, probes: "grpc" }
  : { apiName: "https", api: cfg?.httpsAddress, health: cfg?.healthAddress,
      metrics: cfg?.metricsAddress, probes: "http" };
const svcConfig = (svc) => {
  const d = named("Deployment", svc);
  const vol = d?.spec.template.spec.volumes?.find((v) => v.name === "config");
  for (const src of vol?.projected?.sources ?? []) {
    const cm = named("ConfigMap", src.configMap?.name);
    if (cm?.data?.[`${svc}.json`]) return JSON.parse(cm.data[`${svc}.json`]);
  }
  return null;
};

// --- 2. checks written here ------------------------------------------------------
check(`the ${SERVICES.length} services are deployed`,
  SERVICES.filter((s) => !named("Deployment", s)).map((s) => `no Deployment ${s}`));

for (const d of deployments) {
  const name = d.metadata.name;
  const pod = d.spec.template.spec;
  const cfg = svcConfig(name);
  const p = [];
  if (!cfg) p.push("no config file <service>.json in the projected config volume");
  const on = listens(cfg);
  const healthPort = cfg && portOf(on.health);
  const psc = pod.securityContext ?? {};
  if (psc.runAsNonRoot !== true) p.push("pod securityContext.runAsNonRoot is not true");
  if (!(psc.runAsUser > 0)) p.push("pod securityContext.runAsUser must be a non-zero uid");
  if (psc.seccompProfile?.type !== "RuntimeDefault") p.push("pod seccompProfile is not RuntimeDefault");
  if (pod.automountServiceAccountToken !== false) p.push("service account token is mounted");
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) p.push("host namespaces used");
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const where = `container ${c.name}`;
    if (on.probes === "grpc") {
      for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
        if (!c[probe]?.grpc) p.push(`${where}: no native gRPC ${probe}`);
        else if (healthPort && c[probe].grpc.port !== healthPort)
          p.push(`${where}: ${probe} on port ${c[probe].grpc.port}, health port is ${healthPort}`);
      }
      // Readiness follows the database; liveness must not, or an outage
      // restarts every pod.
      if (c.livenessProbe?.grpc && c.livenessProbe.grpc.service !== "frontdoor.liveness")
        p.push(`${where}: livenessProbe does not ask for service frontdoor.liveness`);
    } else {
      // web-svc's health port answers plain HTTP: /readyz (503 while
      // starting and draining) and /livez (200 while the process runs).
      const paths = { startupProbe: "/readyz", readinessProbe: "/readyz", livenessProbe: "/livez" };
      for (const [probe, path] of Object.entries(paths)) {
        const h = c[probe]?.httpGet;
        if (!h) p.push(`${where}: no HTTP ${probe}`);
        else {
          if (healthPort && h.port !== healthPort && h.port !== "health")
            p.push(`${where}: ${probe} on port ${h.port}, health port is ${healthPort}`);
          if (h.path !== path) p.push(`${where}: ${probe} asks for ${h.path}, expected ${path}`);
          if ((h.scheme ?? "HTTP") !== "HTTP") p.push(`${where}: ${probe} scheme ${h.scheme}: the health port is plaintext`);
        }
      }
    }
    for (const kind of ["requests", "limits"])
      for (const r of ["cpu", "memory"])
        if (!c.resources?.[kind]?.[r]) p.push(`${where}: no ${kind}.${r}`);
    const sc = c.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true) p.push(`${where}: root filesystem not read-only`);
    if (sc.allowPrivilegeEscalation !== false) p.push(`${where}: privilege escalation allowed`);
    if (sc.privileged) p.push(`${where}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) p.push(`${where}: capabilities not dropped (ALL)`);
    if ((sc.capabilities?.add ?? []).length) p.push(`${where}: capabilities added`);
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) p.push(`${where}: may run as root`);
    if ((sc.runAsUser ?? psc.runAsUser) === 0) p.push(`${where}: runs as uid 0`);
    if ((sc.seccompProfile?.type ?? psc.seccompProfile?.type) !== "RuntimeDefault")
      p.push(`${where}: seccomp not RuntimeDefault`);
  }
  check(`Deployment ${name}: probes, resources and security context`, p);

  // Ports: each address in the config is a named container port and a port
  // of the headless Service of the same name.
  const q = [];
  const svcObj = named("Service", name);
  if (!svcObj) q.push(`no Service ${name}`);
  else {
    if (svcObj.spec.clusterIP !== "None") q.push("Service is not headless (clusterIP: None)");
    if (!selects({ matchLabels: svcObj.spec.selector }, podLabels(d))) q.push("Service does not select the pods");
  }
  if (cfg) {
    const wanted = { [on.apiName]: on.api, health: on.health, metrics: on.metrics };
    const container = pod.containers.find((c) => c.name === name) ?? pod.containers[0];
    for (const [portName, address] of Object.entries(wanted)) {
      const port = portOf(address);
      const cp = (container.ports ?? []).find((x) => x.name === portName);
      if (!cp || cp.containerPort !== port) q.push(`container port ${portName}=${port} not declared`);
      const sp = svcObj?.spec.ports?.find((x) => x.name === portName);
      if (!sp || sp.port !== port || ![portName, port].includes(sp.targetPort))
        q.push(`Service port ${portName}=${port} not declared`);
    }
    for (const cp of container.ports ?? [])
      if (!Object.values(wanted).map(portOf).includes(cp.containerPort))
        q.push(`container port ${cp.name}=${cp.containerPort} is not one the service listens on`);
  }
  check(`Deployment ${name}: every port it listens on is declared (Service port "${on.apiName}" included)`, q);

  // Selected by a NetworkPolicy of its own (beyond the namespace-wide deny)
  // and by exactly one PodDisruptionBudget.
  const pols = ofKind("NetworkPolicy").filter((np) =>
    Object.keys(np.spec.podSelector ?? {}).length > 0 && selects(np.spec.podSelector, podLabels(d)));
  const pdbs = ofKind("PodDisruptionBudget").filter((b) => selects(b.spec.selector, podLabels(d)));
  check(`Deployment ${name}: selected by a NetworkPolicy and one PodDisruptionBudget`, [
    pols.length === 0 && "no NetworkPolicy selects its pods",
    pdbs.length !== 1 && `${pdbs.length} PodDisruptionBudgets select its pods`,
    pdbs.some((b) => b.spec.minAvailable !== undefined && (d.spec.replicas ?? 1) <= Number(b.spec.minAvailable))
      && "a PodDisruptionBudget would block every eviction",
  ]);

  // Config, mounts, secrets and identities agree.
  const r = [];
  if (cfg) {
    const mounts = Object.fromEntries(pod.containers[0].volumeMounts.map((m) => [m.mountPath, m.name]));
    const volume = (n) => pod.volumes.find((v) => v.name === n);
    const configKeys = new Set();
    for (const src of volume("config")?.projected?.sources ?? []) {
      const cm = named("ConfigMap", src.configMap?.name);
      if (!cm) r.push(`ConfigMap ${src.configMap?.name} is not in the rendering`);
      else Object.keys(cm.data ?? {}).forEach((k) => configKeys.add(k));
    }
    const files = [];
    const walk = (o) => {
      for (const [k, v] of Object.entries(o)) {
        if (typeof v === "string" && /File$|^sqlitePath$/.test(k)) files.push([k, v]);
        else if (v && typeof v === "object") walk(v);
      }
    };
    walk(cfg);
    for (const [k, path] of files) {
      const dir = path.slice(0, path.lastIndexOf("/"));
      const base = path.slice(path.lastIndexOf("/") + 1);
      const vol = volume(mounts[dir]);
      if (!vol) r.push(`${k} ${path}: nothing mounted at ${dir}`);
      else if (vol.projected && !configKeys.has(base)) r.push(`${k} ${path}: not in the config ConfigMaps`);
      else if (vol.secret) {
        const sec = vol.secret.secretName;
        const cert = ofKind("Certificate").find((c) => c.spec.secretName === sec);
        if (cert && !["ca.crt", "tls.crt", "tls.key"].includes(base)) r.push(`${k}: ${base} not in a cert-manager secret`);
        if (!cert && !OPERATOR_SECRETS.has(sec))
          r.push(`${k}: Secret ${sec} is neither issued here nor one the operator creates`);
      } else if (k === "sqlitePath" && !vol.emptyDir && !vol.persistentVolumeClaim) r.push(`${k}: not on a writable volume`);
    }
    for (const [k, v] of Object.entries(cfg)) {
      if (!v?.target) continue;
      const m = /^dns:\/\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)$/.exec(v.target);
      if (!m) { r.push(`${k}.target ${v.target}: not dns:///<svc>.<ns>.svc.cluster.local:<port>`); continue; }
      const [, svc, ns, port] = m;
      const target = named("Service", svc);
      if (!target) r.push(`${k}.target: no Service ${svc}`);
      else if (ns !== target.metadata.namespace) r.push(`${k}.target: namespace ${ns}, Service is in ${target.metadata.namespace}`);
      else if (target.spec.ports.find((x) => x.name === "grpc")?.port !== Number(port)) r.push(`${k}.target: port ${port} is not ${svc}'s grpc port`);
      if (v.tlsServerName !== svc) r.push(`${k}.tlsServerName ${v.tlsServerName}, expected ${svc}`);
    }
    const tls = volume("tls")?.secret?.secretName;
    const cert = ofKind("Certificate").find((c) => c.spec.secretName === tls);
    if (ofKind("Certificate").length) {
      const agencies = JSON.parse(
        ofKind("ConfigMap").find((c) => c.data?.["agencies.json"])?.data["agencies.json"] ?? '{"agencies":[]}');
      const uri = `spiffe://frontdoor/svc/${name}`;
      const role = ROLE_OF[name] ?? "ROLE_SERVICE";
      const me = agencies.agencies.find((a) => (a.identities ?? []).includes(uri));
      if (!cert) r.push(`no Certificate issues Secret ${tls}`);
      else {
        if (!(cert.spec.uris ?? []).includes(uri)) r.push(`Certificate ${cert.metadata.name} lacks URI SAN ${uri}`);
        if (!me?.roles?.includes(role))
          r.push(`agencies.json does not register ${uri} as ${role}`);
        if (!(cert.spec.dnsNames ?? []).includes(name)) r.push(`Certificate lacks DNS SAN ${name} (tlsServerName)`);
        for (const u of ["server auth", "client auth"])
          if (!(cert.spec.usages ?? []).includes(u)) r.push(`Certificate lacks usage ${u}`);
        const issuer = named(cert.spec.issuerRef.kind ?? "Issuer", cert.spec.issuerRef.name);
        if (!issuer) r.push(`issuer ${cert.spec.issuerRef.name} not in the rendering`);
      }
    }
  }
  check(`Deployment ${name}: config paths, mounts, secrets, certificate and identity agree`, r);
}

// Stores: every service on its own PostgreSQL database, with the URL from
// a Secret and TLS verified against the suite's CA; SQLite (one pod's file,
// one writer) never behind more than one replica. When the rendering holds
// the CloudNativePG cluster, the Secret is the password of a role that owns
// one database, used by no other service, and the cluster's server
// certificate chains to the CA the services trust.
const PASSWORD_URL = /\bpostgres(?:ql)?:\/\/[^\s/@:"]+:[^\s/@"]+@/i;
const storeSecrets = new Map(); // Secret name -> service
const cluster = ofKind("Cluster")[0];
const clusterRoles = cluster?.spec?.managed?.roles ?? [];
const hba = cluster?.spec?.postgresql?.pg_hba ?? [];
const issuerOf = (secretName) => {
  const c = ofKind("Certificate").find((x) => x.spec.secretName === secretName);
  return c && `${c.spec.issuerRef.kind ?? "Issuer"}/${c.spec.issuerRef.name}`;
};
for (const d of deployments) {
  const name = d.metadata.name;
  const cfg = svcConfig(name);
  if (!cfg) continue;
  const pod = d.spec.template.spec;
  const container = pod.containers.find((c) => c.name === name) ?? pod.containers[0];
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
  const store = cfg.store ?? {};
  const given = ["sqlitePath", "postgresUrl", "postgresUrlEnv"].filter((k) => store[k]);
  const p = [];
  if (given.length !== 1) p.push(`store gives ${given.join(", ") || "nothing"}: exactly one of sqlitePath, postgresUrl, postgresUrlEnv`);
  const hpa = ofKind("HorizontalPodAutoscaler").find((h) =>
    h.spec.scaleTargetRef.kind === "Deployment" && h.spec.scaleTargetRef.name === name);
  if (store.sqlitePath) {
    p.push("store.sqlitePath: the overlays keep the data in PostgreSQL (SQLite is one pod's file, lost with it)");
    if ((d.spec.replicas ?? 1) > 1 || (hpa?.spec.maxReplicas ?? 1) > 1)
      p.push(`store.sqlitePath with up to ${Math.max(d.spec.replicas ?? 1, hpa?.spec.maxReplicas ?? 1)} replicas: SQLite has one writer, each pod would have its own data`);
  }
  if (store.postgresUrl) {
    p.push("store.postgresUrl: the URL is in a ConfigMap; use postgresUrlEnv with the URL in a Secret");
    if (PASSWORD_URL.test(store.postgresUrl)) p.push("store.postgresUrl carries a password");
  }
  if (store.postgresUrlEnv) {
    const e = env[store.postgresUrlEnv];
    const ref = e?.valueFrom?.secretKeyRef;
    const want = `${name}-db`;
    if (!e) p.push(`store.postgresUrlEnv ${store.postgresUrlEnv}: no such environment variable in container ${container.name}`);
    else if (!ref) p.push(`${store.postgresUrlEnv} is not from a Secret (valueFrom.secretKeyRef)`);
    else {
      if (ref.name !== want || ref.key !== "uri") p.push(`${store.postgresUrlEnv} from Secret ${ref.name} key ${ref.key}, expected ${want} key uri (k8s/README.md)`);
      if (ref.optional) p.push(`${store.postgresUrlEnv}: the Secret is optional; the pod must not start without it`);
      if (storeSecrets.has(ref.name)) p.push(`Secret ${ref.name} is also ${storeSecrets.get(ref.name)}'s store: each service has its own database and credentials`);
      storeSecrets.set(ref.name, name);
      if (named("Secret", ref.name)) p.push(`Secret ${ref.name} is in the manifests: the operator creates it, no password is committed`);
      if (cluster) {
        const role = clusterRoles.find((r) => r.passwordSecret?.name === ref.name);
        if (!role) p.push(`no role of Cluster ${cluster.metadata.name} takes its password from Secret ${ref.name}`);
        else {
          if (role.login !== true || role.ensure === "absent") p.push(`role ${role.name} cannot log in`);
          if (role.superuser || role.createrole || role.bypassrls) p.push(`role ${role.name} is privileged`);
          const dbs = ofKind("Database").filter((db) => db.spec.owner === role.name && db.spec.cluster?.name === cluster.metadata.name);
          if (dbs.length !== 1) p.push(`role ${role.name} owns ${dbs.length} databases, expected its own one`);
          else {
            const db = dbs[0].spec.name;
            if (dbs[0].spec.ensure === "absent") p.push(`database ${db} is to be dropped`);
            if (dbs[0].spec.databaseReclaimPolicy === "delete") p.push(`database ${db} is dropped with its Database object`);
            const own = new RegExp(`^hostssl\\s+${db}\\s+${role.name}\\s+\\S+\\s+scram-sha-256$`);
            if (!hba.some((l) => own.test(l.trim()))) p.push(`pg_hba has no "hostssl ${db} ${role.name} all scram-sha-256"`);
          }
          const elsewhere = new RegExp(`^host\\s+all\\s+(\\S*,)?${role.name}(,\\S*)?\\s+\\S+\\s+reject$`);
          if (!hba.some((l) => elsewhere.test(l.trim()))) p.push(`pg_hba lets role ${role.name} into other databases (no "host all ${role.name} all reject")`);
        }
      }
    }
    // TLS: required and verified (libpq's defaults; the URL is a Secret's).
    if (env.PGSSLMODE?.value !== "verify-full") p.push("PGSSLMODE is not verify-full");
    const root = env.PGSSLROOTCERT?.value;
    if (!root) p.push("PGSSLROOTCERT not set: the server's certificate would be checked against nothing");
    else {
      const dir = root.slice(0, root.lastIndexOf("/"));
      const mount = container.volumeMounts?.find((m) => m.mountPath === dir);
      const vol = pod.volumes?.find((v) => v.name === mount?.name);
      if (!vol?.secret) p.push(`PGSSLROOTCERT ${root}: no Secret mounted at ${dir}`);
      else if (cluster) {
        const certs = cluster.spec.certificates ?? {};
        const mine = issuerOf(vol.secret.secretName);
        const server = issuerOf(certs.serverTLSSecret);
        if (!certs.serverTLSSecret || !certs.serverCASecret)
          p.push(`Cluster ${cluster.metadata.name}: server certificate not set (spec.certificates), so its CA is not one the services trust`);
        else if (!mine || mine !== server || issuerOf(certs.serverCASecret) !== server)
          p.push(`PGSSLROOTCERT is issued by ${mine ?? "?"}, the database's certificate by ${server ?? "?"} (CA ${issuerOf(certs.serverCASecret) ?? "?"})`);
        else if (!(named("Issuer", server.split("/")[1]) || named("ClusterIssuer", server.split("/")[1])))
          p.push(`issuer ${server} not in the rendering`);
        const dbCert = ofKind("Certificate").find((c) => c.spec.secretName === certs.serverTLSSecret);
        const host = `${cluster.metadata.name}-rw.${cluster.metadata.namespace}.svc.cluster.local`;
        if (dbCert && !(dbCert.spec.dnsNames ?? []).includes(host)) p.push(`the database's certificate does not name ${host}`);
        if (dbCert && !(dbCert.spec.usages ?? []).includes("server auth")) p.push("the database's certificate lacks usage server auth");
        if (dbCert && !Object.hasOwn(dbCert.spec.secretTemplate?.labels ?? {}, "cnpg.io/reload"))
          p.push("the database's certificate Secret lacks label cnpg.io/reload (renewals would not be loaded)");
      }
    }
  }
  check(`Deployment ${name}: store in its own PostgreSQL database, URL from a Secret, TLS verified`, p);
}
if (cluster) {
  check(`Cluster ${cluster.metadata.name}: no connection without TLS`,
    hba.some((l) => /^hostnossl\s+all\s+all\s+\S+\s+reject$/.test(l.trim())) ? [] : ['pg_hba lacks "hostnossl all all all reject"']);
}

// No password in a ConfigMap, in a literal environment value or in a
// Secret in the manifests.
const leaks = [];
const secretishKey = /(^|_|-)(password|passwd|pgpassword)$|Password$/i;
const walkJson = (where, o) => {
  for (const [k, v] of Object.entries(o ?? {})) {
    if (typeof v === "string" && v && secretishKey.test(k)) leaks.push(`${where}: key ${k}`);
    else if (v && typeof v === "object") walkJson(where, v);
  }
};
for (const cm of ofKind("ConfigMap")) {
  for (const [key, value] of Object.entries({ ...cm.data, ...cm.binaryData })) {
    const where = `${id(cm)} ${key}`;
    if (PASSWORD_URL.test(String(value))) leaks.push(`${where}: a URL with a password`);
    if (/password\s*=\s*\S/i.test(String(value))) leaks.push(`${where}: password=...`);
    if (key.endsWith(".json")) {
      try { walkJson(where, JSON.parse(value)); } catch { /* not JSON: checked elsewhere */ }
    }
  }
}
for (const d of deployments)
  for (const c of [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers])
    for (const e of c.env ?? []) {
      if (e.value === undefined) continue;
      if (/PASSWORD|PASSWD/i.test(e.name)) leaks.push(`${id(d)} container ${c.name}: ${e.name} has a literal value`);
      if (PASSWORD_URL.test(e.value)) leaks.push(`${id(d)} container ${c.name}: ${e.name} is a URL with a password`);
    }
for (const s of ofKind("Secret"))
  if (Object.keys({ ...s.data, ...s.stringData }).length) leaks.push(`${id(s)}: a Secret with data in the manifests`);
check("no password in a ConfigMap, a literal environment value or a committed Secret", leaks);

// No image without a pinned tag.
const images = [];
for (const o of objects) {
  const pod = o.kind === "Deployment" ? o.spec.template.spec : null;
  for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) images.push([id(o), c.image]);
  if (o.kind === "Cluster") images.push([id(o), o.spec.imageName]);
}
check(`${images.length} images pinned (a tag that is not "latest", or a digest)`, images
  .filter(([, img]) => {
    if (!img) return true;
    if (/@sha256:[0-9a-f]{64}$/.test(img)) return false;
    const tag = /:([^/:]+)$/.exec(img)?.[1];
    return !tag || tag === "latest";
  })
  .map(([where, img]) => `${where}: ${img ?? "(none)"}`));

// Network policies: exactly the forward flow.
const policies = ofKind("NetworkPolicy");
if (policies.length) {
  const ns = deployments[0]?.metadata.namespace;
  const pods = Object.fromEntries(SERVICES.map((s) => [s, { ns, labels: podLabels(named("Deployment", s) ?? {}) }]));
  pods.ingress = INGRESS_CONTROLLER;
  pods.postgres = { ns, labels: { "cnpg.io/cluster": "frontdoor-db" } };
  const nsLabels = (n) => ({ "kubernetes.io/metadata.name": n });
  const peerMatches = (peer, other) => {
    if (peer.ipBlock) return other.ip !== undefined; // partners: outside the cluster
    if (other.ip !== undefined) return false;
    const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, nsLabels(other.ns)) : other.ns === ns;
    const podOk = peer.podSelector ? selects(peer.podSelector, other.labels) : true;
    return nsOk && podOk;
  };
  const portOk = (rule, port) => !rule.ports || rule.ports.some((p) => p.port === port);
  const allows = (pod, direction, other, port) => {
    if (pod.ip !== undefined) return true; // outside the cluster: not ours to police
    const type = direction === "ingress" ? "Ingress" : "Egress";
    const applying = policies.filter((p) => p.metadata.namespace === pod.ns &&
      (p.spec.policyTypes ?? ["Ingress"]).includes(type) && selects(p.spec.podSelector, pod.labels));
    if (applying.length === 0) return true;
    return applying.some((p) => (p.spec[direction] ?? []).some((rule) =>
      portOk(rule, port) && (!(rule[direction === "ingress" ? "from" : "to"]) ||
        rule[direction === "ingress" ? "from" : "to"].some((peer) => peerMatches(peer, other)))));
  };
  const flow = (from, to, port) => allows(from, "egress", to, port) && allows(to, "ingress", from, port);
  const apiPort = (s) => portOf(listens(svcConfig(s)).api ?? ":0");
  const metricsPort = (s) => portOf(listens(svcConfig(s)).metrics ?? ":0");
  const healthPort = (s) => portOf(listens(svcConfig(s)).health ?? ":0");
  const p = [];
  const partner = { ip: "203.0.113.7" };
  const prometheus = { ns: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } };
  const stranger = { ns: "default", labels: { app: "other" } };
  const pg = pods.postgres;
  for (const from of SERVICES) {
    for (const to of SERVICES) {
      if (from === to) continue;
      const want = FLOWS.some(([a, b]) => a === from && b === to);
      for (const port of SERVICES.map(apiPort)) {
        const got = flow(pods[from], pods[to], port);
        if (got !== (want && port === apiPort(to)))
          p.push(`${from} -> ${to}:${port} is ${got ? "allowed" : "denied"}`);
      }
    }
    if (!flow(pods[from], pg, 5432)) p.push(`${from} -> postgres:5432 denied`);
    if (flow(pods[from], pg, 8000)) p.push(`${from} -> postgres:8000 allowed`);
    const facing = PARTNER_FACING.includes(from);
    if (allows(pods[from], "ingress", partner, apiPort(from)) !== facing)
      p.push(`partners -> ${from}:${apiPort(from)} ${facing ? "denied" : "allowed"}`);
    for (const port of [metricsPort(from), healthPort(from)])
      if (allows(pods[from], "ingress", partner, port)) p.push(`partners -> ${from}:${port} allowed (only API ports face partners)`);
    if (!flow(prometheus, pods[from], metricsPort(from))) p.push(`prometheus -> ${from} metrics denied`);
    if (flow(prometheus, pods[from], apiPort(from))) p.push(`prometheus -> ${from} API allowed`);
    if (flow(stranger, pods[from], apiPort(from)) || flow(stranger, pods[from], metricsPort(from)))
      p.push(`another namespace's pod reaches ${from}`);
    const dns = { ns: "kube-system", labels: { "k8s-app": "kube-dns" } };
    if (!allows(pods[from], "egress", dns, 53)) p.push(`${from} cannot resolve names`);
  }
  // The ingress controller: to web-svc's https port and nothing else of the
  // suite; no other pod of its namespace, and no pod elsewhere with its
  // labels.
  const ic = pods.ingress;
  const otherInIngressNs = { ns: INGRESS_CONTROLLER.ns, labels: { app: "other" } };
  const lookalike = { ns: "default", labels: INGRESS_CONTROLLER.labels };
  if (!flow(ic, pods[WEB], apiPort(WEB))) p.push(`ingress controller -> ${WEB}:${apiPort(WEB)} denied`);
  for (const port of [metricsPort(WEB), healthPort(WEB)])
    if (flow(ic, pods[WEB], port)) p.push(`ingress controller -> ${WEB}:${port} allowed`);
  for (const s of SERVICES.filter((x) => x !== WEB))
    for (const port of [apiPort(s), metricsPort(s)])
      if (flow(ic, pods[s], port)) p.push(`ingress controller -> ${s}:${port} allowed`);
  if (flow(ic, pg, 5432)) p.push("ingress controller -> postgres:5432 allowed");
  for (const who of [otherInIngressNs, lookalike])
    if (flow(who, pods[WEB], apiPort(WEB)))
      p.push(`${who.ns}/${who.labels.app ?? who.labels["app.kubernetes.io/name"]} -> ${WEB}:${apiPort(WEB)} allowed`);
  // cert-manager's ACME HTTP-01 solver (the public certificate): the
  // ingress controller reaches its port while an order is open.
  const solver = { ns, labels: { "acme.cert-manager.io/http01-solver": "true" } };
  const publicCerts = ofKind("Certificate").filter((c) => c.spec.issuerRef?.kind === "ClusterIssuer");
  if (publicCerts.length && !flow(ic, solver, 8089)) p.push("ingress controller -> ACME HTTP-01 solver:8089 denied");
  if (flow(stranger, solver, 8089)) p.push("another namespace's pod reaches the ACME HTTP-01 solver");
  // PostgreSQL: the services in on 5432 only; the CloudNativePG operator
  // (its pods in cnpg-system) in on 8000 and 5432; instance to instance on
  // 5432 (replication) and 8000 (status, the primary's isolation check);
  // the instances out to the API server; nobody else in, the instances to
  // nothing else.
  const operator = { ns: "cnpg-system", labels: { "app.kubernetes.io/name": "cloudnative-pg" } };
  const otherInOperatorNs = { ns: "cnpg-system", labels: { app: "other" } };
  const pg2 = { ns, labels: { "cnpg.io/cluster": "frontdoor-db", "cnpg.io/instanceName": "frontdoor-db-2" } };
  const apiServer = { ip: "10.96.0.1" };
  for (const port of [8000, 5432]) {
    if (!flow(operator, pg, port)) p.push(`CloudNativePG operator -> postgres:${port} denied`);
    if (!flow(pg, pg2, port)) p.push(`postgres instance -> instance:${port} denied`);
    if (flow(otherInOperatorNs, pg, port)) p.push(`any pod of cnpg-system reaches postgres:${port}`);
    if (flow(stranger, pg, port)) p.push(`another namespace's pod reaches postgres:${port}`);
    if (allows(pg, "ingress", partner, port)) p.push(`partners reach postgres:${port}`);
    if (allows(pg, "egress", partner, port)) p.push(`postgres reaches outside addresses on ${port}`);
  }
  if (!allows(pg, "egress", apiServer, 443) && !allows(pg, "egress", apiServer, 6443))
    p.push("postgres instances cannot reach the Kubernetes API");
  if (flow(prometheus, pg, 5432)) p.push("prometheus -> postgres:5432 allowed");
  for (const s of SERVICES) {
    if (flow(pg, pods[s], apiPort(s))) p.push(`postgres -> ${s}:${apiPort(s)} allowed`);
    for (const other of SERVICES) if (other !== s && flow(pods[s], pods[other], 5432))
      p.push(`${s} -> ${other}:5432 allowed`);
  }
  if (!policies.some((np) => Object.keys(np.spec.podSelector ?? {}).length === 0 &&
      ["Ingress", "Egress"].every((t) => (np.spec.policyTypes ?? []).includes(t)) &&
      !(np.spec.ingress ?? []).length && !(np.spec.egress ?? []).length))
    p.push("no default-deny policy for ingress and egress");
  check("network policies allow exactly the forward flow (and PostgreSQL with CloudNativePG's own traffic, Prometheus, DNS, partners, the ingress controller to web-svc)", p);
}

// The partners' way in (components/partner-entry): Services reachable
// from outside the cluster (type LoadBalancer or NodePort, or with
// externalIPs) are only layer-4 load balancers in front of a
// partner-facing service's mTLS API port, TLS passed through to the pod,
// keeping the partner's address (externalTrafficPolicy: Local) for the
// network policies, open only to the partners' ranges: the same ranges
// the network policies admit to that port, never every address. Their
// host name is one the service's certificate names. Production has one
// for each partner-facing service.
// Annotation keys that make a cloud's load balancer terminate TLS or speak
// something other than TCP to the pods (AWS, DigitalOcean, Oracle, Azure
// and others name them so): the partner's certificate would then never
// reach the service.
const TLS_TERMINATING_ANNOTATION = /ssl|tls|certificate|cert-id|backend-protocol|-protocol$/i;
const HOSTNAME_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname";
const exposed = ofKind("Service").filter((s) =>
  ["LoadBalancer", "NodePort"].includes(s.spec?.type) || (s.spec?.externalIPs ?? []).length);
if (exposed.length || overlay === "production") {
  const p = [];
  const apiPortOf = (s) => portOf(listens(svcConfig(s)).api ?? ":0");
  const entries = new Map(); // partner-facing service -> entry Services
  for (const svc of exposed) {
    const where = id(svc);
    const spec = svc.spec;
    if (spec.type !== "LoadBalancer") p.push(`${where}: type ${spec.type ?? "ClusterIP"} with externalIPs or node ports: only a LoadBalancer in front of a partner-facing API`);
    if ((spec.externalIPs ?? []).length) p.push(`${where}: externalIPs ${spec.externalIPs.join(", ")}`);
    const targets = deployments.filter((d) => spec.selector && selects({ matchLabels: spec.selector }, podLabels(d)))
      .map((d) => d.metadata.name);
    if (targets.length !== 1) { p.push(`${where}: selects ${targets.join(", ") || "no Deployment"}, expected one partner-facing service`); continue; }
    const target = targets[0];
    if (!PARTNER_FACING.includes(target)) { p.push(`${where}: exposes ${target}, which partners do not call (only ${PARTNER_FACING.join(", ")})`); continue; }
    entries.set(target, [...(entries.get(target) ?? []), where]);
    const api = apiPortOf(target);
    const ports = spec.ports ?? [];
    if (ports.length !== 1) p.push(`${where}: ${ports.length} ports, expected only ${target}'s API port ${api}`);
    for (const sp of ports) {
      if ((sp.protocol ?? "TCP") !== "TCP") p.push(`${where}: port ${sp.port} is ${sp.protocol}`);
      if (sp.port !== api || ![api, "grpc"].includes(sp.targetPort ?? sp.port))
        p.push(`${where}: port ${sp.port} -> ${sp.targetPort ?? sp.port} is not ${target}'s API port ${api} (grpc)`);
    }
    if (spec.externalTrafficPolicy !== "Local")
      p.push(`${where}: externalTrafficPolicy ${spec.externalTrafficPolicy ?? "Cluster"}: nodes would hide the partner's address from the network policies (use Local)`);
    const ranges = spec.loadBalancerSourceRanges ?? [];
    if (!ranges.length) p.push(`${where}: no loadBalancerSourceRanges: open to every address`);
    for (const r of ranges) if (/\/0$/.test(r)) p.push(`${where}: loadBalancerSourceRanges ${r} is every address`);
    // The ranges the network policies admit to this port from outside.
    const admitted = new Set(ofKind("NetworkPolicy")
      .filter((np) => (np.spec.policyTypes ?? ["Ingress"]).includes("Ingress") &&
        selects(np.spec.podSelector, podLabels(named("Deployment", target))))
      .flatMap((np) => (np.spec.ingress ?? []).filter((rule) => !rule.ports || rule.ports.some((x) => x.port === api))
        .flatMap((rule) => (rule.from ?? []).filter((peer) => peer.ipBlock).map((peer) => peer.ipBlock.cidr))));
    const want = [...admitted].sort().join(", "), got = [...new Set(ranges)].sort().join(", ");
    if (ofKind("NetworkPolicy").length && want !== got)
      p.push(`${where}: loadBalancerSourceRanges [${got}] differ from the ranges the network policies admit to ${target}:${api} [${want}]`);
    for (const k of Object.keys(svc.metadata.annotations ?? {}))
      if (TLS_TERMINATING_ANNOTATION.test(k)) p.push(`${where}: annotation ${k} would end TLS (or change the protocol) at the load balancer; partners' mTLS must reach the pod`);
    const host = svc.metadata.annotations?.[HOSTNAME_ANNOTATION];
    if (!host) p.push(`${where}: no ${HOSTNAME_ANNOTATION}: the name partners call`);
    else {
      if (/\.invalid$/.test(host) && overlay === "production") p.push(`${where}: host ${host} is the placeholder; the overlay sets the name partners call`);
      const tls = named("Deployment", target).spec.template.spec.volumes?.find((v) => v.name === "tls")?.secret?.secretName;
      const cert = ofKind("Certificate").find((c) => c.spec.secretName === tls);
      if (ofKind("Certificate").length && !(cert?.spec.dnsNames ?? []).includes(host))
        p.push(`${where}: ${target}'s certificate does not name ${host}: partners could not verify it`);
    }
  }
  if (overlay === "production")
    for (const s of PARTNER_FACING)
      if ((entries.get(s) ?? []).length !== 1) p.push(`${s}: ${(entries.get(s) ?? []).length} ways in for partners, expected one LoadBalancer Service`);
  check(`partners' way in: ${exposed.length} Services reachable from outside, each a passthrough to a partner-facing API port, from the partners' ranges only`, p);
}

// web-svc's Ingress (ingress-nginx): the public host over TLS from a
// cert-manager certificate, everything to web-svc's https port over HTTPS
// verified against the suite's CA and web-svc's name, bodies no larger than
// web-svc's forms take; and web-svc trusts the controller's
// X-Forwarded-For (else every client shares the controller's rate limit).
const ingresses = ofKind("Ingress");
const webDeployment = named("Deployment", WEB);
if (webDeployment) {
  const p = [];
  const cfg = svcConfig(WEB);
  const httpsPort = portOf(listens(cfg).api ?? ":0");
  const webService = named("Service", WEB);
  const webTls = webDeployment.spec.template.spec.volumes?.find((v) => v.name === "tls")?.secret?.secretName;
  const webCert = ofKind("Certificate").find((c) => c.spec.secretName === webTls);
  const issuerOfSecret = (secret) => {
    const c = ofKind("Certificate").find((x) => x.spec.secretName === secret);
    return c && `${c.spec.issuerRef.kind ?? "Issuer"}/${c.spec.issuerRef.name}`;
  };
  if (ingresses.length === 0) p.push(`no Ingress: people cannot reach ${WEB}`);
  if (cfg && !(cfg.trustedProxies ?? []).length)
    p.push(`${WEB}.json has no trustedProxies: every client would share the ingress controller's address and rate limit`);
  // kMaxFormBytes in web-svc's source: the largest form it reads.
  let maxForm;
  try {
    const m = /kMaxFormBytes\s*=\s*([0-9\s*]+);/.exec(readFileSync(`${repoRoot}/web-svc/self_referral.h`, "utf8"));
    maxForm = m && m[1].split("*").map((x) => Number(x.trim())).reduce((a, b) => a * b, 1);
  } catch { /* reported below */ }
  if (!maxForm) p.push("kMaxFormBytes not found in web-svc/self_referral.h");
  const nginxBytes = (v) => {
    const m = /^([0-9]+)([kKmMgG]?)$/.exec(String(v ?? ""));
    return m ? Number(m[1]) * ({ "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 })[m[2].toLowerCase()] : NaN;
  };
  for (const ing of ingresses) {
    const where = id(ing);
    const a = ing.metadata.annotations ?? {};
    const ann = (k) => a[`nginx.ingress.kubernetes.io/${k}`];
    if (!ing.spec.ingressClassName) p.push(`${where}: no ingressClassName`);
    // Backends: web-svc's https port only.
    const backends = [ing.spec.defaultBackend, ...(ing.spec.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((x) => x.backend))]
      .filter(Boolean);
    if (!backends.length) p.push(`${where}: no backend`);
    for (const b of backends) {
      const port = b.service?.port;
      const sp = webService?.spec.ports.find((x) => (port?.name !== undefined ? x.name === port.name : x.port === port?.number));
      if (b.service?.name !== WEB) p.push(`${where}: backend ${b.service?.name ?? b.resource?.kind}, expected Service ${WEB}`);
      else if (!sp || sp.port !== httpsPort || sp.name !== "https")
        p.push(`${where}: backend port ${port?.name ?? port?.number} is not ${WEB}'s https port ${httpsPort}`);
    }
    // HTTPS to the backend, verified against the suite's CA and web-svc's name.
    if (ann("backend-protocol") !== "HTTPS") p.push(`${where}: backend-protocol is ${ann("backend-protocol") ?? "HTTP (default)"}, web-svc speaks HTTPS only`);
    if (ann("proxy-ssl-verify") !== "on") p.push(`${where}: proxy-ssl-verify is not "on": web-svc's certificate would not be checked`);
    const [secretNs, secretName] = String(ann("proxy-ssl-secret") ?? "").split("/");
    if (!secretName) p.push(`${where}: proxy-ssl-secret is not namespace/name`);
    else {
      if (secretNs !== ing.metadata.namespace) p.push(`${where}: proxy-ssl-secret in namespace ${secretNs}, not ${ing.metadata.namespace}`);
      if (secretName === webTls) p.push(`${where}: proxy-ssl-secret is ${WEB}'s own key pair: give the controller its own certificate`);
      if (webCert && issuerOfSecret(secretName) !== issuerOfSecret(webTls))
        p.push(`${where}: proxy-ssl-secret ${secretName} is issued by ${issuerOfSecret(secretName) ?? "nothing here"}, ${WEB}'s certificate by ${issuerOfSecret(webTls)}: its ca.crt would not verify ${WEB}`);
    }
    const sslName = ann("proxy-ssl-name");
    if (!sslName) p.push(`${where}: no proxy-ssl-name: nginx would check the certificate against the upstream's name`);
    else if (webCert && !(webCert.spec.dnsNames ?? []).includes(sslName))
      p.push(`${where}: proxy-ssl-name ${sslName} is not a DNS name of ${WEB}'s certificate`);
    // Bodies: no more than web-svc's forms take.
    const body = nginxBytes(ann("proxy-body-size"));
    if (maxForm && body !== maxForm)
      p.push(`${where}: proxy-body-size ${ann("proxy-body-size") ?? "(default 1m)"} is not web-svc's form limit ${maxForm} bytes (kMaxFormBytes)`);
    if (ann("ssl-redirect") === "false" || ann("force-ssl-redirect") === "false") p.push(`${where}: HTTP is not redirected to HTTPS`);
    // TLS for every host, from cert-manager.
    const hosts = (ing.spec.rules ?? []).map((r) => r.host);
    if (hosts.some((h) => !h)) p.push(`${where}: a rule without a host`);
    for (const h of hosts.filter(Boolean)) {
      if (/\.invalid$/.test(h)) p.push(`${where}: host ${h} is the placeholder; the overlay sets the public host`);
      const t = (ing.spec.tls ?? []).find((x) => (x.hosts ?? []).includes(h));
      if (!t) { p.push(`${where}: host ${h} has no TLS`); continue; }
      const viaAnnotation = a["cert-manager.io/cluster-issuer"] || a["cert-manager.io/issuer"];
      const cert = ofKind("Certificate").find((c) => c.spec.secretName === t.secretName);
      if (!cert && !viaAnnotation) p.push(`${where}: TLS Secret ${t.secretName} for ${h} is issued by no cert-manager Certificate or annotation`);
      if (cert) {
        if (!(cert.spec.dnsNames ?? []).includes(h)) p.push(`${where}: Certificate ${cert.metadata.name} does not name ${h}`);
        const kind = cert.spec.issuerRef?.kind ?? "Issuer";
        // A ClusterIssuer is the operator's (README); an Issuer must be here.
        if (kind === "Issuer" && !named("Issuer", cert.spec.issuerRef.name))
          p.push(`${where}: Certificate ${cert.metadata.name}'s Issuer ${cert.spec.issuerRef.name} is not in the rendering`);
        if (kind !== "ClusterIssuer" && overlay === "production")
          p.push(`${where}: production's public certificate comes from ${kind}/${cert.spec.issuerRef.name}, not a ClusterIssuer browsers trust`);
      }
    }
  }
  check(`${WEB}: Ingress to its https port over verified HTTPS, TLS for the public host from cert-manager`, p);
}

// Grafana dashboards (k8s/components/dashboards): every file in
// monitoring/dashboards/ rendered, byte for byte, into exactly one ConfigMap
// labelled for Grafana's dashboard sidecar, as valid JSON with a uid no
// other dashboard has, and small enough for kubectl apply to record.
// Production must have them; an overlay without them is not checked.
const DASHBOARD_LABEL = "grafana_dashboard";
// kubectl apply keeps the whole object in one annotation; annotations are
// limited to 256 KiB in all.
const MAX_APPLIED_BYTES = 262144;
const dashboardMaps = ofKind("ConfigMap").filter((c) => c.metadata?.labels?.[DASHBOARD_LABEL] !== undefined);
if (dashboardMaps.length || overlay === "production") {
  const p = [];
  let files = [];
  try {
    files = readdirSync(`${repoRoot}/monitoring/dashboards`).filter((f) => f.endsWith(".json")).sort();
  } catch (e) {
    p.push(`monitoring/dashboards: ${e.message}`);
  }
  if (!files.length) p.push("no dashboards in monitoring/dashboards");
  const renderedIn = new Map();
  const uids = new Map();
  for (const cm of dashboardMaps) {
    const where = id(cm);
    if (cm.metadata.labels[DASHBOARD_LABEL] !== "1")
      p.push(`${where}: label ${DASHBOARD_LABEL}=${cm.metadata.labels[DASHBOARD_LABEL]}, the sidecar looks for "1"`);
    const keys = Object.keys(cm.data ?? {});
    if (keys.length !== 1 || cm.binaryData) p.push(`${where}: ${keys.length} data keys, expected one dashboard`);
    for (const k of keys) {
      let d;
      try {
        d = JSON.parse(cm.data[k]);
      } catch (e) {
        p.push(`${where}: ${k} is not valid JSON: ${e.message}`);
        continue;
      }
      if (!d.uid || !d.title) p.push(`${where}: ${k} has no uid or title`);
      else if (uids.has(d.uid)) p.push(`${where}: uid ${d.uid} is also ${uids.get(d.uid)}'s`);
      uids.set(d.uid, where);
      renderedIn.set(k, [...(renderedIn.get(k) ?? []), where]);
      if (!files.includes(k)) p.push(`${where}: ${k} is not in monitoring/dashboards`);
      else if (readFileSync(`${repoRoot}/monitoring/dashboards/${k}`, "utf8") !== cm.data[k])
        p.push(`${where}: ${k} differs from monitoring/dashboards/${k} (run k8s/sync-dashboards)`);
    }
    const size = Buffer.byteLength(JSON.stringify(cm));
    if (size > MAX_APPLIED_BYTES) p.push(`${where}: ${size} bytes, more than kubectl apply can record (${MAX_APPLIED_BYTES})`);
  }
  for (const f of files) {
    const at = renderedIn.get(f) ?? [];
    if (at.length !== 1) p.push(`monitoring/dashboards/${f}: rendered in ${at.length} ConfigMaps ${at.join(", ")}`);
  }
  check(`Grafana dashboards: each of the ${files.length} in monitoring/dashboards in one ConfigMap labelled ${DASHBOARD_LABEL}: "1", valid JSON, uids unique`, p);
}

// The overlay's own promises.
const o = [];
if (overlay === "local") {
  for (const d of deployments) if (d.spec.replicas !== 1) o.push(`${d.metadata.name}: ${d.spec.replicas} replicas`);
  if (ofKind("HorizontalPodAutoscaler").length) o.push("autoscalers in the local overlay");
  const c = ofKind("Cluster")[0];
  if (!c) o.push("no PostgreSQL Cluster");
  else if (c.spec.instances !== 1) o.push(`PostgreSQL: ${c.spec.instances} instances, one is enough on a laptop`);
}
if (overlay === "production") {
  for (const d of deployments) {
    const n = d.metadata.name;
    if (d.spec.replicas !== 3) o.push(`${n}: ${d.spec.replicas} replicas`);
    const hpa = ofKind("HorizontalPodAutoscaler").find((h) => h.spec.scaleTargetRef.kind === "Deployment" && h.spec.scaleTargetRef.name === n);
    if (!hpa) o.push(`${n}: no HorizontalPodAutoscaler`);
    else if (hpa.spec.minReplicas < 3) o.push(`${n}: autoscaler may go below 3`);
    const tsc = d.spec.template.spec.topologySpreadConstraints ?? [];
    for (const key of ["topology.kubernetes.io/zone", "kubernetes.io/hostname"])
      if (!tsc.some((t) => t.topologyKey === key && selects(t.labelSelector, podLabels(d)))) o.push(`${n}: not spread over ${key}`);
  }
  for (const k of ["ServiceMonitor", "PrometheusRule", "Cluster", "Certificate", "NetworkPolicy", "Ingress"])
    if (!ofKind(k).length) o.push(`no ${k}`);
  const c = ofKind("Cluster")[0];
  if (c && (c.spec.instances < 3 || !((c.spec.minSyncReplicas ?? 0) >= 1)))
    o.push(`PostgreSQL: ${c.spec.instances} instances, ${c.spec.minSyncReplicas ?? 0} synchronous standbys (at least 3 and 1: an acknowledged referral is on two instances)`);
  const sm = ofKind("ServiceMonitor")[0];
  for (const s of SERVICES) {
    const svc = named("Service", s);
    if (sm && svc && !(selects(sm.spec.selector, svc.metadata.labels ?? {}) && sm.spec.endpoints.some((e) => e.port === "metrics")))
      o.push(`ServiceMonitor does not scrape ${s}'s metrics port`);
    if (sm && svc && svc.metadata.labels?.[sm.spec.jobLabel] !== s) o.push(`job label of ${s} would not be ${s}`);
  }
}
for (const h of ofKind("HorizontalPodAutoscaler"))
  if (!named(h.spec.scaleTargetRef.kind, h.spec.scaleTargetRef.name)) o.push(`${id(h)} targets a missing object`);
check(`overlay promises (${overlay})`, o);

console.log(`${overlay}: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
