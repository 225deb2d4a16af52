import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_PORTS } from '../../deploy/docker/healthcheck.ts';
import { CONFIG_SECRETS, configReaders } from './src/config-file.ts';
import { kubernetesObjects, objectsOfKind, type KubernetesObject } from './src/files.ts';
import {
  onlyContainer,
  type Deployment,
  type Job,
  type PodTemplate,
} from './src/kubernetes-shapes.ts';
import { validateKubernetesObject } from './src/schemas.ts';
import {
  defaultHealthPort,
  envNames,
  PER_PROCESS_VARIABLES,
  SERVICES,
  stageStream,
} from './src/services.ts';

type Selecting = KubernetesObject & { spec: { selector: Record<string, unknown> } };
type ScaledObject = KubernetesObject & {
  spec: {
    scaleTargetRef: { name: string };
    minReplicaCount: number;
    triggers: { type: string; metadata: Record<string, string> }[];
  };
};
type Hpa = KubernetesObject & {
  spec: {
    scaleTargetRef: { kind: string; name: string };
    minReplicas: number;
    metrics: { resource: { name: string } }[];
  };
};

const objects = kubernetesObjects();
const deployments = objectsOfKind<Deployment>('Deployment');
const config = objectsOfKind('ConfigMap').find((map) => map.metadata.name === 'herald-config');
const secrets = objectsOfKind('Secret');
const readers: string[] = configReaders().map((reader) => reader.name);

