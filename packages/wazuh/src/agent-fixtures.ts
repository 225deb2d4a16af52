/** Agent records as the Wazuh API returns them from GET /agents, for the client tests. */
/** An active agent with the full record the API returns, OS included. */
export const WEB01 = {
  id: '001',
  name: 'web-01',
  ip: '10.0.0.11',
  registerIP: 'any',
  status: 'active',
  os: {
    name: 'Ubuntu',
    platform: 'ubuntu',
    version: '22.04.4 LTS',
    major: '22',
    minor: '04',
    codename: 'Jammy Jellyfish',
    arch: 'x86_64',
    uname: 'Linux |web-01 |5.15.0 |x86_64',
  },
  version: 'Wazuh v4.14.1',
  manager: 'wazuh-manager',
  node_name: 'node01',
  group: ['default', 'web'],
  dateAdd: '2025-01-10T09:00:00+00:00',
  lastKeepAlive: '2026-12-01T10:00:00+00:00',
  configSum: 'ab73af41699f13fdd81903b5f23d8d00',
  mergedSum: 'd88491838d9c5b0fb3c41bc8256e87a1',
};
/** An agent registered but never connected: no OS, node "unknown". */
export const NEVER_CONNECTED = {
  id: '002',
  name: 'db-01',
  ip: '10.0.0.12',
  registerIP: '10.0.0.12',
  status: 'never_connected',
  node_name: 'unknown',
  dateAdd: '2025-02-01T00:00:00+00:00',
};
/** The manager's own agent 000, whose OS major version the API sends as a number. */
export const MANAGER = {
  id: '000',
  name: 'wazuh-manager',
  ip: '127.0.0.1',
  registerIP: '127.0.0.1',
  status: 'active',
  os: { name: 'Debian GNU/Linux', platform: 'debian', major: 12 },
  manager: 'wazuh-manager',
  node_name: 'node01',
  dateAdd: '2025-01-01T00:00:00+00:00',
  lastKeepAlive: '9999-12-31T23:59:59+00:00',
};
