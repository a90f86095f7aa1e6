import { useEffect, useState } from 'preact/hooks';
import type { WallDistrict, WallFigures, WallResponse } from '../../../../../api/index.js';
import { fmtIsoDate, fmtNumber, fmtPct, fmtTime, setLang, useI18n, type T } from '../../i18n.js';
import { addDays } from '../../../../../lib/vn/time.js';
import { WallChart, onlineShare } from './wall-chart.js';
import { useWallFeed, type WallFeed } from './wall-feed.js';
import './wall.css';

/** How long each district stays on the district panel, unless the address says otherwise (`rotate=` seconds, 5–300). */
const ROTATE_MS = 20_000;

/** What the address's fragment carries: never sent to the server, so never in its logs or a proxy's. */
export interface WallOptions { token: string | null; rotateMs: number }

export function wallOptions(hash: string): WallOptions {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const token = q.get('token');
  const rotate = Number(q.get('rotate'));
  return {
    token: token && /^efk_[A-Za-z0-9_-]{43}$/.test(token) ? token : null,
    rotateMs: Number.isFinite(rotate) && rotate >= 5 && rotate <= 300 ? rotate * 1000 : ROTATE_MS,
  };
}

/**
 * The operations-centre wall (`/wall`, docs/dashboard.md): the Sở's large screen, no navigation and nothing to click.
 * The province (or the token's scope) on the left, one district at a time on the right, rotating, and a chart of the
 * online share per district. Signed in with a wall token in the address's fragment (`/wall#token=efk_…`), or an admin's
 * or planner's session to preview it. It keeps the last figures through a network blip or a dashboard restart.
 */
