import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/api/cursors.js';
import { InvalidParameterError } from '../../src/api/errors.js';
import { parseInstant } from '../../src/api/param-rules.js';
import {
  parseEventsParams,
  parseNoParams,
  parseSummaryParams,
  parseTimelineParams,
  parseTrendParams,
  singleValued,
} from '../../src/api/params.js';
import { decodePollId, encodePollId } from '../../src/api/poll-id.js';

const KEY = 'test-key';

function failure(fn: () => unknown): { parameter: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidParameterError) return { parameter: err.parameter, message: err.message };
    throw err;
  }
  throw new Error('expected an InvalidParameterError');
}

describe('parseInstant', () => {
  describe.each([
    ['2024-03-01', '2024-03-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2024-03-01T12:34Z', '2024-03-01T12:34:00.000Z'],
    ['2024-03-01T12:34:56Z', '2024-03-01T12:34:56.000Z'],
    ['2024-03-01T12:34:56.789Z', '2024-03-01T12:34:56.789Z'],
    ['2024-03-01T12:34:56.123456789Z', '2024-03-01T12:34:56.123Z'],
    ['2024-03-01T12:00:00+02:00', '2024-03-01T10:00:00.000Z'],
    ['2024-03-01T12:00:00 02:00', '2024-03-01T10:00:00.000Z'],
    ['2024-03-01T00:30:00-01:30', '2024-03-01T02:00:00.000Z'],
    ['1709251200', '2024-03-01T00:00:00.000Z'],
    ['0', '1970-01-01T00:00:00.000Z'],
  ])('accepts %s', (text, iso) => {
    it(`as ${iso}`, () => {
      // Act
      const instant = parseInstant(text);
      // Assess
      expect(instant === null ? null : new Date(instant).toISOString()).toBe(iso);
    });
  });

  it.each([
    '2024-02-30',
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-03-01T24:00:00Z',
    '2024-03-01T12:60:00Z',
    '2024-03-01T12:00:60Z',
    '2024-03-01T12:00:00',
    '2024-03-01 12:00:00Z',
    '2024-03-01T12:00:00+24:00',
    '1969-12-31',
    '24-03-01',
    '2024-3-1',
    'yesterday',
    '',
    '-1',
    '1e9',
    '1709251200.5',
    '999999999999',
    '２０２４-03-01',
    '١٧٠٩٢٥١٢٠٠',
    "2024-03-01' OR 1=1 --",
  ])('rejects %j', (text) => {
    expect(parseInstant(text)).toBeNull();
  });
});

describe('singleValued', () => {
  it('keeps one value per name', () => {
    expect(singleValued({ account: ['123456789012'], limit: ['5'] })).toEqual({
      account: '123456789012',
      limit: '5',
    });
  });

  it('rejects a repeated name', () => {
    expect(failure(() => singleValued({ account: ['123456789012', '210987654321'] }))).toEqual({
      parameter: 'account',
      message: 'account must be given once (was given 2 times)',
    });
  });
});

