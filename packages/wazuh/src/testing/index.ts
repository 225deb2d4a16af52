export {
  startFakeWazuhApi,
  type FakeRoute,
  type FakeWazuhApi,
  type FakeWazuhApiOptions,
  type ScriptedReply,
  type SeenRequest,
} from './fake-api.ts';
export { createTestCertificates, hasOpenssl, type TestCertificates } from '@herald/testkit';
