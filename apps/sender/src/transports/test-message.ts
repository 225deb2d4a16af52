// Test helper (imported only by *.test.ts): a rendered email as the formatter makes them.
import type { OutgoingEmail } from './types.ts';

export const UTF8_TEXT = 'Grüße aus Köln — 警告 🔥';

export function testMessage(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    channel: 'email',
    from: 'herald@example.com',
    to: ['soc@example.com'],
    subject: `[Herald HIGH] ${UTF8_TEXT}: SSH brute force against web-01 (rule 5712, level 10)`,
    text: `Plain body: ${UTF8_TEXT}\nSecond line.\n`,
    html: `<!DOCTYPE html><html><body><p>HTML body: ${UTF8_TEXT}</p></body></html>`,
    headers: {
      'X-Herald-Alert-Id': 'alert-1',
      'X-Herald-Rule-Id': '5712',
      'X-Herald-Rule-Level': '10',
      'X-Herald-Priority': 'high',
    },
    messageId: '<alert-1.ops@herald>',
    ...overrides,
  };
}
