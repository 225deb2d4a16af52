import { describe, expect, test } from 'vitest';
import { messageKey } from './receivers.ts';

const ALERT_ID = '0b8f3c1e-5d2a-4e7b-9c61-2f4a8d9e0b13';

// RFC 5322 3.6.4: msg-id = "<" dot-atom-text "@" dot-atom-text ">".
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const DOT_ATOM = `${ATEXT}+(?:\\.${ATEXT}+)*`;
const MSG_ID = new RegExp(`^<${DOT_ATOM}@${DOT_ATOM}>$`);

/** Undoes the encoding, to show nothing of the name is lost. */
function receiverOf(key: string): string {
  const local = key.slice(`<${ALERT_ID}.`.length, -'@herald>'.length);
  return decodeURIComponent(local.replaceAll('=', '%'));
}

describe('messageKey', () => {
  test.each([
    ['soc', `<${ALERT_ID}.soc@herald>`],
    ['soc-team_2', `<${ALERT_ID}.soc-team_2@herald>`],
    ['a b', `<${ALERT_ID}.a=20b@herald>`],
    ['a.b', `<${ALERT_ID}.a=2Eb@herald>`],
    ['a=20b', `<${ALERT_ID}.a=3D20b@herald>`],
    ['<x@y>', `<${ALERT_ID}.=3Cx=40y=3E@herald>`],
    ['équipe', `<${ALERT_ID}.=C3=A9quipe@herald>`],
  ])('%j -> %s', (receiver, key) => {
    expect(messageKey(ALERT_ID, receiver)).toBe(key);
  });

  const names = [
    'a b',
    'a-b',
    'a_b',
    'a.b',
    'a..b',
    '.a',
    'a.',
    'a=20b',
    'a=2Db',
    'a@b',
    'a<b>',
    'é',
    'e\u0301',
    'a\tb',
    '日本',
  ];

  test('different receivers never share a Message-ID, and the name can be read back', () => {
    const keys = names.map((name) => messageKey(ALERT_ID, name));
    expect(new Set(keys).size).toBe(names.length);
    expect(keys.map(receiverOf)).toEqual(names);
  });

  test('every key is a valid Message-ID: no space, and no <, > or @ inside it', () => {
    for (const name of names) {
      expect(messageKey(ALERT_ID, name)).toMatch(MSG_ID);
    }
  });

  test('the same alert and receiver always give the same key', () => {
    expect(messageKey(ALERT_ID, 'a b')).toBe(messageKey(ALERT_ID, 'a b'));
    expect(messageKey(ALERT_ID, 'soc')).not.toBe(messageKey('another-alert', 'soc'));
  });
});