describe('parseEventsParams', () => {
  it('applies the defaults', () => {
    expect(parseEventsParams({}, KEY)).toEqual({
      account: null,
      region: null,
      start: null,
      end: null,
      severities: null,
      source: 'aws.config',
      limit: 100,
      after: null,
    });
  });

  it('normalizes every accepted parameter', () => {
    // Act
    const params = parseEventsParams(
      {
        account: '123456789012',
        region: 'us-gov-west-1',
        start_date: '2024-03-01',
        end_date: '1709337600',
        source: 'aws.config',
        limit: '500',
      },
      KEY,
    );
    // Assess
    expect(params).toMatchObject({
      account: '123456789012',
      region: 'us-gov-west-1',
      start: '2024-03-01T00:00:00.000Z',
      end: '2024-03-02T00:00:00.000Z',
      limit: 500,
    });
  });

  describe.each([
    ['account', '12345678901', 'exactly 12 ASCII digits'],
    ['account', '1234567890123', 'exactly 12 ASCII digits'],
    ['account', '12345678901a', 'exactly 12 ASCII digits'],
    ['account', '１２３４５６７８９０１２', 'exactly 12 ASCII digits'],
    ['account', '١٢٣٤٥٦٧٨٩٠١٢', 'exactly 12 ASCII digits'],
    ['account', "' OR 1=1 --", 'exactly 12 ASCII digits'],
    ['account', '"; drop table events', 'exactly 12 ASCII digits'],
    ['account', '123456789012\n', 'exactly 12 ASCII digits'],
    ['account', '', 'exactly 12 ASCII digits'],
    ['region', 'US-EAST-1', 'an AWS region'],
    ['region', 'us-east', 'an AWS region'],
    ['region', "us-east-1' OR '1'='1", 'an AWS region'],
    ['start_date', '2024-02-30', 'an ISO 8601 date'],
    ['end_date', 'tomorrow', 'an ISO 8601 date'],
    ['source', 'aws.ec2', 'exactly "aws.config"'],
    ['limit', '0', 'at least 1'],
    ['limit', '501', 'at most 500'],
    ['limit', '-1', 'an integer from 1 to 500'],
    ['limit', '1.5', 'an integer from 1 to 500'],
    ['limit', '１０', 'an integer from 1 to 500'],
    ['next', 'not-a-cursor', 'a cursor returned by this API'],
  ])('%s=%j', (name, value, rule) => {
    it('is a 400 naming the parameter, its rule and the value seen', () => {
      // Act
      const error = failure(() => parseEventsParams({ [name]: value }, KEY));
      // Assess
      expect(error.parameter).toBe(name);
      expect(error.message).toContain(rule);
      expect(error.message).toContain(JSON.stringify(value).slice(0, 20));
    });
  });

  it('rejects an unknown parameter by name', () => {
    expect(failure(() => parseEventsParams({ acount: '123456789012' }, KEY))).toEqual({
      parameter: 'acount',
      message:
        'unknown parameter "acount"; allowed: account, region, start_date, end_date, severity, source, limit, next',
    });
  });

  it.each([
    ['2024-03-02', '2024-03-01'],
    ['2024-03-01', '2024-03-01'],
    ['2024-03-01T10:00:00Z', '2024-03-01T11:00:00+02:00'],
  ])('rejects the reversed or empty range %s → %s naming end_date', (start, end) => {
    expect(failure(() => parseEventsParams({ start_date: start, end_date: end }, KEY)).parameter).toBe(
      'end_date',
    );
  });

  it('clips a very long value in the message', () => {
    const error = failure(() => parseEventsParams({ region: 'x'.repeat(10_000) }, KEY));
    expect(error.message.length).toBeLessThan(200);
  });

  describe('cursor', () => {
    const filter = { account: '123456789012', region: null, start: null, end: null };
    const position = { day: '2024-03-01', sortKey: '2024-03-01T10:00:00.000Z#0d3b-4c2a' };

    it('round-trips for the same filters', () => {
      // Prepare
      const next = encodeCursor(position, filter, KEY);
      // Act
      const params = parseEventsParams({ account: '123456789012', next }, KEY);
      // Assess
      expect(params.after).toEqual(position);
    });

    it.each([
      ['a control character', '2024-03-01T10:00:00.000Z#evt\u0001\u001f\u007fx'],
      ['a newline and a quote', '2024-03-01T10:00:00.000Z#evt\n"x'],
      ['an id of 512 UTF-8 bytes', `2024-03-01T10:00:00.000Z#${'é'.repeat(256)}`],
    ])('round-trips for an id with %s (any id the hot store accepts)', (_label, sortKey) => {
      // Before: the API refused a cursor it had issued itself when the last id had a control character.
      const at = { day: '2024-03-01', sortKey };
      const next = encodeCursor(at, filter, KEY);
      expect(parseEventsParams({ account: '123456789012', next }, KEY).after).toEqual(at);
    });

    it('is refused for an id longer than the hot store accepts (512 UTF-8 bytes)', () => {
      const next = encodeCursor(
        { day: '2024-03-01', sortKey: `2024-03-01T10:00:00.000Z#${'é'.repeat(257)}` },
        filter,
        KEY,
      );
      expect(failure(() => parseEventsParams({ account: '123456789012', next }, KEY)).parameter).toBe('next');
    });

    it.each([
      ['another account', { account: '210987654321' }],
      ['added region', { account: '123456789012', region: 'us-east-1' }],
      ['added start', { account: '123456789012', start_date: '2024-01-01' }],
    ])('is refused with %s', (_label, query) => {
      const next = encodeCursor(position, filter, KEY);
      expect(failure(() => parseEventsParams({ ...query, next }, KEY)).parameter).toBe('next');
    });

    it('is refused when signed with another key', () => {
      const next = encodeCursor(position, filter, 'other-key');
      expect(failure(() => parseEventsParams({ account: '123456789012', next }, KEY)).parameter).toBe('next');
    });

    it('is refused after any one-character edit', () => {
      // Prepare
      const next = encodeCursor(position, filter, KEY);
      // Act
      const outcomes = [...next].map((char, i) => {
        const swapped = char === 'A' ? 'B' : 'A';
        const tampered = next.slice(0, i) + swapped + next.slice(i + 1);
        return failure(() => parseEventsParams({ account: '123456789012', next: tampered }, KEY)).parameter;
      });
      // Assess
      expect(new Set(outcomes)).toEqual(new Set(['next']));
    });

    it('is refused when correctly signed but the content has the wrong shape', () => {
      // Prepare: a payload an attacker who knew the key could sign must still be a day + sort key.
      const bad = encodeCursor({ day: '2024-03-01', sortKey: "x' OR 1=1" }, filter, KEY);
      // Act + Assess
      expect(failure(() => parseEventsParams({ account: '123456789012', next: bad }, KEY)).parameter).toBe(
        'next',
      );
    });
  });
});