export function WallApp() {
  const [opts, setOpts] = useState(() => wallOptions(location.hash));
  useEffect(() => {
    document.title = 'EduFleet — Trung tâm điều hành';
    const lang = new URLSearchParams(location.hash.replace(/^#/, '')).get('lang');
    if (lang === 'en' || lang === 'vi') setLang(lang);
    // A new address pasted on the screen (a new token) takes effect without a reload.
    const onHash = () => setOpts(wallOptions(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const feed = useWallFeed(opts.token);
  const now = useNow();
  if (feed.refusal) return <Refused feed={feed} hasToken={opts.token !== null} />;
  return (
    <div class="wall" data-testid="wall">
      <WallHeader feed={feed} now={now} />
      {feed.data ? <WallBody data={feed.data} rotateMs={opts.rotateMs} /> : <Loading />}
    </div>
  );
}

/** The time now, every second (the clock and the age of the figures). */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function ageText(t: T, ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return t('wall.seconds', { n: s });
  if (s < 7200) return t('wall.minutes', { n: Math.floor(s / 60) });
  return t('wall.hours', { n: Math.floor(s / 3600) });
}

function WallHeader(p: { feed: WallFeed; now: number }) {
  const { lang, t } = useI18n();
  const { data, receivedAt, state } = p.feed;
  return (
    <header class="wall-head">
      <div class="wall-brand">Edu<b>Fleet</b> · {t('wall.title')}</div>
      <div class="wall-status">
        {state === 'lost' && (
          <span class="wall-lost" data-testid="wall-lost" role="status">
            ⚠ {t('wall.lost')}{receivedAt !== null && <> · {t('wall.age', { age: ageText(t, p.now - receivedAt) })}</>}
          </span>
        )}
        <span class="wall-updated" data-testid="wall-conn" data-state={state}>
          {data && t('wall.updated', { time: fmtTime(lang, data.generatedAt) })}
        </span>
        <span class="wall-clock">{fmtTime(lang, p.now).slice(0, 5)}</span>
      </div>
    </header>
  );
}

function Loading() {
  const { t } = useI18n();
  return <div class="wall-loading" data-testid="wall-loading">{t('wall.loading')}</div>;
}

function WallBody(p: { data: WallResponse; rotateMs: number }) {
  const { t } = useI18n();
  const { data } = p;
  const many = data.districts.length > 1;
  const [index, setIndex] = useState(0);
  useEffect(() => {
    if (!many) return;
    const timer = setInterval(() => setIndex((i) => i + 1), p.rotateMs);
    return () => clearInterval(timer);
  }, [many, p.rotateMs]);
  const shown = many ? data.districts[index % data.districts.length]! : undefined;
  const scopeTitle = !data.scoped ? t('wall.province')
    : data.districts.length === 1 ? districtName(t, data.districts[0]!) : t('wall.scope');
  return (
    <main class="wall-main">
      <section class="wall-panel wall-province" data-testid="wall-province">
        <h1>{scopeTitle}</h1>
        <Figures f={data.province} data={data} testid="wall-p" />
        {many && <WallChart districts={data.districts} current={shown?.districtId} />}
        {data.districts.length === 0 && <p class="wall-hint">{t('wall.noDistricts')}</p>}
      </section>
      {shown && (
        <section class="wall-panel wall-district" data-testid="wall-district" data-district={shown.districtId ?? 'so'}>
          <div class="wall-rotate">
            <span>{t('wall.district', { index: (index % data.districts.length) + 1, count: data.districts.length })}</span>
            {/* Keyed by the step: the bar's animation starts again with each district. */}
            <div class="wall-progress" key={index}><i style={{ animationDuration: `${p.rotateMs}ms` }} /></div>
          </div>
          <h1 data-testid="wall-district-name">{districtName(t, shown)}</h1>
          <Figures f={shown.figures} data={data} testid="wall-d" />
        </section>
      )}
    </main>
  );
}

const districtName = (t: T, d: WallDistrict): string => d.name ?? t('wall.underSo');

/** The four figures of a place: devices online, open alerts, the week's room use, the records KPI. */
function Figures(p: { f: WallFigures; data: WallResponse; testid: string }) {
  const { lang, t } = useI18n();
  const { devices, alerts, usage, kpi } = p.f;
  const n = (x: number) => fmtNumber(lang, x, 0);
  const id = (s: string) => `${p.testid}-${s}`;
  const share = onlineShare(devices);
  return (
    <div class="wall-figures">
      <div class={`wall-tile wall-devices ${share === null ? '' : share >= 0.9 ? 'good' : share >= 0.7 ? 'fair' : 'poor'}`}>
        <span class="wall-label">{t('wall.devices')}</span>
        <span class="wall-big"><b data-testid={id('connected')}>{n(devices.online + devices.sleep)}</b> <small>{fmtPct(lang, share, 0)}</small></span>
        <span class="wall-sub">{t('wall.devicesOf', { total: n(devices.total) })}</span>
        <span class="wall-split">
          <span>{t('wall.online')} <b data-testid={id('online')}>{n(devices.online)}</b></span>
          <span>{t('wall.sleep')} <b data-testid={id('sleep')}>{n(devices.sleep)}</b></span>
          <span class="off">{t('wall.offline')} <b data-testid={id('offline')}>{n(devices.offline)}</b></span>
          <span>{t('wall.never')} <b data-testid={id('never')}>{n(devices.never)}</b></span>
        </span>
      </div>
      <div class={`wall-tile wall-alerts ${alerts.critical ? 'poor' : alerts.warning ? 'fair' : 'good'}`}>
        <span class="wall-label">{t('wall.alerts')}</span>
        <span class="wall-pair">
          <span class="crit"><b data-testid={id('critical')}>{n(alerts.critical)}</b><small>{t('wall.critical')}</small></span>
          <span class="warnc"><b data-testid={id('warning')}>{n(alerts.warning)}</b><small>{t('wall.warning')}</small></span>
        </span>
      </div>
      <div class="wall-tile wall-usage" data-testid={id('usage')}>
        <span class="wall-label">{t('wall.usage')}</span>
        {usage === null
          ? <><span class="wall-big nodata" data-testid={id('usage-none')}>{t('wall.noData')}</span><span class="wall-sub">{t('wall.noDataHint')}</span></>
          : <><span class="wall-big"><b data-testid={id('usage-share')}>{fmtPct(lang, usage.timeUtilisation, 0)}</b></span>
            <span class="wall-sub">{t('wall.usageRooms', { rooms: n(usage.rooms), coverage: fmtPct(lang, usage.coverage, 0) })}</span></>}
        <span class="wall-sub dim">{t('wall.usageWeek', { from: fmtIsoDate(lang, p.data.week.from), to: fmtIsoDate(lang, addDays(p.data.week.to, -1)) })}</span>
      </div>
      <div class={`wall-tile wall-kpi ${kpi.recordShare !== null && p.data.kpiTarget && kpi.recordShare >= p.data.kpiTarget.share ? 'good' : ''}`}>
        <span class="wall-label">{t('wall.kpi')}</span>
        <span class="wall-big"><b data-testid={id('kpi')}>{fmtPct(lang, kpi.recordShare, 0)}</b></span>
        <span class="wall-sub">{t('wall.kpiOf', { withRecord: n(kpi.withRecord), devices: n(kpi.devices) })}</span>
        {p.data.kpiTarget && <span class="wall-sub dim">{t('wall.kpiTarget', { year: p.data.kpiTarget.year, share: fmtPct(lang, p.data.kpiTarget.share, 0) })}</span>}
      </div>
    </div>
  );
}

/** A refusal the screen cannot get past by itself, full-screen and saying what to do. */
function Refused(p: { feed: WallFeed; hasToken: boolean }) {
  const { t } = useI18n();
  const code = p.feed.refusal!.code;
  const why = code === 'EDUFLEET_ERR_AUTH_TOKEN_REVOKED' ? t('wall.refused.revoked')
    : code === 'EDUFLEET_ERR_AUTH_TOKEN_EXPIRED' ? t('wall.refused.expired')
      : code === 'EDUFLEET_ERR_AUTH_REQUIRED' && !p.hasToken ? t('wall.refused.login')
        : p.feed.refusal!.status === 401 ? t('wall.refused.invalid') : t('wall.refused.forbidden');
  return (
    <div class="wall wall-refused" data-testid="wall-refused" data-code={code} role="alert">
      <h1>{t('wall.refused.title')}</h1>
      <p class="wall-why">{why}</p>
      <p>{t('wall.refused.todo')}</p>
      <p class="wall-sub dim">{t('wall.refused.retrying')}</p>
    </div>
  );
}
