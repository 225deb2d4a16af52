// Reads the deployment files as the tools that consume them do.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '@herald/testkit';
import { parseAllDocuments } from 'yaml';

export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
export const ENV_EXAMPLE_FILE = join(REPO_ROOT, '.env.example');
export const DOCKERFILE = join(REPO_ROOT, 'deploy', 'Dockerfile');
export const DOCKERIGNORE = join(REPO_ROOT, '.dockerignore');
export const KUBERNETES_DIR = join(REPO_ROOT, 'deploy', 'kubernetes');

/** One YAML document of a file. */
export interface YamlDocument {
  /** Path relative to the repository root, and the document's position in the file. */
  source: string;
  value: unknown;
}

/**
 * Parses every document of a YAML file, with `<<` merge keys resolved as Compose resolves
 * them. Throws on a syntax error, naming the file.
 */
export function readYaml(path: string): YamlDocument[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true });
  const file = relative(REPO_ROOT, path);
  return documents.map((document, index) => {
    if (document.errors.length > 0) {
      throw new Error(
        `${file} document ${index + 1}: ${document.errors.map((e) => e.message).join('; ')}`,
      );
    }
    return { source: `${file}#${index + 1}`, value: document.toJS() as unknown };
  });
}

/** Every .yaml file under deploy/kubernetes, the templates included. */
export function kubernetesFiles(dir: string = KUBERNETES_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return kubernetesFiles(path);
      return entry.name.endsWith('.yaml') || entry.name.endsWith('.yml') ? [path] : [];
    })
    .sort();
}

/** A Kubernetes object as far as the checks read it. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** Every object of every manifest, with where it came from. */
export function kubernetesObjects(): { source: string; object: KubernetesObject }[] {
  return kubernetesFiles()
    .flatMap(readYaml)
    .filter((document) => document.value !== null)
    .map((document) => ({ source: document.source, object: document.value as KubernetesObject }));
}

/** The objects of one kind. */
export function objectsOfKind<T extends KubernetesObject>(kind: string): T[] {
  return kubernetesObjects()
    .map(({ object }) => object)
    .filter((object): object is T => object.kind === kind);
}

/**
 * The variables .env.example documents: assigned (`NAME=`), commented out with their
 * default (`# NAME=`), or described (`# NAME: ...`, for those compose sets itself).
 */
export function documentedVariables(): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync(ENV_EXAMPLE_FILE, 'utf8').split('\n')) {
    const match = /^(?:#\s*)?([A-Z][A-Z0-9_]*)(?:=|: )/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}

/**
 * The example value .env.example gives each variable (`NAME=value` or `# NAME=value`); the
 * first one wins.
 */
export function documentedValues(): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of readFileSync(ENV_EXAMPLE_FILE, 'utf8').split('\n')) {
    const match = /^(?:#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] && !values.has(match[1])) values.set(match[1], match[2] ?? '');
  }
  return values;
}

/** The variables a compose file interpolates (`${NAME}`, `${NAME:-default}`, ...). */
export function interpolatedVariables(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] as string),
  );
}
