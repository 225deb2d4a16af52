import type { WazuhAlert } from '@herald/wazuh';
import { record, strList } from './fields.ts';

/** Attributes that, when changed, mean the file's content is different. */
const CONTENT_ATTRIBUTES = new Set(['size', 'md5', 'sha1', 'sha256', 'content']);

/**
 * What a file integrity event says changed: `syscheck.changed_attributes` (an array in
 * 4.x, sometimes a comma list), else the "Changed attributes:" line of `full_log`.
 */
export function changedAttributes(alert: WazuhAlert): string[] {
  const syscheck = record(alert.syscheck);
  const listed = strList(syscheck?.['changed_attributes']).flatMap((item) => item.split(','));
  const fromLog = /Changed attributes: ([^\n]+)/.exec(alert.full_log ?? '')?.[1]?.split(',') ?? [];
  return (listed.length > 0 ? listed : fromLog)
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');
}

/**
 * True when a modified file kept its content: only metadata such as the inode, owner or
 * times changed (a package rewriting a file with the same bytes, a restore from backup).
 */
export function contentUnchanged(alert: WazuhAlert): boolean {
  const attributes = changedAttributes(alert);
  return attributes.length > 0 && !attributes.some((item) => CONTENT_ATTRIBUTES.has(item));
}
