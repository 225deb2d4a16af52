import { readFileSync } from 'node:fs';
import { matchesGlob } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_PORTS } from '../../deploy/docker/healthcheck.ts';
import { CONFIG_MOUNT_PATH, configReaders } from './src/config-file.ts';
import {
  COMPOSE_FILE,
  DOCKERIGNORE,
  documentedValues,
  documentedVariables,
  interpolatedVariables,
  readYaml,
} from './src/files.ts';
import { createComposeValidator } from './src/schemas.ts';
import { envNames, PER_PROCESS_VARIABLES, SERVICES } from './src/services.ts';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: string | number };
  healthcheck?: { test: string[] };
  restart?: string;
  volumes?: string[];
  env_file?: (string | { path: string; required?: boolean })[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

// What an operator sets in .env to use the configuration file: the host folder mounted at
// CONFIG_MOUNT_PATH, and the env file holding the values of the file's ${NAME} references.
const CONFIG_VOLUME = `\${HERALD_CONFIG_DIR:-./config}:${CONFIG_MOUNT_PATH}:ro`;
const SECRETS_ENV_FILE = { path: '${HERALD_SECRETS_FILE:-.env.secrets}', required: false };

const [document] = readYaml(COMPOSE_FILE);
const compose = document?.value as ComposeFile;
const composeText = readFileSync(COMPOSE_FILE, 'utf8');
const validateCompose = createComposeValidator();

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

describe('docker-compose.yml', () => {
  it('is one document valid against the Compose specification schema', () => {
    expect(readYaml(COMPOSE_FILE)).toHaveLength(1);
    expect(validateCompose(compose)).toEqual([]);
  });

  it('fails the schema when a key is misspelt, so the check above is live', () => {
    const broken = structuredClone(compose);
    const redis = broken.services.redis as Record<string, unknown>;
    redis.healthcheck = { ...(redis.healthcheck as object), intervall: '5s' };
    (broken.services['ingest-api'] as Record<string, unknown>).deploy = { replica: 2 };
    const errors = validateCompose(broken).map((error) => `${error.instancePath} ${error.message}`);
    expect(errors).toContain('/services/redis/healthcheck must NOT have additional properties');
    expect(errors).toContain('/services/ingest-api/deploy must NOT have additional properties');
  });

  it('runs Redis with AOF fsynced every second and without eviction', () => {
    const command = service('redis').command ?? [];
    const option = (name: string) => command[command.indexOf(name) + 1];
    expect(option('--appendonly')).toBe('yes');
    expect(option('--appendfsync')).toBe('everysec');
    expect(option('--maxmemory-policy')).toBe('noeviction');
    expect(service('redis').volumes).toContain('redis-data:/data');
    expect(service('postgres').volumes).toContain('postgres-data:/var/lib/postgresql/data');
  });

  it('migrates once PostgreSQL is healthy, with the migrate target of the Dockerfile', () => {
    const migrate = service('migrate');
    expect(migrate.build).toMatchObject({
      dockerfile: 'deploy/Dockerfile',
      target: 'migrate',
      args: { APP: 'migrate' },
    });
    expect(migrate.command).toEqual(['migrate']);
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(migrate.restart).toBe('no');
  });

  it.each(SERVICES.map((s) => [s.name, s] as const))(
    '%s: built from its app, started after migration and healthy stores',
    (name, app) => {
      const entry = service(name);
      expect(entry.build).toMatchObject({
        context: '.',
        dockerfile: 'deploy/Dockerfile',
        args: { APP: name },
      });
      expect(entry.build?.target).toBeUndefined(); // the default target is the service
      expect(entry.depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
      expect(entry.healthcheck?.test).toEqual(['CMD', 'node', '/app/deploy/healthcheck.ts']);
      expect(entry.restart).toBe('unless-stopped');
      expect(entry.deploy?.replicas).toBe(
        `\${HERALD_${name.toUpperCase().replace('-', '_')}_REPLICAS:-1}`,
      );

      const environment = entry.environment ?? {};
      const reads = envNames(app);
      // Every variable the app reads is passed (an empty value means its default), except the
      // per-process name; nothing it does not read is passed.
      expect(Object.keys(environment).sort()).toEqual(
        reads.filter((n) => !PER_PROCESS_VARIABLES.includes(n)),
      );
      const port = app.stage ? environment.OPS_PORT : environment.HERALD_HTTP_PORT;
      expect(Number(port)).toBe(DEFAULT_HEALTH_PORTS[name]);
      expect(environment[app.stage ? 'OPS_HOST' : 'HERALD_HTTP_HOST']).toBe('0.0.0.0');
    },
  );

  it('passes secrets only to the services that read them', () => {
    const holders = (variable: string) =>
      Object.entries(compose.services)
        .filter(([, entry]) => entry.environment && variable in entry.environment)
        .map(([name]) => name);
    expect(holders('HERALD_API_KEY')).toEqual(['ingest-api']);
    expect(holders('SMTP_PASSWORD')).toEqual(['sender']);
    expect(holders('WAZUH_API_PASSWORD')).toEqual(['enricher']);
  });

  it('keeps the sender mailbox on a named volume where the image lets the service write', () => {
    expect(service('sender').environment?.HERALD_MAILBOX_DIR).toBe('/var/lib/herald/mailbox');
    expect(service('sender').volumes).toContain('mailbox:/var/lib/herald/mailbox');
    expect(Object.keys(compose.volumes).sort()).toEqual(['mailbox', 'postgres-data', 'redis-data']);
  });

  it('documents in .env.example every variable it interpolates and every variable a service reads', () => {
    const documented = documentedVariables();
    const undocumented = [...interpolatedVariables(composeText)].filter(
      (name) => !documented.has(name),
    );
    expect(undocumented).toEqual([]);
    for (const app of SERVICES) {
      expect(
        envNames(app).filter((name) => !documented.has(name)),
        app.name,
      ).toEqual([]);
    }
  });
});

describe('docker-compose.yml: the configuration file', () => {
  const readers: string[] = configReaders().map((reader) => reader.name);

  it('is read by the four stage services (taken from their schemas), so the checks are live', () => {
    expect(readers).toEqual(['enricher', 'analyzer', 'formatter', 'sender']);
  });

  it('mounts the config folder read-only at the fixed path in exactly the services that read it', () => {
    for (const [name, entry] of Object.entries(compose.services)) {
      const mounts = (entry.volumes ?? []).filter((volume) => volume.includes(CONFIG_MOUNT_PATH));
      expect(mounts, name).toEqual(readers.includes(name) ? [CONFIG_VOLUME] : []);
    }
  });

  it('passes HERALD_CONFIG through from .env, so without it the services stay env-only', () => {
    for (const name of readers) {
      expect(service(name).environment?.HERALD_CONFIG, name).toBe('${HERALD_CONFIG:-}');
    }
  });

  it('gives the operator-named secrets env file, optional, to exactly the services that read it', () => {
    for (const [name, entry] of Object.entries(compose.services)) {
      expect(entry.env_file, name).toEqual(readers.includes(name) ? [SECRETS_ENV_FILE] : undefined);
    }
  });

  it('documents, in .env.example, a HERALD_CONFIG inside the mount and the same defaults', () => {
    const values = documentedValues();
    expect(values.get('HERALD_CONFIG')).toMatch(new RegExp(`^${CONFIG_MOUNT_PATH}/[^/]+$`));
    expect(values.get('HERALD_CONFIG_DIR')).toBe('./config');
    expect(values.get('HERALD_SECRETS_FILE')).toBe('.env.secrets');
  });

  it('keeps the default secrets file out of every image build context', () => {
    const file = /:-([^}]+)\}$/.exec(SECRETS_ENV_FILE.path)?.[1] ?? '';
    // .dockerignore semantics: the last pattern that matches decides; `!` re-includes.
    const decisive = readFileSync(DOCKERIGNORE, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .filter((pattern) => matchesGlob(file, pattern.replace(/^!/, '')))
      .at(-1);
    expect(file).toBe('.env.secrets');
    expect(decisive).toBe('.env.*');
  });
});
