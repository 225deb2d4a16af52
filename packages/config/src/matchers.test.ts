import { describe, expect, it } from 'vitest';
import {
  MatcherSchema,
  fieldValues,
  formatMatcher,
  isInvalidMatcherError,
  matcherFromObject,
  matcherToObject,
  matches,
  matchesAll,
  parseMatcher,
  type MatchSubject,
} from './matchers.ts';

const sshBruteForce: MatchSubject = {
  alert: {
    rule: {
      level: 10,
      id: '5712',
      groups: ['syslog', 'sshd', 'authentication_failures'],
      mitre: { tactic: ['Credential Access'], technique: ['Brute Force'] },
      pci_dss: ['11.4', '10.2.4'],
      mail: false,
    },
    agent: { id: '010', name: 'web-01', ip: '10.0.2.15' },
    data: { srcip: '192.0.2.7', 'source-ip': '192.0.2.8' },
  },
  enrichment: {
    kind: 'agent',
    agent: {
      id: '010',
      name: 'web-01-from-api',
      groups: ['linux', 'dmz'],
      os: { platform: 'ubuntu' },
    },
    asset: { criticality: 'high', team: 'payments', tags: ['pci'] },
  },
  analysis: { priority: 'high', family: 'authentication' },
};

function check(text: string, subject: MatchSubject = sshBruteForce): boolean {
  return matches(parseMatcher(text), subject);
}

describe('parseMatcher', () => {
  it('reads the four operators', () => {
    expect(parseMatcher('rule.id=5712')).toMatchObject({
      name: 'rule.id',
      operator: '=',
      value: '5712',
    });
    expect(parseMatcher('rule.id!=5712')).toMatchObject({ operator: '!=' });
    expect(parseMatcher('rule.id=~57.*')).toMatchObject({ operator: '=~', value: '57.*' });
    expect(parseMatcher('rule.id!~57.*')).toMatchObject({ operator: '!~' });
  });

  it('allows spaces around the operator and a double-quoted value', () => {
    expect(parseMatcher(' agent.name = "web 01 " ')).toMatchObject({
      name: 'agent.name',
      value: 'web 01 ',
    });
    expect(parseMatcher('data.msg="say \\"hi\\""').value).toBe('say "hi"');
  });

  it('keeps an = inside the value', () => {
    expect(parseMatcher('data.query=a=b').value).toBe('a=b');
  });

  it('refuses text without an operator, naming it', () => {
    expect(() => parseMatcher('rule.id')).toThrow(/invalid matcher 'rule.id'/);
  });

  it('refuses a bad field path', () => {
    expect(() => parseMatcher('rule..id=1')).toThrow(/'rule..id' is not a field path/);
    expect(() => parseMatcher('=1')).toThrow(/invalid matcher/);
  });

  it('refuses an invalid regex, naming it', () => {
    let caught: unknown;
    try {
      parseMatcher('rule.id=~(57');
    } catch (err) {
      caught = err;
    }
    expect(isInvalidMatcherError(caught)).toBe(true);
    expect((caught as Error).message).toContain("'(57' is not a valid regular expression");
    expect((caught as { code: string }).code).toBe('CONFIG_INVALID_MATCHER');
  });

  it('refuses a value starting with an operator character, a typo that would never match', () => {
    for (const text of ['rule.level=>10', 'rule.id==5710', 'rule.level=<3', 'agent.name=~~web']) {
      expect(() => parseMatcher(text), text).toThrow(/the value starts with '[=<>~]'/);
    }
    expect(check('rule.id!=">5712"')).toBe(true);
  });

  it('refuses a broken quoted value', () => {
    expect(() => parseMatcher('rule.id="57')).toThrow(/quoted value/);
  });

  it('round-trips through the text form', () => {
    const original = parseMatcher('data.msg=~"a b.*"');
    expect(parseMatcher(formatMatcher(original))).toEqual(original);
  });
});

describe('object form', () => {
  it('reads Alertmanager silence matchers', () => {
    expect(matcherFromObject({ name: 'rule.id', value: '5712' }).operator).toBe('=');
    expect(matcherFromObject({ name: 'rule.id', value: '5712', isEqual: false }).operator).toBe(
      '!=',
    );
    expect(matcherFromObject({ name: 'rule.id', value: '57.*', isRegex: true }).operator).toBe(
      '=~',
    );
    expect(
      matcherFromObject({ name: 'rule.id', value: '57.*', isRegex: true, isEqual: false }).operator,
    ).toBe('!~');
  });

  it('round-trips through the object form', () => {
    const original = parseMatcher('agent.name!~web-.*');
    expect(matcherFromObject(matcherToObject(original))).toEqual(original);
  });

  it('refuses an invalid regex in an object', () => {
    expect(() => matcherFromObject({ name: 'rule.id', value: '[', isRegex: true })).toThrow(
      /not a valid regular expression/,
    );
  });
});

