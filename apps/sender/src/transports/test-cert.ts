// Test helper (imported only by *.test.ts): a throwaway self-signed certificate.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface TestCertificate {
  keyPath: string;
  certPath: string;
  key: Buffer;
  cert: Buffer;
}

/** A one-day self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI. */
export async function createTestCertificate(directory: string): Promise<TestCertificate> {
  const keyPath = join(directory, 'server.key');
  const certPath = join(directory, 'server.crt');
  const request =
    'req -x509 -nodes -days 1 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 ' +
    '-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost';
  await promisify(execFile)('openssl', [
    ...request.split(' '),
    ...['-keyout', keyPath, '-out', certPath],
  ]);
  return { keyPath, certPath, key: await readFile(keyPath), cert: await readFile(certPath) };
}
