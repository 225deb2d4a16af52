import { at, firstStr, num, record } from '../fields.ts';
import { changedAttributes, contentUnchanged } from '../fim.ts';
import { listWords, quote, sentences, token } from '../text.ts';
import { aroundTime, askOwner, type ExplainContext, type Explanation } from './context.ts';

/** Attribute names of syscheck in words a non-specialist reads. */
const ATTRIBUTE_WORDS: Record<string, string> = {
  size: 'size',
  perm: 'permissions',
  permission: 'permissions',
  uid: 'owner',
  gid: 'group',
  uname: 'owner',
  gname: 'group',
  md5: 'content',
  sha1: 'content',
  sha256: 'content',
  mtime: 'modification time',
  inode: 'inode (its identity on disk)',
  attributes: 'attributes',
};

/** Well-known files whose change means something specific. */
const KNOWN_FILES: [RegExp, string][] = [
  [
    /^\/etc\/hosts$/,
    'The hosts file decides which address a name leads to: one added line can quietly send traffic meant for a website or server to another machine.',
  ],
  [
    /^\/etc\/(passwd|shadow|group|gshadow)$/,
    'This file lists the accounts of the machine and their passwords: a change can add a hidden user or reset a password.',
  ],
  [
    /^\/etc\/sudoers(\.d\/.*)?$/,
    'This file decides who may act as the administrator: a change can hand full control to another account.',
  ],
  [
    /authorized_keys2?$/,
    'This file lists the keys allowed to log in over SSH without a password: an added key is a permanent back door.',
  ],
  [
    /(^\/etc\/cron|\/crontabs?\/)/,
    'Scheduled tasks run automatically: an added task is a common way to keep access or run malware regularly.',
  ],
];

const WINDOWS_PROGRAM = /\\windows\\(system32|syswow64)\\/i;
const PROGRAM_FILE = /(^\/(usr\/)?s?bin\/|\.(exe|dll|sys|so|sh|ps1|bat|cmd|scr|msi)$)/i;

function whyForPath(path: string | undefined, registry: boolean): string {
  if (registry) {
    return 'Registry changes can make a program start automatically at every boot or weaken security settings.';
  }
  if (!path) {
    return 'Wazuh watches these locations because changes there should not happen without someone knowing.';
  }
  const known = KNOWN_FILES.find(([pattern]) => pattern.test(path));
  if (known) {
    return known[1];
  }
  if (/^\/boot\//.test(path) || /\\EFI\\|\/efi\//i.test(path)) {
    return 'Boot files decide what runs when the machine starts; tampering there survives reboots and is hard to see.';
  }
  if (WINDOWS_PROGRAM.test(path) || PROGRAM_FILE.test(path)) {
    return 'A new or changed program file can be malware or a tampered copy of a trusted tool.';
  }
  if (/^\/etc\//.test(path)) {
    return 'Files under /etc hold the system configuration: a change can open access, add users or redirect traffic.';
  }
  return 'Wazuh watches this location because changes there should not happen without someone knowing.';
}

function changedWords(attributes: string[]): string[] {
  return [...new Set(attributes.map((item) => ATTRIBUTE_WORDS[item] ?? item))];
}

/** Who changed the file, from who-data (Linux audit or Windows fields). */
function actor(syscheck: Record<string, unknown> | undefined): string | undefined {
  const audit = record(syscheck?.['audit']);
  if (!audit) {
    return undefined;
  }
  const user = firstStr(at(audit, 'user', 'name'), audit['user_name']);
  const login = firstStr(at(audit, 'login_user', 'name'));
  const process = firstStr(at(audit, 'process', 'name'), audit['process_name']);
  if (!user && !process) {
    return undefined;
  }
  const byUser = user
    ? `by the user ${token(user)}${login && login !== user ? ` (logged in as ${token(login)})` : ''}`
    : 'by a process';
  return `The change was made ${byUser}${process ? ` with the program ${quote(process, 100)}` : ''}.`;
}

