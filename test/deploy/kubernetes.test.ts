// deploy/kubernetes: the base and every overlay are built (test/deploy/kustomize.ts; checked
// against `kubectl kustomize` where kubectl is installed), and every resulting manifest is
// validated with kubernetes-models (types, required fields, formats) and, since those
// validators accept unknown fields, type-checked as an object literal of its kubernetes-models
// interface, where TypeScript's excess-property check rejects any misspelled field. Then the
// manifests are held against Floe itself: floe.toml loads with Floe's own loader, probe paths
// are PROBE_PATHS, ports are the ones Floe listens on, every environment name is one Floe or
// its SDKs read, the args are real commands and flags, and the image's user is the pods'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { loadSettings, type Settings } from '../../src/config/index.js';
import { planAuth, requiresPrincipal } from '../../src/http/index.js';
import { GC_MIN_AGE_MS_DEFAULT } from '../../src/config/limits.js';
import { parseStorageUrl } from '../../src/objectstore/index.js';
import { buildProgram } from '../../src/cli/main.js';
import { build, readYamlDocuments, type Manifest } from './kustomize.js';
import { PROBE_PATHS, assignments, parseDockerfile, stages, unknownEnvNames } from './facts.js';

const ROOT = 'deploy/kubernetes';
const BASE = `${ROOT}/base`;
const OVERLAYS = readdirSync(`${ROOT}/overlays`).sort();
const EXPECTED_BACKEND: Record<string, string> = { base: 's3', eks: 's3', gke: 'gcs', aks: 'azure' };

interface Model {
  validate(): void;
}
/** kind → its kubernetes-models class, import path and interface, for every kind we ship */
const KINDS: Record<string, { model: new (data: never) => Model; module: string; iface: string }> = {
  'v1/ServiceAccount': { model: ServiceAccount, module: 'kubernetes-models/v1/ServiceAccount', iface: 'IServiceAccount' },
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', iface: 'IConfigMap' },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1/Secret', iface: 'ISecret' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service', iface: 'IService' },
  'apps/v1/Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1/Deployment', iface: 'IDeployment' },
  'batch/v1/CronJob': { model: CronJob, module: 'kubernetes-models/batch/v1/CronJob', iface: 'ICronJob' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1/PodDisruptionBudget', iface: 'IPodDisruptionBudget' },
};
const kindOf = (m: Manifest) => `${m.apiVersion}/${m.kind}`;

const builds: Record<string, Manifest[]> = { base: build(BASE).resources };
for (const overlay of OVERLAYS) builds[overlay] = build(`${ROOT}/overlays/${overlay}`).resources;
const secretExample = readYamlDocuments(`${BASE}/secret.example.yaml`);

const find = (resources: Manifest[], kind: string, name?: string): Manifest => {
  const found = resources.filter((r) => r.kind === kind && (name === undefined || r.metadata.name === name));
  assert.equal(found.length, 1, `one ${kind}${name ? `/${name}` : ''}`);
  return found[0]!;
};
const deploymentOf = (rs: Manifest[]) => new Deployment(find(rs, 'Deployment') as never);
const cronJobOf = (rs: Manifest[]) => new CronJob(find(rs, 'CronJob') as never);
const podOf = (rs: Manifest[]) => deploymentOf(rs).spec!.template;
const backupPodOf = (rs: Manifest[]) => cronJobOf(rs).spec!.jobTemplate.spec!.template;

const dockerRuntime = stages(parseDockerfile(readFileSync('Dockerfile', 'utf8'))).stages.at(-1)!;
const imageEnv: Record<string, string> = Object.assign({}, ...dockerRuntime.instructions.filter((i) => i.keyword === 'ENV').map((i) => assignments(i.args)));
const imageUser = dockerRuntime.instructions.find((i) => i.keyword === 'USER')!.args.split(':').map(Number);

