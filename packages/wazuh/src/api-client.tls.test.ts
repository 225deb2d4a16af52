import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WazuhApiClient } from './api-client.ts';
import { isWazuhApiError } from './api-error.ts';
import {
  createTestCertificates,
  hasOpenssl,
  startFakeWazuhApi,
  type FakeWazuhApi,
  type TestCertificates,
} from './testing/index.ts';

const openssl = hasOpenssl();

describe.skipIf(!openssl)(
  openssl
    ? 'WazuhApiClient over https'
    : 'WazuhApiClient over https (skipped: openssl is not installed)',
  () => {
    let certificates: TestCertificates;
    let fake: FakeWazuhApi;
    const clients: WazuhApiClient[] = [];

    beforeAll(async () => {
      certificates = createTestCertificates();
      fake = await startFakeWazuhApi({
        agents: [{ id: '001', name: 'web-01', status: 'active' }],
        tls: { key: certificates.key, cert: certificates.cert },
      });
    });

    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await fake?.close();
      if (certificates) rmSync(certificates.dir, { recursive: true, force: true });
    });

    function client(options: { caFile?: string; insecureSkipVerify?: boolean }): WazuhApiClient {
      const created = new WazuhApiClient({
        baseUrl: fake.url,
        username: 'wazuh',
        password: 'wazuh',
        ...options,
      });
      clients.push(created);
      return created;
    }

    it('trusts the API certificate through caFile', async () => {
      const trusting = client({ caFile: certificates.caFile });
      expect(trusting.insecureSkipVerify).toBe(false);
      const { agents } = await trusting.getAgents(['001']);
      expect(agents.get('001')?.name).toBe('web-01');
    });

    it('refuses a certificate it cannot verify, and says how to fix it', async () => {
      const err = await client({})
        .getAgents(['001'])
        .catch((reason: unknown) => reason);
      expect(isWazuhApiError(err) && err.code).toBe('WAZUH_API_TLS');
      expect(isWazuhApiError(err) && err.retryable).toBe(false);
      expect(String(err)).toContain('caFile');
    });

    it('skips verification only when told to, and says so', async () => {
      const insecure = client({ insecureSkipVerify: true });
      expect(insecure.insecureSkipVerify).toBe(true);
      const { agents } = await insecure.getAgents(['001']);
      expect(agents.has('001')).toBe(true);
    });
  },
);