function deploymentOf(name: string): Deployment {
  const found = deployments.find((d) => d.metadata.name === `herald-${name}`);
  if (!found) throw new Error(`no Deployment herald-${name}`);
  return found;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function expectHardenedPod(template: PodTemplate): void {
  expect(template.spec.automountServiceAccountToken).toBe(false);
  expect(template.spec.securityContext).toMatchObject({
    runAsNonRoot: true,
    runAsUser: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const container = onlyContainer(template);
  expect(container.securityContext).toEqual({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  for (const kind of ['requests', 'limits'] as const) {
    expect(Object.keys(container.resources?.[kind] ?? {}).sort(), kind).toEqual(['cpu', 'memory']);
  }
}

/** Every Secret key a pod template refers to, checked against the Secret templates. */
function expectSecretRefsExist(template: PodTemplate): void {
  for (const variable of onlyContainer(template).env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) continue;
    const secret = secrets.find((s) => s.metadata.name === ref.name);
    expect(secret?.stringData, `${variable.name} -> ${ref.name}`).toHaveProperty(ref.key);
  }
}

describe('Kubernetes manifests', () => {
  it('hold every kind the deployment needs', () => {
    const kinds = new Set(objects.map(({ object }) => object.kind));
    for (const kind of [
      'Namespace',
      'ConfigMap',
      'Secret',
      'Deployment',
      'Service',
      'Job',
      'PodDisruptionBudget',
      'HorizontalPodAutoscaler',
      'ScaledObject',
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  it.each(
    objects.map(
      ({ source, object }) =>
        [`${source} ${object.kind}/${object.metadata?.name}`, object] as const,
    ),
  )('%s is valid against its schema', (_, object) => {
    expect(() => validateKubernetesObject(object)).not.toThrow();
  });

  it('the schemas reject a wrong type and a missing field, so the check above is live', () => {
    const deployment = structuredClone(deploymentOf('enricher'));
    (deployment.spec as Record<string, unknown>).replicas = 'two';
    expect(() => validateKubernetesObject(deployment)).toThrow(/spec\/replicas must be integer/);

    const [scaledObject] = objectsOfKind<ScaledObject>('ScaledObject');
    const broken = structuredClone(scaledObject) as ScaledObject;
    broken.spec.triggers = [{ metadata: {} } as ScaledObject['spec']['triggers'][number]];
    expect(() => validateKubernetesObject(broken)).toThrow(/must have required property type/);
    expect(() => validateKubernetesObject({ apiVersion: 'v1', kind: 'Pod' })).toThrow(/no schema/);
  });

  it('put everything in the herald namespace', () => {
    for (const { source, object } of objects) {
      if (object.kind === 'Namespace') expect(object.metadata.name).toBe('herald');
      else expect(object.metadata.namespace, source).toBe('herald');
    }
  });

  it.each(SERVICES.map((s) => [s.name, s] as const))(
    '%s: a hardened Deployment probed on its health port',
    (name, app) => {
      const deployment = deploymentOf(name);
      // The autoscaler owns the replica count; a fixed one would be reset on every apply.
      expect(deployment.spec.replicas).toBeUndefined();
      expect(
        matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
      ).toBe(true);
      expectHardenedPod(deployment.spec.template);

      const container = onlyContainer(deployment.spec.template);
      expect(container.image).toMatch(new RegExp(`^herald/${name}:`));
      const port = container.ports?.[0];
      expect(port?.containerPort).toBe(defaultHealthPort(app));
      expect(port?.containerPort).toBe(DEFAULT_HEALTH_PORTS[name]);
      expect(container.startupProbe?.httpGet).toEqual({ path: '/healthz', port: port?.name });
      expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: port?.name });
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: port?.name });
      expect(container.envFrom).toEqual([
        { configMapRef: { name: 'herald-config' } },
        ...(readers.includes(name)
          ? [{ secretRef: { name: CONFIG_SECRETS, optional: true } }]
          : []),
      ]);
      expectSecretRefsExist(deployment.spec.template);
    },
  );

  it.each(SERVICES.map((s) => [s.name, s] as const))(
    '%s: gets every variable it reads and nothing misspelt',
    (name, app) => {
      const container = onlyContainer(deploymentOf(name).spec.template);
      const own = (container.env ?? []).map((variable) => variable.name);
      const shared = Object.keys(config?.data ?? {});
      const reads = envNames(app);
      const missing = reads.filter(
        (n) => !PER_PROCESS_VARIABLES.includes(n) && !own.includes(n) && !shared.includes(n),
      );
      expect(missing).toEqual([]);
      // REDIS_PASSWORD is for KEDA's scaler, which reads it from the worker's environment.
      const unknown = own.filter(
        (n) => !reads.includes(n) && !(app.stage && n === 'REDIS_PASSWORD'),
      );
      expect(unknown).toEqual([]);
      expect(own.filter((n) => PER_PROCESS_VARIABLES.includes(n))).toEqual([]);
      expect(
        container.env?.find((v) => v.name === (app.stage ? 'OPS_PORT' : 'HERALD_HTTP_PORT'))?.value,
      ).toBe(String(DEFAULT_HEALTH_PORTS[name]));
    },
  );

  it('keep credentials out of the ConfigMap and every service variable it sets is one a service reads', () => {
    const allReads = new Set(SERVICES.flatMap(envNames));
    const keys = Object.keys(config?.data ?? {});
    // REDIS_ADDRESS: KEDA's scaler needs host:port, Herald reads REDIS_URL.
    expect(keys.filter((key) => !allReads.has(key) && key !== 'REDIS_ADDRESS')).toEqual([]);
    expect(
      keys.filter((key) => /PASSWORD|SECRET|TOKEN|API_KEY|_USER$|DATABASE_URL|REDIS_URL/.test(key)),
    ).toEqual([]);
    expect(config?.data?.HERALD_REDIS_NAMESPACE).toBe('herald');
  });

  it('ship Secrets only as templates with placeholders, never values', () => {
    for (const { source, object } of objects.filter(({ object }) => object.kind === 'Secret')) {
      expect(source).toMatch(/^deploy\/kubernetes\/templates\//);
      expect(object.data, source).toBeUndefined();
      for (const [key, value] of Object.entries(object.stringData ?? {})) {
        expect(value, `${source} ${key}`).toContain('REPLACE_ME');
      }
    }
  });

  it('give every Deployment a PodDisruptionBudget that selects its pods', () => {
    const budgets = objectsOfKind<Selecting>('PodDisruptionBudget');
    for (const deployment of deployments) {
      const covering = budgets.filter((budget) =>
        matches(
          (budget.spec.selector.matchLabels ?? {}) as Record<string, string>,
          deployment.spec.template.metadata.labels,
        ),
      );
      expect(covering, deployment.metadata.name).toHaveLength(1);
    }
  });

  it('expose ingest-api through a Service and scale it on CPU', () => {
    const [service] = objectsOfKind<Selecting & { spec: { ports: { targetPort: string }[] } }>(
      'Service',
    );
    const ingest = deploymentOf('ingest-api');
    expect(
      matches(
        service?.spec.selector as Record<string, string>,
        ingest.spec.template.metadata.labels,
      ),
    ).toBe(true);
    expect(service?.spec.ports[0]?.targetPort).toBe(
      onlyContainer(ingest.spec.template).ports?.[0]?.name,
    );

    const [hpa] = objectsOfKind<Hpa>('HorizontalPodAutoscaler');
    expect(hpa?.spec.scaleTargetRef).toMatchObject({
      kind: 'Deployment',
      name: 'herald-ingest-api',
    });
    expect(hpa?.spec.metrics.map((metric) => metric.resource.name)).toEqual(['cpu']);
    expect(hpa?.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it.each(SERVICES.filter((s) => s.stage).map((s) => [s.name, s] as const))(
    '%s: KEDA scales it on the pending entries of its own stream and group',
    (name, app) => {
      const scaled = objectsOfKind<ScaledObject>('ScaledObject').filter(
        (s) => s.spec.scaleTargetRef.name === `herald-${name}`,
      );
      expect(scaled).toHaveLength(1);
      const spec = (scaled[0] as ScaledObject).spec;
      // Never zero: the stage's sweeper runs in its workers.
      expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      const { stream, group } = stageStream(app.stage as NonNullable<typeof app.stage>);
      for (const trigger of spec.triggers) {
        expect(trigger.type).toBe('redis-streams');
        expect(trigger.metadata).toMatchObject({ stream, consumerGroup: group });
      }
      expect(spec.triggers.some((trigger) => 'pendingEntriesCount' in trigger.metadata)).toBe(true);

      // KEDA reads these from the target's containers: they must be set there.
      const container = onlyContainer(deploymentOf(name).spec.template);
      const available = [
        ...(container.env ?? []).map((v) => v.name),
        ...Object.keys(config?.data ?? {}),
      ];
      for (const trigger of spec.triggers) {
        expect(available).toContain(trigger.metadata.addressFromEnv);
        expect(available).toContain(trigger.metadata.passwordFromEnv);
      }
    },
  );

  it('migrate with a one-shot Job on the migration image', () => {
    const [job] = objectsOfKind<Job>('Job');
    expect(job?.metadata.name).toBe('herald-migrate');
    const template = (job as Job).spec.template;
    expectHardenedPod(template);
    expect(template.spec.restartPolicy).toBe('Never');
    const container = onlyContainer(template);
    expect(container.image).toMatch(/^herald\/migrate:/);
    expect(container.args).toEqual(['migrate']);
    expect(container.env?.map((v) => v.name)).toEqual(['DATABASE_URL']);
    expectSecretRefsExist(template);
  });
});