/** Floe's settings inside a container of these manifests: image ENV, then the container's env, then its --config. */
function settingsIn(resources: Manifest[], container: IContainer, pod: IPodTemplateSpec): Settings {
  const args = container.args ?? [];
  const configPath = args[args.indexOf('--config') + 1]!;
  const mount = container.volumeMounts!.find((m) => configPath.startsWith(m.mountPath + '/'));
  assert.ok(mount, `${configPath} is on a mounted volume`);
  const volume = pod.spec!.volumes!.find((v) => v.name === mount.name)!;
  const configMap = find(resources, 'ConfigMap', volume.configMap!.name);
  const text = (configMap.data as Record<string, string>)[relative(mount.mountPath, configPath)];
  assert.ok(text, `${configPath} is a key of ConfigMap ${configMap.metadata.name}`);
  const dir = mkdtempSync(join(tmpdir(), 'floe-k8s-'));
  try {
    writeFileSync(join(dir, 'floe.toml'), text);
    const env = { ...imageEnv, ...Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? ''])) };
    return loadSettings({ env, configFile: join(dir, 'floe.toml') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the overlays are eks, gke and aks', () => {
  assert.deepEqual(OVERLAYS, ['aks', 'eks', 'gke']);
});

test('every manifest of the base, each overlay and the Secret example validates against the Kubernetes schemas', () => {
  const all = [...Object.entries(builds).flatMap(([name, rs]) => rs.map((r) => [name, r] as const)), ['secret.example.yaml', secretExample[0]!] as const];
  for (const [where, manifest] of all) {
    const kind = KINDS[kindOf(manifest)];
    assert.ok(kind, `${where}: ${kindOf(manifest)} has a model`);
    assert.doesNotThrow(() => new kind.model(manifest as never).validate(), `${where}: ${manifest.kind}/${manifest.metadata.name}`);
  }
  // and a broken one does not: the validators really run
  const broken = structuredClone(find(builds.base!, 'Deployment')) as unknown as { spec: { replicas: unknown } };
  broken.spec.replicas = 'three';
  assert.throws(() => new Deployment(broken as never).validate(), /replicas/);
});

test('no manifest has a field Kubernetes does not know (TypeScript excess-property check)', { timeout: 120_000 }, () => {
  const all = [...Object.values(builds).flat(), ...secretExample];
  const imports = new Set<string>();
  const lines: string[] = [];
  all.forEach((manifest, i) => {
    const kind = KINDS[kindOf(manifest)]!;
    imports.add(`import type { ${kind.iface} } from '${kind.module}';`);
    lines.push(`export const m${i}: ${kind.iface} = ${JSON.stringify(manifest)};`);
  });
  const check = (source: string) => {
    const file = resolve('test/deploy/__manifests__.ts');
    const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, types: [] };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.getSourceFile = (name, ...rest) => (resolve(name) === file ? ts.createSourceFile(name, source, ts.ScriptTarget.ES2022, true) : getSourceFile.call(host, name, ...rest));
    host.fileExists = (name) => resolve(name) === file || fileExists.call(host, name);
    host.readFile = (name) => (resolve(name) === file ? source : readFile.call(host, name));
    const program = ts.createProgram([file], options, host);
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  };
  assert.deepEqual(check([...imports, ...lines].join('\n')), []);
  // the check is live: a misspelled field is caught
  const typo = structuredClone(find(builds.base!, 'Deployment')) as unknown as { spec: Record<string, unknown> };
  typo.spec.replicaz = typo.spec.replicas;
  const errors = check(`${[...imports].join('\n')}\nexport const typo: IDeployment = ${JSON.stringify(typo)};`);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /replicaz/);
});

test('the emulated kustomize build is what kubectl kustomize builds', (t) => {
  const version = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (version.error) {
    t.skip('kubectl is not installed: the emulation is not cross-checked on this machine');
    return;
  }
  for (const [name, resources] of Object.entries(builds)) {
    const dir = name === 'base' ? BASE : `${ROOT}/overlays/${name}`;
    const run = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const real = parseAllDocuments(run.stdout).map((d) => d.toJS() as Manifest);
    const byId = (rs: Manifest[]) => Object.fromEntries(rs.map((r) => [`${r.kind}/${r.metadata.name}`, r]));
    assert.deepEqual(byId(resources), byId(real), name);
  }
});

