/** The integration accounts' patterns (protocol/topic-filters.ts): MQTT 3.1.1 filter matching, overlap and client-id globs. */
import { describe, expect, it } from 'vitest';
import { filterMatches, filtersOverlap, globMatches, isValidFilter } from '../../protocol/index.js';

describe('MQTT topic filters and client-id globs', () => {
  it('accepts filters with whole-level wildcards and refuses the rest', () => {
    for (const f of ['#', '+', 'TopicA/#', '+/+', '/#', 'edu/v1/+/telemetry', 'a//b']) expect(isValidFilter(f), f).toBe(true);
    for (const f of ['', 'a/#/b', 'a#', 'a/b+', '+a/b', '#/']) expect(isValidFilter(f), f).toBe(false);
  });

  it('matches topics as MQTT 3.1.1 does, `#` including its parent level and wildcards never meeting `$` topics', () => {
    expect(filterMatches('TopicA/#', 'TopicA')).toBe(true);
    expect(filterMatches('TopicA/#', 'TopicA/B/C')).toBe(true);
    expect(filterMatches('+/+', 'TopicA/B')).toBe(true);
    expect(filterMatches('+/+', 'TopicA')).toBe(false);
    expect(filterMatches('/+', '/TopicA')).toBe(true);
    expect(filterMatches('edu/v1/+/telemetry', 'edu/v1/tablet-1/telemetry')).toBe(true);
    expect(filterMatches('edu/v1/+/telemetry', 'edu/v1/tablet-1/status')).toBe(false);
    expect(filterMatches('#', '$SYS/broker/heartbeat')).toBe(false);
    expect(filterMatches('+/+', '$TopicA/B')).toBe(false);
  });

  it('tells whether a subscription can ever match a pattern', () => {
    expect(filtersOverlap('#', 'TopicA/#')).toBe(true);
    expect(filtersOverlap('+/+', 'TopicA/#')).toBe(true);
    expect(filtersOverlap('+/C', 'Topic/#')).toBe(true);
    expect(filtersOverlap('TopicA', 'TopicA/#')).toBe(true);
    expect(filtersOverlap('edu/v1/#', 'edu/v1/+/telemetry')).toBe(true);
    expect(filtersOverlap('edu/v1/tablet-1/telemetry', 'edu/v1/+/telemetry')).toBe(true);
    expect(filtersOverlap('test/nosubscribe', 'TopicA/#')).toBe(false);
    expect(filtersOverlap('edu/v1/+/status', 'edu/v1/+/telemetry')).toBe(false);
    expect(filtersOverlap('+/+', 'TopicA')).toBe(false);
    expect(filtersOverlap('$SYS/#', '#')).toBe(false);
    expect(filtersOverlap('edu/v1/+/cmd/#', 'edu/#')).toBe(true);
  });

  it("matches client ids by glob, '' allowing any id including the zero-length one", () => {
    expect(globMatches('', '')).toBe(true);
    expect(globMatches('', 'anything')).toBe(true);
    expect(globMatches('myclientid*', 'myclientid')).toBe(true);
    expect(globMatches('myclientid*', 'myclientid2')).toBe(true);
    expect(globMatches('myclientid*', 'clean retained')).toBe(false);
    expect(globMatches('myclientid*', '')).toBe(false);
    expect(globMatches('ioc-*-node*', 'ioc-lao-cai-node2')).toBe(true);
    expect(globMatches('a*a', 'a')).toBe(false);
    expect(globMatches('exact', 'exactly')).toBe(false);
  });
});
