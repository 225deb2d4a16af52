// Validators from the npm registry, against published schemas:
// - the Compose specification's JSON schema (compose-spec/compose-spec schema/compose-spec.json),
//   as bundled by dclint, checked with ajv;
// - the Kubernetes OpenAPI schemas compiled into kubernetes-models, and KEDA's CRD types
//   compiled into @kubernetes-models/keda.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

const require = createRequire(import.meta.url);

/** The Compose specification's JSON schema (draft-07), as dclint ships it. */
export function composeSchema(): Record<string, unknown> {
  const dclint = dirname(require.resolve('dclint/package.json'));
  return JSON.parse(readFileSync(join(dclint, 'schemas', 'compose.schema.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** Validates a parsed compose file; returns ajv's errors (empty when valid). */
export function createComposeValidator(): (document: unknown) => ErrorObject[] {
  // strictTypes off: the published schema leaves `type` implicit beside some keywords, which
  // is valid JSON Schema; every other strict check stays on.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  // The schema names its meta-schema with https and no fragment; ajv registers draft-07 as
  // http://...#. Same document, so register it under that name too, and the schema is
  // itself checked against draft-07.
  const draft07 = ajv.getSchema('http://json-schema.org/draft-07/schema')?.schema;
  if (typeof draft07 !== 'object' || draft07 === null)
    throw new Error('ajv lacks the draft-07 meta-schema');
  ajv.addMetaSchema({ ...draft07, $id: 'https://json-schema.org/draft-07/schema' });
  const validate = ajv.compile(composeSchema());
  return (document) => (validate(document) ? [] : [...(validate.errors ?? [])]);
}

interface ValidatingModel {
  validate(): void;
}

// Every kind the manifests use. A manifest of another kind fails the test until its model
// is added here, so nothing goes unvalidated.
const MODELS: Record<string, new (data: never) => ValidatingModel> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

/**
 * Validates one Kubernetes object against its schema. Throws naming every violation, or
 * when no schema is known for its apiVersion and kind.
 */
export function validateKubernetesObject(object: unknown): void {
  const { apiVersion, kind } = (object ?? {}) as { apiVersion?: unknown; kind?: unknown };
  const Model = MODELS[`${String(apiVersion)}/${String(kind)}`];
  if (!Model)
    throw new Error(`no schema for apiVersion ${String(apiVersion)}, kind ${String(kind)}`);
  new Model(object as never).validate();
}
