// nodemailer's MIME build of the rendered messages of a kept run: text and HTML as now
// (quoted-printable detected and encoded in JavaScript) against explicit base64 parts.
// node bench/experiments/mime-encoding.mjs <kept bench folder>/postgres
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/toolchain.mjs';
import { openKeptDatabase } from './kept-db.mjs';

const MailComposer = createRequire(join(repoRoot, 'apps/sender/package.json'))(
  'nodemailer/lib/mail-composer',
);
const db = await openKeptDatabase(process.argv[2]);
const rows = (await db.client.query('SELECT rendered FROM deliveries LIMIT 300')).rows.map(
  (r) => r.rendered,
);
await db.close();

const envelope = (r, i) => ({
  from: r.from,
  to: r.to,
  subject: r.subject,
  messageId: `<m${i}@experiment>`,
  date: new Date(),
  headers: r.headers ?? {},
  disableFileAccess: true,
  disableUrlAccess: true,
});
async function measure(label, message) {
  const cpu = process.cpuUsage();
  let bytes = 0;
  const count = rows.length * 5;
  for (let i = 0; i < count; i += 1) {
    bytes += (await new MailComposer(message(rows[i % rows.length], i)).compile().build()).length;
  }
  const used = process.cpuUsage(cpu);
  console.log(
    `${label}: ${((used.user + used.system) / 1000 / count).toFixed(3)} ms CPU per message, ${Math.round(bytes / count)} bytes`,
  );
}
for (let pass = 0; pass < 2; pass += 1) {
  await measure('as composed now', (r, i) => ({ ...envelope(r, i), text: r.text, html: r.html }));
  await measure('base64 parts', (r, i) => ({
    ...envelope(r, i),
    text: { content: r.text, contentTransferEncoding: 'base64' },
    html: { content: r.html, contentTransferEncoding: 'base64' },
  }));
}