describe('MatcherSchema', () => {
  it('accepts strings and objects', () => {
    const parsed = MatcherSchema.array().parse([
      'rule.id=5712',
      { name: 'agent.name', value: 'x' },
    ]);
    expect(parsed.map(formatMatcher)).toEqual(['rule.id="5712"', 'agent.name="x"']);
  });

  it('turns a bad matcher into an issue naming it', () => {
    const result = MatcherSchema.safeParse('rule.id=~*');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain("invalid matcher 'rule.id=~*'");
  });
});

describe('matches', () => {
  it('compares alert fields by dotted path, numbers as text', () => {
    expect(check('rule.id=5712')).toBe(true);
    expect(check('rule.id=5710')).toBe(false);
    expect(check('rule.level=10')).toBe(true);
    expect(check('rule.mail=false')).toBe(true);
    expect(check('data.srcip=192.0.2.7')).toBe(true);
    expect(check('data.source-ip=192.0.2.8')).toBe(true);
  });

  it('negates', () => {
    expect(check('rule.id!=5712')).toBe(false);
    expect(check('rule.id!=5710')).toBe(true);
  });

  it('matches regexes in linear time (RE2), so a long field cannot stall a worker', () => {
    // A backtracking engine spends seconds on each (quadratic, then exponential), and the
    // time grows with the field: a 1 MB full_log would hold a worker for minutes.
    const subject = {
      alert: { full_log: 'error '.repeat(50_000), data: { user: 'a'.repeat(28) } },
    };
    const started = performance.now();
    expect(matches(parseMatcher('full_log=~.*error.*failed.*'), subject)).toBe(false);
    expect(matches(parseMatcher('data.user=~(a+)+b'), subject)).toBe(false);
    expect(matches(parseMatcher('full_log=~(error )+'), subject)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  // Compiled matchers are ordinary objects the garbage collector frees: the analyzer compiles
  // the silences' matchers again at every cache reload, for as long as it runs.
  it('compiles matchers again and again without running out of memory', () => {
    for (let i = 0; i < 30_000; i += 1) {
      expect(matches(parseMatcher(`agent.name=~web-${i % 10}.*`), { alert: {} })).toBe(false);
    }
  });

  it('refuses what RE2 cannot match in linear time, naming it', () => {
    expect(() => parseMatcher('agent.name=~(?!web).*')).toThrow(
      /'\(\?!web\)\.\*' is not a valid regular expression/,
    );
  });

  it('anchors regexes at both ends', () => {
    expect(check('rule.id=~57')).toBe(false);
    expect(check('rule.id=~57.*')).toBe(true);
    expect(check('rule.id=~571|5712')).toBe(true);
    expect(check('rule.level=~[0-9]')).toBe(false);
    expect(check('rule.id!~57.*')).toBe(false);
    expect(check('rule.id!~60.*')).toBe(true);
  });

  it('matches an array when any element does, and negates over all of them', () => {
    expect(check('rule.groups=sshd')).toBe(true);
    expect(check('rule.groups=~auth.*')).toBe(true);
    expect(check('rule.groups=web')).toBe(false);
    expect(check('rule.groups!=sshd')).toBe(false);
    expect(check('rule.groups!=web')).toBe(true);
    expect(check('rule.mitre.tactic="Credential Access"')).toBe(true);
    expect(check('rule.pci_dss=~10\\..*')).toBe(true);
  });

  it('reads a missing field as the empty string', () => {
    expect(check('data.dstip=""')).toBe(true);
    expect(check('data.dstip!=""')).toBe(false);
    expect(check('data.srcip!=""')).toBe(true);
    expect(check('rule.nothing.deeper=x')).toBe(false);
    expect(check('rule.nothing.deeper!=x')).toBe(true);
    expect(fieldValues(sshBruteForce, 'rule.mitre')).toEqual(['']);
  });

  it('reads enrichment facts in the asset and agent namespaces', () => {
    expect(check('asset.criticality=high')).toBe(true);
    expect(check('asset.team=payments')).toBe(true);
    expect(check('asset.tags=pci')).toBe(true);
    expect(check('agent.groups=dmz')).toBe(true);
    expect(check('agent.os.platform=ubuntu')).toBe(true);
    expect(check('enrichment.kind=agent')).toBe(true);
  });

  it("prefers the alert's own agent block over enrichment", () => {
    expect(check('agent.name=web-01')).toBe(true);
    expect(check('agent.name=web-01-from-api')).toBe(false);
  });

  it('reads analysis facts, and nothing when there is no analysis', () => {
    expect(check('analysis.priority=high')).toBe(true);
    expect(check('analysis.priority=high', { alert: sshBruteForce.alert })).toBe(false);
    expect(check('asset.criticality=""', { alert: sshBruteForce.alert })).toBe(true);
  });

  it('does not read inherited properties', () => {
    expect(check('rule.constructor=~.+')).toBe(false);
  });
});

describe('matchesAll', () => {
  it('needs every matcher to match', () => {
    const both = ['rule.id=5712', 'agent.groups=dmz'].map(parseMatcher);
    expect(matchesAll(both, sshBruteForce)).toBe(true);
    const oneFails = ['rule.id=5712', 'agent.groups=linux-only'].map(parseMatcher);
    expect(matchesAll(oneFails, sshBruteForce)).toBe(false);
    expect(matchesAll([], sshBruteForce)).toBe(true);
  });
});