for (const [name, resources] of Object.entries(builds)) {
  test(`${name}: three replicas, probes on Floe's paths and port, hardened pods, selectors that match`, () => {
    const deployment = deploymentOf(resources);
    assert.equal(deployment.spec!.replicas, 3);
    const pod = podOf(resources);
    const labels = pod.metadata!.labels!;
    assert.deepEqual(deployment.spec!.selector.matchLabels, Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('app.kubernetes.io/'))));
    const [container] = pod.spec!.containers;
    assert.ok(container);
    const settings = settingsIn(resources, container, pod);
    assert.equal(settings.server.host, '0.0.0.0', 'reachable from the Service');
    // reachable from other pods: serve must start, and only with authentication on
    const plan = planAuth(settings.auth, settings.server.host);
    assert.ok(plan.auth, 'every request needs a principal');
    assert.equal(settings.auth?.mode, 'oidc');
    // Prometheus scrapes the annotated path without a token
    assert.equal(requiresPrincipal(PROBE_PATHS.metrics, plan.auth), false, 'the scraped /metrics is open');
    assert.equal(requiresPrincipal('/v1/config', plan.auth), true);
    const portNamed = (port: number | string) => (typeof port === 'number' ? port : container.ports!.find((p) => p.name === port)!.containerPort);
    assert.equal(container.ports!.length, 1);
    assert.equal(container.ports![0]!.containerPort, settings.server.port, 'the container port is the one Floe listens on');
    assert.equal(container.livenessProbe!.httpGet!.path, PROBE_PATHS.health);
    assert.equal(container.startupProbe!.httpGet!.path, PROBE_PATHS.health);
    assert.equal(container.readinessProbe!.httpGet!.path, PROBE_PATHS.ready);
    for (const probe of [container.livenessProbe!, container.startupProbe!, container.readinessProbe!]) {
      assert.equal(portNamed(probe.httpGet!.port), settings.server.port);
    }
    const annotations = pod.metadata!.annotations!;
    assert.equal(annotations['prometheus.io/path'], PROBE_PATHS.metrics);
    assert.equal(Number(annotations['prometheus.io/port']), settings.server.port);
    assert.ok(pod.spec!.terminationGracePeriodSeconds! <= 30);

    assert.ok(container.resources!.requests!.cpu && container.resources!.requests!.memory && container.resources!.limits!.memory);
    const service = new Service(find(resources, 'Service') as never);
    const servicePort = service.spec!.ports![0]!;
    assert.equal(portNamed(servicePort.targetPort!), settings.server.port);
    const pdb = new PodDisruptionBudget(find(resources, 'PodDisruptionBudget') as never);
    const matches = (selector: Record<string, string>, podLabels: Record<string, string>) => Object.entries(selector).every(([k, v]) => podLabels[k] === v);
    assert.ok(matches(service.spec!.selector!, labels), 'the Service selects the server pods');
    assert.ok(matches(pdb.spec!.selector!.matchLabels!, labels), 'the PDB covers the server pods');
    const backupLabels = backupPodOf(resources).metadata!.labels!;
    assert.ok(!matches(service.spec!.selector!, backupLabels), 'the Service never routes to a backup pod');
    assert.ok(!matches(pdb.spec!.selector!.matchLabels!, backupLabels));
    assert.equal(pdb.spec!.maxUnavailable, 1);
  });

  test(`${name}: non-root as the image's user, read-only root, no capabilities, for servers and backups`, () => {
    for (const pod of [podOf(resources), backupPodOf(resources)]) {
      const security = pod.spec!.securityContext!;
      assert.equal(security.runAsNonRoot, true);
      assert.deepEqual([security.runAsUser, security.runAsGroup], imageUser, "the Dockerfile's USER");
      assert.equal(security.seccompProfile!.type, 'RuntimeDefault');
      assert.equal(pod.spec!.automountServiceAccountToken, false, 'Floe never calls the Kubernetes API');
      for (const container of pod.spec!.containers) {
        const sc = container.securityContext!;
        assert.equal(sc.readOnlyRootFilesystem, true);
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.deepEqual(sc.capabilities!.drop, ['ALL']);
        assert.ok(container.volumeMounts!.some((m) => m.mountPath === '/tmp'), 'a writable /tmp beside the read-only root');
      }
      for (const sa of [pod.spec!.serviceAccountName!]) find(resources, 'ServiceAccount', sa);
    }
  });

  test(`${name}: floe.toml loads with Floe's loader, args are real commands and flags, env names are Floe's`, () => {
    const program = buildProgram();
    for (const [pod, command] of [[podOf(resources), 'serve'], [backupPodOf(resources), 'backup']] as const) {
      const [container] = pod.spec!.containers;
      const args = container!.args!;
      assert.equal(args[0], command);
      const flags = program.commands.find((c) => c.name() === command)!.options.map((o) => o.long);
      for (const arg of args.slice(1).filter((a) => a.startsWith('--'))) assert.ok(flags.includes(arg), `${command} has ${arg}`);
      const settings = settingsIn(resources, container!, pod);
      assert.equal(parseStorageUrl(settings.storage.object_store_url).backend, EXPECTED_BACKEND[name]);
      assert.equal(parseStorageUrl(settings.server.warehouse!).backend, EXPECTED_BACKEND[name], 'a warehouse every replica shares');
      assert.ok(settings.backup.location, 'the backup job writes to [backup] location');
      const names = [...(container!.env ?? []).map((e) => e.name)];
      assert.deepEqual(unknownEnvNames(names), [], `${command}: environment names`);
      for (const from of container!.envFrom ?? []) {
        assert.equal(from.secretRef!.optional, true, 'credentials Secrets are optional: workload identity needs none');
      }
    }
  });

  test(`${name}: the backup CronJob is GC-safe`, () => {
    const cronJob = cronJobOf(resources);
    const spec = cronJob.spec!;
    assert.equal(spec.concurrencyPolicy, 'Forbid');
    const job = spec.jobTemplate.spec!;
    assert.ok(job.backoffLimit! >= 1, 'a run that GC raced is retried for a newer point');
    assert.ok(job.activeDeadlineSeconds! * 1000 < GC_MIN_AGE_MS_DEFAULT, 'a run ends before anything it reads can be old enough for GC');
    const pod = backupPodOf(resources);
    const args = pod.spec!.containers[0]!.args!;
    assert.ok(!args.includes('--at-seq') && !args.includes('--at-time'), 'the head: an older point may be collected');
    assert.equal(pod.spec!.restartPolicy, 'Never');
    assert.notEqual(pod.spec!.serviceAccountName, podOf(resources).spec!.serviceAccountName, 'its own identity, without delete rights on the catalog');
  });
}

