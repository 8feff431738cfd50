import { describe, expect, it } from 'vitest';
import { unhealthySourcesSentence, withoutRulesSentence } from '../../src/domain/coverage.js';

describe('coverage sentences', () => {
  it('counts distinct accounts and regions of the sources without rules', () => {
    expect(withoutRulesSentence([])).toBeNull();
    expect(withoutRulesSentence(['111122223333/eu-west-1'])).toBe('1 account in 1 region reports no rules');
    expect(
      withoutRulesSentence([
        '111122223333/eu-west-1',
        '111122223333/us-east-1',
        '444455556666/eu-west-1',
        '777788889999/us-east-1',
      ]),
    ).toBe('3 accounts in 2 regions report no rules');
  });

  it('names unhealthy sources, or nothing', () => {
    expect(unhealthySourcesSentence(0)).toBeNull();
    expect(unhealthySourcesSentence(1)).toBe('1 aggregator source failed or is outdated');
    expect(unhealthySourcesSentence(2)).toBe('2 aggregator sources failed or are outdated');
  });
});
