// How the configuration file (HERALD_CONFIG) reaches the containers: the folder mounted at a
// fixed path, and the variables its ${NAME} references need, from an env file (compose) or a
// Secret (Kubernetes). The services that get both are the ones whose schema reads it.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { envNames, SERVICES, type Service } from './services.ts';

/** Where compose and Kubernetes mount the configuration folder in a container. */
export const CONFIG_MOUNT_PATH = '/etc/herald/config';

/** The ConfigMap holding the configuration folder, and its template. */
export const CONFIG_FILE_CONFIGMAP = 'herald-config-file';

/** The Secret holding the values of the file's `${NAME}` references. */
export const CONFIG_SECRETS = 'herald-config-secrets';

/** The services that load the configuration file: those whose schema reads HERALD_CONFIG. */
export function configReaders(): Service[] {
  return SERVICES.filter((service) => envNames(service).includes('HERALD_CONFIG'));
}

// The loader's own syntax (packages/config/src/interpolate.ts): `$${NAME}` is a literal.
const REFERENCE = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringValues);
  if (typeof value === 'object' && value !== null)
    return Object.values(value).flatMap(stringValues);
  return [];
}

/**
 * The environment variables a configuration file's `${NAME}` references need: in string
 * values only, as the loader reads them (a comment naming `${NAME}` needs nothing).
 */
export function referencedVariables(text: string): string[] {
  const names = stringValues(parse(text) as unknown).flatMap((value) =>
    [...value.matchAll(REFERENCE)].map((match) => match[1] as string),
  );
  return [...new Set(names)].sort();
}

/**
 * Writes a ConfigMap's data into `dir` as the kubelet projects it into a volume, one file per
 * key, readable by any user (the images run as an unprivileged one). Returns `dir`.
 */
export function writeConfigMapFolder(data: Record<string, string>, dir: string): string {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const [key, value] of Object.entries(data)) {
    writeFileSync(join(dir, key), value, { mode: 0o644 });
  }
  return dir;
}