describe('parseSummaryParams', () => {
  it('accepts no parameters at all', () => {
    expect(parseSummaryParams({})).toEqual({
      account: null,
      region: null,
      start: null,
      end: null,
      severities: null,
    });
  });

  it('takes severities, each once, in the order given', () => {
    expect(parseSummaryParams({ severity: 'HIGH,CRITICAL' }).severities).toEqual(['HIGH', 'CRITICAL']);
    expect(parseSummaryParams({ severity: 'INFORMATIONAL' }).severities).toEqual(['INFORMATIONAL']);
  });

  it.each([['high'], ['HIGH,HIGH'], ['SEVERE'], ['HIGH,'], [''], ["HIGH' OR 1=1 --"]])(
    'rejects severity=%j naming it and the allowed values',
    (value) => {
      const error = failure(() => parseSummaryParams({ severity: value }));
      expect(error.parameter).toBe('severity');
      expect(error.message).toContain('CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL');
    },
  );

  it('rejects limit, which only /events takes', () => {
    expect(failure(() => parseSummaryParams({ limit: '5' })).parameter).toBe('limit');
  });
});

describe('parseTrendParams', () => {
  const now = new Date('2024-03-10T15:00:00Z');

  it('defaults to the 30 days up to and including today', () => {
    expect(parseTrendParams({}, now)).toMatchObject({
      start: '2024-02-10T00:00:00.000Z',
      end: '2024-03-11T00:00:00.000Z',
    });
  });

  it('caps the range at 366 days, naming end_date', () => {
    expect(
      failure(() => parseTrendParams({ start_date: '2022-01-01', end_date: '2024-01-01' }, now)).parameter,
    ).toBe('end_date');
  });
});

describe('parseTimelineParams', () => {
  const valid = {
    account: '123456789012',
    region: 'eu-west-1',
    resource_type: 'AWS::::Account',
    resource_id: "bucket' OR 1=1 --",
  };

  it('passes an odd but legal resource id through unchanged (it is bound as a parameter)', () => {
    expect(parseTimelineParams(valid).resourceId).toBe("bucket' OR 1=1 --");
  });

  it.each(['account', 'region', 'resource_type', 'resource_id'])('requires %s', (name) => {
    const query: Record<string, string> = { ...valid };
    delete query[name];
    expect(failure(() => parseTimelineParams(query))).toMatchObject({
      parameter: name,
      message: expect.stringContaining('is required'),
    });
  });

  it.each([
    ['resource_type', 'AWS::S3'],
    ['resource_type', 'AWS::S3::Bucket; drop'],
    ['resource_id', 'a\u0000b'],
    ['resource_id', 'x'.repeat(769)],
  ])('rejects %s=%j', (name, value) => {
    expect(failure(() => parseTimelineParams({ ...valid, [name]: value })).parameter).toBe(name);
  });
});

describe('parseNoParams', () => {
  it('rejects any parameter', () => {
    expect(failure(() => parseNoParams({ debug: '1' }))).toEqual({
      parameter: 'debug',
      message: 'unknown parameter "debug"; allowed: none',
    });
  });
});

describe('poll id', () => {
  const pending = {
    route: 'summary' as const,
    queries: { summary: '7d9c3a54-4c25-4b4f-9a6e-1f2d3c4b5a69', score: 'a1b2' },
    params: { account: null, end: '2024-03-01T00:00:00.000Z' },
  };

  it('round-trips', () => {
    expect(decodePollId(encodePollId(pending, KEY), KEY)).toEqual(pending);
  });

  it.each([
    ['a token signed with another key', () => encodePollId(pending, 'other')],
    ['a truncated token', () => encodePollId(pending, KEY).slice(0, -1)],
    ['garbage', () => '../../etc/passwd'],
    ['an engine id with a quote', () => encodePollId({ ...pending, queries: { summary: "x' OR 1=1" } }, KEY)],
  ])('refuses %s, naming id', (_label, make) => {
    expect(failure(() => decodePollId(make(), KEY)).parameter).toBe('id');
  });
});
