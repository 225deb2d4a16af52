import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { REPO_ROOT } from '@herald/testkit';
import { receiversFromConfig } from '../../apps/formatter/src/receivers.ts';
import { findAsset, loadConfig, loadInventory } from '../../packages/config/src/index.ts';
import {
  CONFIG_FILE_CONFIGMAP,
  CONFIG_MOUNT_PATH,
  CONFIG_SECRETS,
  configReaders,
  referencedVariables,
  writeConfigMapFolder,
} from './src/config-file.ts';
import { objectsOfKind } from './src/files.ts';
import {
  onlyContainer,
  type Deployment,
  type Job,
  type PodTemplate,
} from './src/kubernetes-shapes.ts';

const deployments = objectsOfKind<Deployment>('Deployment');
const config = objectsOfKind('ConfigMap').find((map) => map.metadata.name === 'herald-config');
const configFile = objectsOfKind('ConfigMap').find(
  (map) => map.metadata.name === CONFIG_FILE_CONFIGMAP,
);
const configSecrets = objectsOfKind('Secret').find(
  (secret) => secret.metadata.name === CONFIG_SECRETS,
);
const readers: string[] = configReaders().map((reader) => reader.name);

describe('Kubernetes manifests: the configuration file', () => {
  /** The mounts of the configuration folder in a pod, with the volume each one mounts. */
  function configMounts(template: PodTemplate) {
    const container = onlyContainer(template);
    return (container.volumeMounts ?? [])
      .filter((mount) => mount.mountPath === CONFIG_MOUNT_PATH)
      .map((mount) => ({
        readOnly: mount.readOnly,
        volume: template.spec.volumes?.find((volume) => volume.name === mount.name),
      }));
  }

  it('mount the herald-config-file ConfigMap read-only in exactly the services that read it', () => {
    expect(readers).toEqual(['enricher', 'analyzer', 'formatter', 'sender']);
    for (const deployment of deployments) {
      const name = deployment.metadata.name.replace(/^herald-/, '');
      expect(configMounts(deployment.spec.template), name).toEqual(
        readers.includes(name)
          ? [
              {
                readOnly: true,
                volume: {
                  name: 'config-file',
                  configMap: { name: CONFIG_FILE_CONFIGMAP, optional: true },
                },
              },
            ]
          : [],
      );
    }
    const [job] = objectsOfKind<Job>('Job');
    expect(configMounts((job as Job).spec.template)).toEqual([]);
  });

  it('leave HERALD_CONFIG empty until the operator opts in, and say where the file is mounted', () => {
    expect(config?.data?.HERALD_CONFIG).toBe('');
    const text = readFileSync(join(REPO_ROOT, 'deploy', 'kubernetes', '10-config.yaml'), 'utf8');
    expect(text).toContain(`To opt in: ${CONFIG_MOUNT_PATH}/herald.yaml`);
    expect(Object.keys(configFile?.data ?? {})).toContain('herald.yaml');
  });

  it('ship a herald-config-secrets template holding every variable the shipped files reference', () => {
    const example = readFileSync(join(REPO_ROOT, 'config', 'herald.example.yaml'), 'utf8');
    const referenced = [
      ...new Set([
        ...referencedVariables(example),
        ...referencedVariables(configFile?.data?.['herald.yaml'] ?? ''),
      ]),
    ].sort();
    expect(referenced.length).toBeGreaterThan(0);
    expect(Object.keys(configSecrets?.stringData ?? {}).sort()).toEqual(referenced);
  });

  it('ship a config-file template that loads as mounted, with the Secret template as environment', async () => {
    const dir = writeConfigMapFolder(
      configFile?.data ?? {},
      mkdtempSync(join(tmpdir(), 'herald-config-file-')),
    );
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'herald.yaml');
    await expect(loadConfig(file, { env: {} })).rejects.toThrow(
      /environment variable HERALD_SLACK_WEBHOOK_URL is not set/,
    );

    const loaded = await loadConfig(file, { env: configSecrets?.stringData ?? {} });
    expect(loaded.receivers.map((receiver) => receiver.name)).toEqual([
      'soc-email',
      'soc-slack',
      'oncall-pagerduty',
    ]);
    // Relative paths resolve inside the mounted folder: a ConfigMap volume has no subfolders.
    expect(loaded.inventory).toBe(join(dir, 'inventory.yaml'));
    const inventory = await loadInventory(loaded.inventory as string);
    expect(findAsset(inventory, { name: 'db-01' })?.asset.criticality).toBe('critical');
    const slack = loaded.receivers.find((receiver) => receiver.name === 'soc-slack');
    expect(slack?.template).toBe(join(dir, 'soc-slack.liquid'));
    // The formatter parses every receiver's templates at start; this one must too.
    expect(receiversFromConfig(loaded.receivers, { mailFrom: 'herald@example.com' }).size).toBe(3);
  });
});