test('overlays: EKS annotates IRSA roles, GKE Google service accounts, AKS client ids and labels its pods', () => {
  const annotation: Record<string, RegExp> = {
    eks: /^eks\.amazonaws\.com\/role-arn$/,
    gke: /^iam\.gke\.io\/gcp-service-account$/,
    aks: /^azure\.workload\.identity\/client-id$/,
  };
  for (const overlay of OVERLAYS) {
    for (const sa of builds[overlay]!.filter((r) => r.kind === 'ServiceAccount')) {
      const keys = Object.keys((sa.metadata.annotations ?? {}) as object);
      assert.ok(keys.some((k) => annotation[overlay]!.test(k)), `${overlay}: ${sa.metadata.name} annotated`);
    }
  }
  for (const pod of [podOf(builds.aks!), backupPodOf(builds.aks!)]) assert.equal(pod.metadata!.labels!['azure.workload.identity/use'], 'true');
  assert.equal(podOf(builds.base!).metadata!.labels!['azure.workload.identity/use'], undefined);
});

test("the Secret example's keys are credentials Floe's SDKs read", () => {
  const secret = new Secret(secretExample[0] as never);
  assert.deepEqual(unknownEnvNames(Object.keys(secret.stringData!)), []);
  assert.equal(secret.metadata!.name, podOf(builds.base!).spec!.containers[0]!.envFrom![0]!.secretRef!.name);
  const kustomization = readFileSync(`${BASE}/kustomization.yaml`, 'utf8');
  assert.ok(!kustomization.includes('secret.example.yaml'), 'the example is never applied');
});