function sizeSentence(
  syscheck: Record<string, unknown> | undefined,
  event: string,
): string | undefined {
  const before = num(syscheck?.['size_before']);
  const after = num(syscheck?.['size_after']);
  if (event === 'added' && after === 0) {
    return 'The file is empty (0 bytes).';
  }
  if (before !== undefined && after !== undefined && before !== after) {
    return `Its size went from ${before} to ${after} bytes.`;
  }
  return undefined;
}

/** The step that finds out what the change was, by kind of event. */
function nextCheck(
  event: string,
  hasDiff: boolean,
  unchanged: boolean,
  host: string,
): string | undefined {
  if (event === 'deleted') {
    return 'Restore it from a backup if it was needed, and find out who deleted it.';
  }
  if (event === 'added') {
    return undefined;
  }
  if (hasDiff) {
    return 'Review the difference shown above and undo it if nobody can explain it.';
  }
  if (unchanged) {
    return `Check the package manager log of ${host} for an update at that time; if there was one, no action is needed.`;
  }
  return 'Compare it with a backup or with the installed package (for example rpm -V or debsums on Linux) to see exactly what changed.';
}

/** Files and registry keys added, changed or deleted (syscheck). */
export function explainFileIntegrity(ctx: ExplainContext): Explanation {
  const { alert, host } = ctx;
  const syscheck = record(alert.syscheck);
  const logged = /File '(.+?)' (added|modified|deleted)/.exec(alert.full_log ?? '');
  const rawPath = firstStr(syscheck?.['path'], logged?.[1]);
  const event =
    firstStr(syscheck?.['event'], logged?.[2])?.toLowerCase() ??
    (/added/i.test(alert.rule.description)
      ? 'added'
      : /deleted/i.test(alert.rule.description)
        ? 'deleted'
        : 'modified');
  const registry = /^HKEY_/i.test(rawPath ?? '') || /registry/i.test(alert.rule.description);
  const what = registry ? 'Registry key' : 'File';
  const path = rawPath ? quote(rawPath, 120) : undefined;
  const attributes = changedWords(changedAttributes(alert));
  const unchanged = contentUnchanged(alert);
  const diff = firstStr(syscheck?.['diff']);
  const sha256 = firstStr(syscheck?.['sha256_after']);
  const when = aroundTime(alert);

  const changeSentence =
    event === 'modified' && attributes.length > 0
      ? `What changed: ${listWords(attributes)}.`
      : undefined;
  const unchangedSentence = unchanged
    ? 'The content itself is the same, which usually means the file was rewritten or replaced with identical bytes, for example by a package update.'
    : undefined;
  const summary = sentences(
    `Wazuh's file integrity monitoring found that the ${what.toLowerCase()} ${path ?? '(path not given)'} was ${event} on ${host.described}.`,
    changeSentence,
    unchangedSentence,
    sizeSentence(syscheck, event),
    actor(syscheck),
    diff ? `The difference reads: ${quote(diff, 160)}.` : undefined,
  );

  const whyItMatters = sentences(
    whyForPath(rawPath, registry),
    unchanged
      ? 'Because the content did not change, this is most likely routine maintenance.'
      : undefined,
    host.isManager ? 'This machine is the Wazuh manager itself.' : undefined,
  );

  const nextSteps = [
    askOwner(
      ctx,
      `whether ${event === 'added' ? 'adding' : event === 'deleted' ? 'deleting' : 'this change to'} ${path ?? 'the file'}${when} was planned (an install, an update, a configuration change).`,
    ),
    nextCheck(event, diff !== undefined, unchanged, host.name),
    event === 'added' && sha256 && /^[0-9a-f]{64}$/i.test(sha256)
      ? `Check the file's SHA-256 hash on VirusTotal: https://www.virustotal.com/gui/file/${sha256.toLowerCase()}`
      : undefined,
    record(syscheck?.['audit'])
      ? `If the change was not planned, review what the same user did on ${host.name}${when}.`
      : `Enable who-data monitoring for this path so the next alert names the user and program behind a change.`,
  ].filter((step): step is string => step !== undefined);

  return {
    title: `${what}${path ? ` ${path}` : ''} ${event} on ${host.name}`,
    summary,
    whyItMatters,
    nextSteps,
  };
}
