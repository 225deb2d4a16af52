// The sender's delivery bookkeeping for 100 messages: two single-row autocommit UPDATEs
// per delivery (markSending, markDelivered, as now) against one UPDATE per batch before
// sending and one after. Backend CPU and wall time per delivery, one connection.
// node bench/experiments/sender-bookkeeping.mjs <kept bench folder>/postgres
import { openKeptDatabase } from './kept-db.mjs';

const db = await openKeptDatabase(process.argv[2]);
const { client } = db;
const ids = (await client.query('SELECT id FROM deliveries LIMIT 3000')).rows.map((r) => r.id);
const receipt = JSON.stringify({
  transport: 'mailbox',
  messageId: '<x@y>',
  response: 'written',
  acceptedAt: new Date().toISOString(),
  accepted: ['soc@localhost'],
  path: '/tmp/x.eml',
});
async function measure(label, work) {
  const cpu = db.backendCpuSeconds();
  const started = performance.now();
  for (let b = 0; b < ids.length / 100; b += 1) await work(ids.slice(b * 100, b * 100 + 100));
  const cpuMs = ((db.backendCpuSeconds() - cpu) * 1000) / ids.length;
  const wallMs = (performance.now() - started) / ids.length;
  console.log(
    `${label}: ${cpuMs.toFixed(3)} ms backend CPU, ${wallMs.toFixed(3)} ms wall per delivery`,
  );
}
for (let pass = 0; pass < 2; pass += 1) {
  await measure('per delivery (as now)', async (batch) => {
    for (const id of batch) {
      await client.query(
        `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = now() WHERE id = $1`,
        [id],
      );
      await client.query(
        `UPDATE deliveries SET status = 'delivered', receipt = $2, last_error = NULL, delivered_at = now(),
                updated_at = now() WHERE id = $1`,
        [id, receipt],
      );
    }
  });
  await measure('per batch', async (batch) => {
    await client.query(
      `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = now() WHERE id = ANY($1::uuid[])`,
      [batch],
    );
    await client.query(
      `UPDATE deliveries d SET status = 'delivered', receipt = r.receipt, last_error = NULL, delivered_at = now(),
              updated_at = now()
         FROM unnest($1::uuid[], $2::jsonb[]) AS r(id, receipt) WHERE d.id = r.id`,
      [batch, batch.map(() => receipt)],
    );
  });
}
await db.close();
