import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { DeviceHealthView } from '../../../../../api/index.js';
import type { HealthLevel, HealthReason, Presence } from '../../../../../domain/index.js';
import { fmtDateTime, useI18n } from '../../i18n.js';
import { useHealthBatches } from '../../live.js';
import { reasonText } from '../../../../../domain/health-texts.js';

/** How often live health batches reach the screen at most: a burst of 1,000 verdicts is one render, not 1,000. */
const FLUSH_MS = 250;
/** A problem off the page reads the page again, at most this often: worst first must not mean stale first. */
const RELOAD_MS = 5000;

export function LevelBadge(p: { level: HealthLevel; testid?: string }) {
  const { t } = useI18n();
  return <span class={`badge level-${p.level}`} data-testid={p.testid} data-level={p.level}>{t(`health.level.${p.level}`)}</span>;
}

export function PresenceCell(p: { presence: Presence; since: number | null }) {
  const { lang, t } = useI18n();
  return (
    <span class={`presence presence-${p.presence}`}>
      {t(`health.presence.${p.presence}`)}
      {p.since !== null && p.presence !== 'never' && <span class="muted small"> {t('health.since', { time: fmtDateTime(lang, p.since) })}</span>}
    </span>
  );
}

export function Reasons(p: { reasons: HealthReason[] }) {
  const { lang, t } = useI18n();
  if (!p.reasons.length) return <span class="muted">{t('health.noReasons')}</span>;
  return <ul class="reasons">{p.reasons.map((r, i) => <li key={i} class={`reason sev-${r.severity}`}>{reasonText(r, lang)}</li>)}</ul>;
}

/**
 * The rows of a server read with the newest `health` view of each laid over them. Batches are buffered and applied
 * at most every FLUSH_MS, and only for devices on screen, so a province-wide burst neither grows memory nor renders
 * the page once per batch. A changed device stays where it is until the next read re-sorts the page; a device off
 * the page that turns bad calls `onMissed` (at most every RELOAD_MS), for the page to read again.
 */
export function useLiveHealth(rows: readonly DeviceHealthView[] | undefined, onMissed?: () => void): DeviceHealthView[] {
  const [live, setLive] = useState<ReadonlyMap<string, DeviceHealthView>>(new Map());
  const pending = useRef(new Map<string, DeviceHealthView>());
  const shown = useRef(new Set<string>());
  const missed = useRef({ since: 0, last: 0, fn: onMissed });
  missed.current.fn = onMissed;
  shown.current = new Set((rows ?? []).map((r) => r.id));
  useEffect(() => {
    const timer = setInterval(() => {
      const m = missed.current;
      if (m.since && Date.now() - m.last >= RELOAD_MS) {
        m.since = 0;
        m.last = Date.now();
        m.fn?.();
      }
      if (!pending.current.size) return;
      const batch = pending.current;
      pending.current = new Map();
      setLive((prev) => new Map([...prev, ...batch]));
    }, FLUSH_MS);
    return () => clearInterval(timer);
  }, []);
  useHealthBatches(useCallback((batch: DeviceHealthView[]) => {
    for (const v of batch) {
      if (shown.current.has(v.id)) pending.current.set(v.id, v);
      else if (v.level !== 'ok' || v.presence === 'offline') missed.current.since ||= Date.now();
    }
  }, []));
  // A new read is newer than anything buffered before it.
  useEffect(() => { pending.current = new Map(); setLive(new Map()); }, [rows]);
  return (rows ?? []).map((r) => live.get(r.id) ?? r);
}
